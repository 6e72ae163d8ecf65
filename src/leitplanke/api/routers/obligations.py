"""``/api/v1/obligations``: the duties that come with an approval, and the evidence that they are done.

An obligation is exactly as visible as its use case (``decisions.selectors.obligations_visible_to``);
``due_for_me`` narrows the list to what the home page lists as the caller's (``obligations_due_for``:
the open ones the caller is responsible for, or of a unit they lead). Completing goes through
``decisions.services.obligation_complete``, which lets the owning unit complete them and records the
audit event.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pydantic
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.errors import ValidationError

from leitplanke.common.errors import NotFound
from leitplanke.common.permissions import check
from leitplanke.decisions import selectors, services
from leitplanke.decisions.models import Obligation, ObligationStatus
from leitplanke.guardrails.presentation import language
from leitplanke.usecases.selectors import can_edit

from ..concurrency import object_response
from ..errors import Problem
from ..schemas import PersonOut
from .common import DEFAULT_LIMIT, MAX_LIMIT, Text, body_fields, caller, honour_if_match, problems
from .usecases import MAX_TEXT, Id

router = Router(tags=["obligations"])


class ObligationUseCaseOut(Schema):
    """The use case the obligation belongs to."""

    id: int
    title: str


class ObligationOut(Schema):
    """A duty of an approved use case: from the verdict, or a reviewer's conditions."""

    id: int
    usecase: ObligationUseCaseOut
    code: str = Field(description="The rule bundle's obligation id, or review-<id> for a reviewer's conditions.")
    submission: int
    title: str = Field(description="In the caller's language.")
    description: str
    reference: str
    owner: PersonOut = Field(description="Who is responsible: the use case's owner.")
    due_on: date
    overdue: bool
    blocking: bool = Field(description="Must be done before the use case goes into production.")
    status: ObligationStatus
    evidence: str
    evidence_link: str
    evidence_file_name: str = Field(description="The attached file's name (it is downloaded on the web page).")
    completed_by: PersonOut | None
    completed_at: datetime | None
    created: datetime
    can_complete: bool = Field(description="Whether the caller may complete it now.")
    version: int = Field(description="Counts the obligation's changes; its ETag contains it.")


class ObligationPage(Schema):
    """One page of obligations, the most urgent first."""

    items: list[ObligationOut]
    count: int
    limit: int
    offset: int


class ObligationFilters(Schema):
    """Which obligations: the caller's own, open or done, overdue, of one use case."""

    due_for_me: bool = Field(
        False, description="Only the open ones the caller is responsible for or that belong to a unit they lead."
    )
    status: ObligationStatus | None = None
    overdue: bool = Field(False, description="Only open ones past their due date.")
    usecase: Id | None = Field(None, description="Only those of this use case (its id).")
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)
    offset: int = Field(0, ge=0)


class EvidenceIn(Schema):
    """The evidence that an obligation is fulfilled: a description, a link, or both."""

    evidence: Text = Field("", max_length=MAX_TEXT, description="What was done, by whom, when.")
    evidence_link: Text = Field("", max_length=500, description="A link to the evidence (https://…).")


def _person(person: Any) -> dict[str, str] | None:
    return {"username": person.username, "name": str(person)} if person is not None else None


def _obligation_out(user: Any, obligation: Obligation, *, may_edit: bool | None = None) -> ObligationOut:
    """``may_edit``: whether the caller may change the use case, when the caller knows it already."""
    lang = language()
    open_ = obligation.status == ObligationStatus.OPEN
    return ObligationOut.model_validate(
        {
            "id": obligation.pk,
            "usecase": {"id": obligation.usecase.pk, "title": obligation.usecase.title},
            "code": obligation.code,
            "submission": obligation.submission,
            "title": obligation.title(lang),
            "description": obligation.description(lang),
            "reference": obligation.reference,
            "owner": _person(obligation.owner),
            "due_on": obligation.due_on,
            "overdue": open_ and obligation.due_on < timezone.localdate(),
            "blocking": obligation.blocking,
            "status": obligation.status,
            "evidence": obligation.evidence,
            "evidence_link": obligation.evidence_link,
            "evidence_file_name": obligation.evidence_file_name,
            "completed_by": _person(obligation.completed_by),
            "completed_at": obligation.completed_at,
            "created": obligation.created_at,
            "can_complete": open_ and (can_edit(user, obligation.usecase) if may_edit is None else may_edit),
            "version": obligation.version,
        }
    )


def _visible(user: Any) -> Any:
    return selectors.obligations_visible_to(user).select_related("usecase", "usecase__unit", "owner", "completed_by")


def _obligation_by_id(user: Any, obligation_id: int) -> Obligation:
    obligation = _visible(user).filter(pk=obligation_id).first()
    if obligation is None:
        raise NotFound(_("There is no obligation with this id."))
    return obligation


def _obligation_response(request: HttpRequest, obligation: Obligation) -> HttpResponse:
    payload = _obligation_out(caller(request), obligation)
    return object_response(request, pk=obligation.pk, version=obligation.version, payload=payload)


def _completable(request: HttpRequest, obligation_id: int) -> Obligation:
    """An obligation the caller may complete: 404 if they may not see it, 403 if not of their unit."""
    user = caller(request)
    obligation = _obligation_by_id(user, obligation_id)
    check(user, "decisions.complete_obligation", obligation)
    payload = _obligation_out(user, obligation)
    honour_if_match(request, pk=obligation.pk, version=obligation.version, payload=payload)
    return obligation


@router.get("", response={200: ObligationPage, **problems(401, 422)}, summary="List obligations")
def obligation_list(request: HttpRequest, filters: Query[ObligationFilters]) -> dict[str, Any]:
    """The obligations of the use cases the caller may see, the most urgent first (by due date)."""
    user = caller(request)
    found = _visible(user)
    if filters.due_for_me:
        found = found.filter(pk__in=selectors.obligations_due_for(user).values("pk"))
    if filters.status is not None:
        found = found.filter(status=filters.status)
    if filters.overdue:
        found = found.filter(status=ObligationStatus.OPEN, due_on__lt=timezone.localdate())
    if filters.usecase is not None:
        found = found.filter(usecase_id=filters.usecase)
    found = found.order_by("due_on", "pk")
    page = list(found[filters.offset : filters.offset + filters.limit])
    # Who may change a use case is asked once per use case of the page, not once per obligation.
    usecases = {obligation.usecase_id: obligation.usecase for obligation in page}
    editable = {pk: can_edit(user, usecase) for pk, usecase in usecases.items()}
    return {
        "items": [_obligation_out(user, o, may_edit=editable[o.usecase_id]) for o in page],
        "count": found.count(),
        "limit": filters.limit,
        "offset": filters.offset,
    }


@router.get(
    "/{int:obligation_id}",
    response={200: ObligationOut, 304: None, **problems(401, 404)},
    summary="Read an obligation",
)
def obligation_read(request: HttpRequest, obligation_id: int) -> HttpResponse:
    """One obligation with its evidence, with an ``ETag``; one of a use case the caller may not see is 404."""
    return _obligation_response(request, _obligation_by_id(caller(request), obligation_id))


_COMPLETE_RESPONSES: dict[int, Any] = {200: ObligationOut, **problems(400, 401, 403, 404, 409, 412, 422)}


@router.post("/{int:obligation_id}/complete", response=_COMPLETE_RESPONSES, summary="Complete an obligation")
def obligation_complete(request: HttpRequest, obligation_id: int, payload: EvidenceIn) -> HttpResponse:
    """Mark an obligation as done with evidence: a description, a link, or both (one is required).

    For the owning unit, the owner and the contributors. To attach a file, use
    ``…/complete-with-file``. Honours ``If-Match`` when sent. Audited as
    ``decisions.obligation.completed``.
    """
    obligation = _completable(request, obligation_id)
    with body_fields():
        services.obligation_complete(
            actor=caller(request),
            obligation=obligation,
            evidence=payload.evidence,
            evidence_link=payload.evidence_link,
            expected_version=obligation.version,
        )
    return _obligation_response(request, _obligation_by_id(caller(request), obligation.pk))


class UploadTooLarge(Problem):
    """A body larger than the evidence file limit allows, refused by its ``Content-Length``."""

    status = 413
    code = "too_large"


def _upload_limit() -> int:
    """The largest multipart body: the largest evidence file plus room for the form fields."""
    return int(settings.EVIDENCE_MAX_MB) * 1024 * 1024 + int(settings.DATA_UPLOAD_MAX_MEMORY_SIZE or 0)


def _refuse_oversized(request: HttpRequest) -> None:
    """Refuse a body by its declared length, before a byte of it is read."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0  # Django reads no body without a valid length
    if length > _upload_limit():
        raise UploadTooLarge(
            _("The file is too large: at most %(max)s MB are allowed.") % {"max": settings.EVIDENCE_MAX_MB}
        )


def _evidence_form(request: HttpRequest) -> tuple[EvidenceIn, UploadedFile | None]:
    """The fields and the file of the multipart body: parsed only here, after the permission check."""
    fields = {name: request.POST[name] for name in EvidenceIn.model_fields if name in request.POST}
    try:
        evidence = EvidenceIn.model_validate(fields)
    except pydantic.ValidationError as exc:
        raise ValidationError([{**error, "loc": ("body", *error["loc"])} for error in exc.errors()]) from exc
    return evidence, request.FILES.get("evidence_file")


def _multipart_body() -> dict[str, Any]:
    """The OpenAPI request body of ``…/complete-with-file`` (the view parses the body itself)."""
    schema = EvidenceIn.model_json_schema()
    properties = {
        **schema["properties"],
        "evidence_file": {"type": "string", "format": "binary", "title": "Evidence File"},
    }
    return {
        "requestBody": {
            "content": {
                "multipart/form-data": {
                    "schema": {"title": "EvidenceUpload", "type": "object", "properties": properties}
                }
            },
            "required": True,
        }
    }


@router.post(
    "/{int:obligation_id}/complete-with-file",
    response={**_COMPLETE_RESPONSES, 413: _COMPLETE_RESPONSES[400]},
    summary="Complete an obligation (file)",
    openapi_extra=_multipart_body(),
)
def obligation_complete_with_file(request: HttpRequest, obligation_id: int) -> HttpResponse:
    """The same as ``…/complete``, as ``multipart/form-data``, so that a file can be attached as
    evidence (``evidence_file``), with or without the fields ``evidence`` and ``evidence_link``.

    Allowed are documents, images, text, e-mails and archives (PDF, PNG, JPG, TXT, CSV, DOCX, XLSX,
    PPTX, ODT, ODS, MD, EML, MSG, ZIP) up to the configured size (20 MB unless the operator set
    another limit); anything else is an error on ``body.evidence_file``. Who may not see the
    obligation hears 404, who may not complete it 403, and a body larger than the limit allows 413,
    each before the body is read.
    """
    obligation = _completable(request, obligation_id)
    _refuse_oversized(request)
    payload, evidence_file = _evidence_form(request)
    with body_fields():
        services.obligation_complete(
            actor=caller(request),
            obligation=obligation,
            evidence=payload.evidence,
            evidence_link=payload.evidence_link,
            evidence_file=evidence_file,
            expected_version=obligation.version,
        )
    return _obligation_response(request, _obligation_by_id(caller(request), obligation.pk))
