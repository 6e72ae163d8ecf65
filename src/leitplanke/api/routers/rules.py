"""``/api/v1/rules``: the published rule bundles, and checking, comparing and publishing a new one.

Reads go through ``guardrails.selectors``: every signed-in person reads every published bundle
(knowing the rules is what lets teams move fast). Checking a candidate, its what-if and publishing
are for AI governance (``guardrails.selectors.can_publish``), as on the publish page; the what-if
names use cases of every unit. Publishing goes through ``guardrails.services.bundle_publish``,
which checks the bundle again, refreshes every verdict and records the audit events.

A candidate is sent as JSON: either ``files`` (path → text: ``bundle.yaml`` and ``rules/*.yaml``)
or ``archive``, the same ZIP archive the publish page takes (and the download gives), in base64.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
from datetime import datetime
from typing import Annotated, Any

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from pydantic import StringConstraints, model_validator

from leitplanke.common.errors import DomainError, NotFound, PermissionDenied
from leitplanke.guardrails import evaluators, presentation, selectors, services
from leitplanke.guardrails.archive import MAX_ARCHIVE_BYTES, ArchiveInvalid, read_archive, zip_files
from leitplanke.guardrails.engine import Bundle, CheckReport, WhatIfReport
from leitplanke.guardrails.engine.bundle import MAX_FILE_BYTES, MAX_FILES
from leitplanke.guardrails.models import RuleBundle

from ..concurrency import object_response
from ..errors import Problem
from ..schemas import PersonOut
from .common import DEFAULT_LIMIT, MAX_LIMIT, Text, caller, problems

router = Router(tags=["rules"])

#: A file's path in a bundle (``bundle.yaml``, ``rules/10-…yaml``).
FilePath = Annotated[Text, StringConstraints(min_length=1, max_length=200)]
#: A file's text; the engine refuses files over 512 KiB with their place.
FileText = Annotated[Text, StringConstraints(max_length=MAX_FILE_BYTES)]


class BundleRefusedProblem(Problem):
    """A candidate that failed validation or its own tests: ``problems`` lists them with file and line."""

    status = 422
    code = "invalid"


def _require_governance(user: Any) -> None:
    if not selectors.can_publish(user):
        raise PermissionDenied(_("Only AI governance checks and publishes rule bundles."))


# --- schemas ----------------------------------------------------------------------------------------


class BundleItemOut(Schema):
    """A published bundle as the bundle history lists it."""

    id: int
    bundle_id: str = Field(description="The bundle's id from bundle.yaml, such as `leitplanke-default`.")
    version: str
    title: str = Field(description="In lists the English title; a single bundle gives it in the caller's language.")
    digest: str = Field(description="SHA-256 over the bundle's files.")
    rule_count: int
    test_count: int
    published_by: PersonOut | None = Field(description="Null when the system published it (the shipped bundle).")
    published_at: datetime
    active: bool = Field(description="Exactly one bundle is active: it decides every verdict now.")


class BundlePage(Schema):
    """One page of published bundles, newest first."""

    items: list[BundleItemOut]
    count: int
    limit: int
    offset: int


class Page(Schema):
    """A page of a list."""

    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)
    offset: int = Field(0, ge=0)


class EffectOut(Schema):
    """What a rule does when its condition holds."""

    kind: str = Field(description="block, review, risk_class, obligation or warning.")
    code: str = Field(description="Such as `review:data_protection` or `risk_class:high`.")
    label: str = Field(description="What it does, in the caller's language.")


class RuleOut(Schema):
    """A guardrail: its condition (CEL), its effects, and why it exists."""

    id: str
    title: str
    reason: str
    rationale: str
    reference: str
    condition: str
    effects: list[EffectOut]
    line: int = Field(description="Where the rule starts in its file.")


class RuleTestOut(Schema):
    """A test case of a rule file and what must come out."""

    name: str
    line: int
    expect: dict[str, Any]


class RuleFileOut(Schema):
    """The rules and tests written in one file of the bundle."""

    file: str
    title: str
    rules: list[RuleOut]
    tests: list[RuleTestOut]


class SourceOut(Schema):
    """A legal source the bundle is based on."""

    title: str
    url: str


class RegulatoryDateOut(Schema):
    """A date from which a legal duty applies."""

    key: str
    title: str
    date: dt.date
    source: str


class OutcomeOut(Schema):
    """A verdict as the what-if compares it."""

    risk_class: str
    decision: str
    reviews: list[str] = []
    obligations: list[str] = []
    fired: list[str] = Field([], description="The rules that fired.")


class ChangeOut(Schema):
    """A use case whose verdict changes, and how."""

    usecase_id: int
    title: str
    kinds: list[str] = Field(
        description="Such as `risk_class:minimal→high`, `decision:review→blocked`, `review_added:legal`, `new`."
    )
    before: OutcomeOut | None = Field(description="Null for a use case that had no verdict yet.")
    after: OutcomeOut


class NotEvaluatedOut(Schema):
    """A use case the candidate could not evaluate."""

    usecase_id: int
    title: str
    error: str


class WhatIfOut(Schema):
    """Which verdicts of the portfolio a bundle changes (at most 200 listed; the counts cover all)."""

    total: int
    changed: int
    unchanged: int
    counts: dict[str, int] = Field(description="Use cases per kind of change.")
    changes: list[ChangeOut]
    invalid: list[NotEvaluatedOut]


class BundleDetailOut(BundleItemOut):
    """A published bundle with its rules by file, as the bundle page shows it."""

    id: int | None = Field(  # type: ignore[assignment]
        description="Null only for the shipped bundle on a new installation, before the first verdict publishes it."
    )
    published_at: datetime | None = Field(  # type: ignore[assignment]
        description="Null only for the shipped bundle before its publication (see `id`)."
    )
    description: str
    effective_from: dt.date | None
    effective_until: dt.date | None
    approval_qualification: str | None = Field(
        description="The course code a team lead must have completed to approve a use case."
    )
    sources: list[SourceOut]
    dates: list[RegulatoryDateOut]
    files: list[RuleFileOut]
    whatif: WhatIfOut | None = Field(
        description="What changed when it was published: for AI governance only, null for everybody else."
    )


class ProblemPlaceOut(Schema):
    """One thing wrong with a candidate, and where."""

    file: str
    line: int
    column: int
    message: str


class TestResultOut(Schema):
    """One of the bundle's own test cases."""

    name: str
    file: str
    line: int
    passed: bool
    failures: list[str]


class CheckedBundleOut(Schema):
    """The candidate that passed validation."""

    id: str
    version: str
    digest: str
    rules: int
    tests: int


class CheckOut(Schema):
    """What the check of a candidate found: it can be published when ``ok``."""

    ok: bool
    problems: list[ProblemPlaceOut] = Field(description="Every problem with its file, line and column.")
    tests: list[TestResultOut]
    bundle: CheckedBundleOut | None = Field(description="Null when the bundle could not be read at all.")


class WhatIfResultOut(Schema):
    """A candidate that passed its check, and what it would change."""

    bundle: CheckedBundleOut
    tests: list[TestResultOut]
    whatif: WhatIfOut


class CandidateIn(Schema):
    """A candidate bundle: its files, or the ZIP archive of the publish page in base64 (exactly one)."""

    files: dict[FilePath, FileText] | None = Field(
        None,
        max_length=MAX_FILES,
        description="Path → text: `bundle.yaml` and `rules/*.yaml`.",
        examples=[{"bundle.yaml": 'id: my-rules\nversion: "2026.1"\n…', "rules/10-basics.yaml": "rules: …"}],
    )
    archive: str | None = Field(
        None,
        max_length=(MAX_ARCHIVE_BYTES * 4) // 3 + 4,
        description="A ZIP archive with bundle.yaml and rules/, at the top or in one folder, base64-encoded.",
    )

    @model_validator(mode="after")
    def _one_of(self) -> CandidateIn:
        if (self.files is None) == (self.archive is None):
            raise ValueError(_("Send either files or archive."))
        return self


# --- helpers ----------------------------------------------------------------------------------------


def _candidate_files(payload: CandidateIn) -> dict[str, str]:
    """The candidate's files, read from ``files`` or from the archive."""
    if payload.files is not None:
        return dict(payload.files)
    try:
        data = base64.b64decode(payload.archive or "", validate=True)
    except (binascii.Error, ValueError) as exc:
        raise DomainError(_("The archive is not valid base64."), field="body.archive", code="archive") from exc
    try:
        return read_archive(data)
    except ArchiveInvalid as exc:
        raise DomainError(str(exc), field="body.archive", code="archive") from exc


def _where(payload: CandidateIn) -> str:
    return "body.files" if payload.files is not None else "body.archive"


def _person(person: Any) -> dict[str, str] | None:
    return {"username": person.username, "name": str(person)} if person is not None else None


def _item(row: RuleBundle) -> dict[str, Any]:
    return {
        "id": row.pk,
        "bundle_id": row.bundle_id,
        "version": row.version,
        "title": row.title,
        "digest": row.digest,
        "rule_count": row.rule_count,
        "test_count": row.test_count,
        "published_by": _person(row.published_by),
        "published_at": row.published_at,
        "active": row.active,
    }


def _whatif(report: dict[str, Any]) -> dict[str, Any]:
    """A what-if report's JSON (``WhatIfReport.as_dict``, also as stored at publication) for the API."""
    return {
        "total": report.get("total", 0),
        "changed": report.get("changed", 0),
        "unchanged": report.get("unchanged", 0),
        "counts": report.get("counts", {}),
        "changes": [
            {
                "usecase_id": change["key"],
                "title": change["label"],
                "kinds": change["kinds"],
                "before": change["before"],
                "after": change["after"],
            }
            for change in report.get("changes", [])
        ],
        "invalid": [
            {"usecase_id": item["key"], "title": item["label"], "error": item["error"]}
            for item in report.get("invalid", [])
        ],
    }


def _rule_files(bundle: Bundle) -> list[dict[str, Any]]:
    return [
        {
            "file": group["file"],
            "title": group["title"],
            "rules": [
                {
                    "id": item["rule"].id,
                    "title": item["title"],
                    "reason": item["reason"],
                    "rationale": item["rationale"],
                    "reference": item["reference"],
                    "condition": item["rule"].condition,
                    "effects": [
                        {"kind": effect.kind, "code": effect.describe(), "label": label}
                        for effect, label in zip(item["rule"].effects, item["effects"], strict=True)
                    ],
                    "line": item["rule"].line,
                }
                for item in group["rules"]
            ],
            "tests": [{"name": test.name, "line": test.line, "expect": test.expect} for test in group["tests"]],
        }
        for group in presentation.rules_by_file(bundle)
    ]


def _detail(user: Any, row: RuleBundle) -> BundleDetailOut:
    bundle = selectors.evaluator_for(row).bundle
    lang = presentation.language()
    whatif = selectors.publication_whatif(user, row)
    return BundleDetailOut.model_validate(
        {
            **_item(row),
            "title": bundle.title.get(lang),
            "description": bundle.description.get(lang),
            "effective_from": bundle.effective_from,
            "effective_until": bundle.effective_until,
            "approval_qualification": bundle.approval_qualification,
            "sources": [{"title": source.get("title", ""), "url": source.get("url", "")} for source in bundle.sources],
            "dates": [
                {"key": date.key, "title": date.title.get(lang), "date": date.date, "source": date.source}
                for date in sorted(bundle.dates.values(), key=lambda date: date.date)
            ],
            "files": _rule_files(bundle),
            "whatif": _whatif(whatif) if whatif else None,
        }
    )


def _bundle_response(request: HttpRequest, row: RuleBundle, *, status: int = 200) -> HttpResponse:
    # A published bundle never changes (only whether it is active, which is part of its body).
    return object_response(request, pk=row.pk or 0, version=1, payload=_detail(caller(request), row), status=status)


def _bundle_by_id(bundle_id: int) -> RuleBundle:
    row = selectors.bundles().filter(pk=bundle_id).first()
    if row is None:
        raise NotFound(_("There is no rule bundle with this id."))
    return row


def _refused(report: CheckReport, message: Any) -> BundleRefusedProblem:
    return BundleRefusedProblem(
        message, reason="bundle_invalid", problems=[problem.as_dict() for problem in report.problems]
    )


def _checked(files: dict[str, str]) -> CheckReport:
    """The full check of the publish page; a refused candidate is a 422 that lists every problem."""
    report = evaluators.check(files)
    if not report.ok:
        raise _refused(report, services.BundleRefused(report).message)
    return report


# --- reading ----------------------------------------------------------------------------------------


@router.get("/bundles", response={200: BundlePage, **problems(401, 422)}, summary="List rule bundles")
def bundle_list(request: HttpRequest, page: Query[Page]) -> dict[str, Any]:
    """Every published bundle, newest first; the active one says so."""
    rows = selectors.bundles().order_by("-published_at", "-pk")
    listed = rows[page.offset : page.offset + page.limit]
    return {"items": [_item(row) for row in listed], "count": rows.count(), "limit": page.limit, "offset": page.offset}


@router.get(
    "/bundles/active",
    response={200: BundleDetailOut, 304: None, **problems(401)},
    summary="Read the active rule bundle",
)
def bundle_active(request: HttpRequest) -> HttpResponse:
    """The bundle that decides now, with its rules by file (on a new installation the shipped one)."""
    # Reading publishes nothing: before the first verdict this is the shipped bundle, not yet stored.
    return _bundle_response(request, selectors.bundle_in_force())


@router.get(
    "/bundles/{bundle_id}",
    response={200: BundleDetailOut, 304: None, **problems(401, 404, 422)},
    summary="Read a rule bundle",
)
def bundle_read(request: HttpRequest, bundle_id: int) -> HttpResponse:
    """A published bundle (also an earlier one) with its rules by file, as the bundle page shows it.

    Texts are in the caller's language (``Accept-Language``: de or en). With an ``ETag``.
    """
    return _bundle_response(request, _bundle_by_id(bundle_id))


@router.get(
    "/bundles/{bundle_id}/archive",
    response={200: Any, **problems(401, 404, 422)},
    summary="Download a rule bundle",
    openapi_extra={
        "responses": {
            200: {
                "description": "The bundle's files as a ZIP archive with one top folder, which the publish page "
                "and `archive` of the candidate operations accept again.",
                "content": {"application/zip": {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    },
)
def bundle_archive(request: HttpRequest, bundle_id: int) -> HttpResponse:
    """A published bundle as a ZIP archive, to change it and send it again (the page's download)."""
    row = _bundle_by_id(bundle_id)
    folder = f"{row.bundle_id}-{row.version}"
    response = HttpResponse(zip_files(selectors.bundle_files(row), folder), content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{folder}.zip"'
    return response


# --- candidates -------------------------------------------------------------------------------------


@router.post(
    "/validate",
    response={200: CheckOut, **problems(400, 401, 403, 422)},
    summary="Check a candidate bundle",
)
def bundle_validate(request: HttpRequest, payload: CandidateIn) -> dict[str, Any]:
    """Validate a candidate, evaluate every condition and run its own tests (AI governance); nothing is stored.

    A refused candidate is still a 200: ``ok`` is false and ``problems`` names each place (file,
    line, column), as the publish page lists them. An unreadable ``archive`` is a 422.
    """
    _require_governance(caller(request))
    report = evaluators.check(_candidate_files(payload)).as_dict()
    return {**report, "bundle": report["bundle"] or None}


@router.post(
    "/what-if",
    response={200: WhatIfResultOut, **problems(400, 401, 403, 422)},
    summary="Compare a candidate with the portfolio",
)
def bundle_what_if(request: HttpRequest, payload: CandidateIn) -> dict[str, Any]:
    """Which use cases would get another risk class, decision path, review or obligation (AI governance).

    The candidate is checked first (a refused one is a 422 with ``problems``); nothing is stored.
    """
    _require_governance(caller(request))
    files = _candidate_files(payload)
    report = _checked(files)
    whatif: WhatIfReport = selectors.what_if(files)
    return {
        "bundle": report.bundle,
        "tests": report.tests,
        "whatif": _whatif(whatif.as_dict(limit=presentation.WHATIF_LISTED)),
    }


@router.post(
    "/publish",
    response={201: BundleDetailOut, **problems(400, 401, 403, 422)},
    summary="Publish a rule bundle",
)
def bundle_publish(request: HttpRequest, payload: CandidateIn) -> HttpResponse:
    """Make a candidate the active bundle (AI governance): checked, compared, then every verdict follows it.

    Refused with a 422 when it fails its check (``problems``), is the active bundle already, or
    reuses a published version. Audited as ``guardrails.bundle.published``; every verdict that
    changes is recorded on its use case (``guardrails.verdict.changed``).
    """
    user = caller(request)
    _require_governance(user)
    files = _candidate_files(payload)
    try:
        publication = services.bundle_publish(actor=user, files=files)
    except services.BundleRefused as exc:
        raise _refused(exc.report, exc.message) from exc
    except DomainError as exc:
        if exc.field:
            raise DomainError(exc.message, field=_where(payload), code=exc.code) from exc
        raise
    return _bundle_response(request, _bundle_by_id(publication.bundle.pk), status=201)
