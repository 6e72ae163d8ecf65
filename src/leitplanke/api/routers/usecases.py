"""``/api/v1/usecases``: the registry, read through the same selectors and changed through the same
services as its pages.

The library and single use cases; registering, changing and submitting one; and the decisions its
page offers (the team lead's approval, moving the stage). Its risk answers, verdict and history are
in ``usecase_details``. Who may do what is decided where the pages decide it: ``usecases.selectors``
(who sees and who changes a use case, who registers in a unit) and ``decisions.selectors`` (who
approves); the services check again and record the audit events.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from pydantic import ConfigDict, create_model

from leitplanke.catalog.selectors import tools_visible_to
from leitplanke.common.errors import DomainError, PermissionDenied
from leitplanke.common.permissions import check
from leitplanke.decisions import lifecycle
from leitplanke.decisions import services as decisions
from leitplanke.decisions.models import ApprovalScope
from leitplanke.guardrails.models import DecisionPath, RiskClass
from leitplanke.org.selectors import people_visible_to, units_visible_to
from leitplanke.usecases import selectors, services
from leitplanke.usecases.facts import FACTS, Fact
from leitplanke.usecases.models import SUBMITTABLE, Stage, Status, UseCase

from ..concurrency import object_response, require_current
from ..errors import Problem
from ..schemas import PersonOut, ToolOut, UnitOut
from .common import (
    DEFAULT_LIMIT,
    MAX_LIMIT,
    MAX_REACHABLE,
    Text,
    body_fields,
    caller,
    capped_page,
    honour_if_match,
    max_length,
    problems,
)

router = Router(tags=["use cases"])


class UseCaseOut(Schema):
    """A use case as the library and the inventory export list it."""

    id: int
    title: str
    unit: UnitOut
    owner: PersonOut
    stage: Stage
    status: Status
    tools: list[ToolOut]
    risk_class: RiskClass | None = Field(description="From the guardrail verdict; null before the first evaluation.")
    decision: DecisionPath | None = Field(description="The decision path of the verdict; null before evaluation.")
    created: datetime
    updated: datetime
    version: int = Field(description="Counts the changes people made; the ETag of the single use case contains it.")


def _fact_codes(fact: Fact) -> Any:
    """The answer codes of ``fact`` as a type: a ``Literal`` of them (a list of it for multi-select)."""
    codes = Literal[tuple(code for code, _label in fact.all_choices)]  # type: ignore[valid-type]
    return list[codes] if fact.multiple else codes  # type: ignore[valid-type]


def _fact_field(fact: Fact, *, required: bool) -> tuple[Any, Any]:
    help_text = (
        "Several answer codes (an empty list: none of these)."
        if fact.multiple
        else "One answer code; `unsure` for “I am not sure”; null: not answered yet."
    )
    if fact.multiple:
        kind = _fact_codes(fact) | None
        limit = len(fact.codes)
        return kind, Field(... if required else None, max_length=limit, description=help_text)
    return _fact_codes(fact) | None, Field(... if required else None, description=help_text)


class _Answers(Schema):
    """Answers by fact name: a name that is no question is refused (422 on ``body.facts.<name>``),
    never dropped, or the rules would judge the use case without the answer the caller gave."""

    model_config = ConfigDict(extra="forbid")


#: Every risk question with its answer codes (``usecases/facts.py``): what ``PUT …/facts`` takes and
#: the ``facts`` of a use case. A question not answered yet is null (an empty list for multi-select).
Facts = create_model(  # type: ignore[call-overload]
    "Facts",
    __base__=_Answers,
    __doc__="The answers to the risk questions by fact name, as answer codes.",
    **{fact.name: _fact_field(fact, required=True) for fact in FACTS},
)
#: The same questions, each optional: the answers to set when registering or changing a use case.
FactsPatch = create_model(  # type: ignore[call-overload]
    "FactsPatch",
    __base__=_Answers,
    __doc__="Answers to change, by fact name; questions left out keep their answer, null clears one.",
    **{fact.name: _fact_field(fact, required=False) for fact in FACTS},
)


class UseCaseDetailOut(UseCaseOut):
    """A single use case: the list fields and everything its profile shows and its edit form changes."""

    summary: str
    problem: str
    contributors: list[PersonOut]
    expected_hours_per_month: float | None
    expected_euros_per_year: float | None
    expected_benefit: str
    confidential: bool
    facts: Facts  # type: ignore[valid-type]
    submission: int = Field(description="How often it was submitted for a decision (0: never).")


class UseCasePage(Schema):
    """One page of use cases in a stable order."""

    items: list[UseCaseOut]
    count: int = Field(description=f"Matching use cases, counted up to {MAX_REACHABLE}.")
    count_capped: bool = Field(description=f"True when more than {MAX_REACHABLE} match: filter to see the rest.")
    limit: int
    offset: int


class UseCaseFilters(Schema):
    """The library's filters and sorting (``unit`` includes its sub-units)."""

    q: str = Field("", max_length=200, description="Full-text search (German and English stemming).")
    unit: str | None = Field(None, max_length=50, description="Code of the owning unit; includes its sub-units.")
    stage: Stage | None = None
    status: Status | None = None
    tool: int | None = Field(None, description="Id of a catalogue tool.")
    risk_class: RiskClass | None = None
    decision: DecisionPath | None = None
    mine: bool = Field(False, description="Only use cases the caller owns or contributes to.")
    sort: Literal["relevance", "-updated", "title", "stage"] = Field(
        "relevance",
        description="relevance (with q: title matches first; without: last changed), -updated, title, stage.",
    )
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)
    offset: int = Field(0, ge=0, le=MAX_REACHABLE - MAX_LIMIT)


def _summary(usecase: UseCase) -> dict[str, Any]:
    verdict = getattr(usecase, "verdict", None)  # None before the first evaluation
    return {
        "id": usecase.pk,
        "title": usecase.title,
        "unit": {"code": usecase.unit.code, "name": usecase.unit.name},
        "owner": {"username": usecase.owner.username, "name": str(usecase.owner)},
        "stage": usecase.stage,
        "status": usecase.status,
        "tools": [{"id": tool.pk, "name": tool.name, "status": tool.status} for tool in usecase.tools.all()],
        "risk_class": verdict.risk_class if verdict is not None else None,
        "decision": verdict.decision if verdict is not None else None,
        "created": usecase.created_at,
        "updated": usecase.updated_at,
        "version": usecase.version,
    }


def _amount(value: Decimal | None) -> float | None:
    return float(value) if value is not None else None


def _fact_values(usecase: UseCase) -> dict[str, Any]:
    """The stored answers as ``Facts`` has them: null for a single-choice question not answered yet."""
    values = {}
    for fact in FACTS:
        value = getattr(usecase, fact.name)
        values[fact.name] = list(value or []) if fact.multiple else (value or None)
    return values


def _detail(usecase: UseCase) -> UseCaseDetailOut:
    contributors = usecase.contributors.order_by("display_name", "username")
    detail = {
        "summary": usecase.summary,
        "problem": usecase.problem,
        "contributors": [{"username": person.username, "name": str(person)} for person in contributors],
        "expected_hours_per_month": _amount(usecase.expected_hours_per_month),
        "expected_euros_per_year": _amount(usecase.expected_euros_per_year),
        "expected_benefit": usecase.expected_benefit,
        "confidential": usecase.confidential,
        "facts": _fact_values(usecase),
        "submission": usecase.submission,
    }
    return UseCaseDetailOut.model_validate({**_summary(usecase), **detail})


def _library_filters(user: Any, filters: UseCaseFilters) -> dict[str, Any]:
    """The arguments of ``selectors.library_for``; an unknown unit or tool is a field error, not an empty list."""
    chosen: dict[str, Any] = {
        "q": filters.q,
        "stage": filters.stage or "",
        "status": filters.status or "",
        "risk_class": filters.risk_class or "",
        "decision": filters.decision or "",
        "mine": filters.mine,
        "sort": filters.sort,
    }
    if filters.unit is not None:
        chosen["unit"] = units_visible_to(user).filter(code=filters.unit).first()
        if chosen["unit"] is None:
            raise DomainError(_("There is no unit with this code."), field="query.unit", code="unknown_unit")
    if filters.tool is not None:
        chosen["tool"] = tools_visible_to(user).filter(pk=filters.tool).first()
        if chosen["tool"] is None:
            raise DomainError(_("There is no tool with this id."), field="query.tool", code="unknown_tool")
    return chosen


@router.get("", response={200: UseCasePage, **problems(401, 422)}, summary="List use cases")
def usecase_list(request: HttpRequest, filters: Query[UseCaseFilters]) -> dict[str, Any]:
    """The use cases the caller may read, filtered like the library, in a stable order."""
    user = request.auth  # type: ignore[attr-defined]
    usecases = selectors.library_for(user, **_library_filters(user, filters), reachable=MAX_REACHABLE + 1)
    return capped_page(usecases, limit=filters.limit, offset=filters.offset, item=_summary)


@router.get(
    "/{int:usecase_id}",
    response={200: UseCaseDetailOut, 304: None, **problems(401, 404)},
    summary="Read a use case",
)
def usecase_read(request: HttpRequest, usecase_id: int) -> HttpResponse:
    """One use case, with an ``ETag``; ``If-None-Match`` with the current tag answers 304 Not Modified."""
    usecase = selectors.usecase_for_viewer(request.auth, usecase_id)  # type: ignore[attr-defined]
    return object_response(request, pk=usecase.pk, version=usecase.version, payload=_detail(usecase))


# --- writes: register, change, answer, submit -------------------------------------------------------

#: Long texts (summary, problem and goal, benefit): generous, but bounded.
MAX_TEXT = 20_000
#: At most this many tools or contributors in one request.
MAX_RELATED = 100
#: Where a service's error on a fact is in the body.
_FACT_PLACES = {fact.name: f"body.facts.{fact.name}" for fact in FACTS}
_Username = Text  # user names are looked up exactly; the directory's limit is the model's
#: The largest id the databases hold (64-bit keys): a larger one is invalid input, not a server error.
MAX_ID = 2**63 - 1
#: The id of an object, as a body or a filter names it.
Id = Annotated[int, Field(ge=1, le=MAX_ID)]


class UseCaseIn(Schema):
    """A new use case, as the intake asks for it; ``submit`` sends it on to a decision at once."""

    title: Text = Field(max_length=max_length(UseCase, "title"))
    summary: Text = Field("", max_length=MAX_TEXT, description="What the AI does, and for whom.")
    problem: Text = Field("", max_length=MAX_TEXT, description="What is hard today, and what should get better.")
    unit: Text = Field(max_length=50, description="Code of the owning unit: one the caller works in.")
    stage: Stage = Stage.IDEA
    tools: list[Id] = Field(default_factory=list, max_length=MAX_RELATED, description="Ids of catalogue tools.")
    contributors: list[_Username] = Field(
        default_factory=list, max_length=MAX_RELATED, description="User names of colleagues who may edit it too."
    )
    expected_hours_per_month: Decimal | None = Field(None, ge=0, max_digits=10, decimal_places=1)
    expected_euros_per_year: Decimal | None = Field(None, ge=0, max_digits=14, decimal_places=2)
    expected_benefit: Text = Field("", max_length=MAX_TEXT, description="Benefit that is not hours or euros.")
    confidential: bool = Field(False, description="Only the owning unit, AI governance, reviewers and auditors see it.")
    facts: FactsPatch = Field(default_factory=FactsPatch)  # type: ignore[valid-type]
    submit: bool = Field(
        False,
        description="Submit it for a decision right away (every question must be answered); else it is a draft.",
    )


class UseCasePatchIn(Schema):
    """The fields of a use case to change; fields left out keep their value."""

    title: Text = Field(None, max_length=max_length(UseCase, "title"))  # type: ignore[assignment]
    summary: Text = Field(None, max_length=MAX_TEXT)  # type: ignore[assignment]
    problem: Text = Field(None, max_length=MAX_TEXT)  # type: ignore[assignment]
    unit: Text = Field(None, max_length=50, description="Code of a unit the caller works in.")  # type: ignore[assignment]
    stage: Stage = Field(None)  # type: ignore[assignment]
    tools: list[Id] = Field(None, max_length=MAX_RELATED)  # type: ignore[arg-type]
    contributors: list[_Username] = Field(None, max_length=MAX_RELATED)  # type: ignore[arg-type]
    expected_hours_per_month: Decimal | None = Field(None, ge=0, max_digits=10, decimal_places=1)
    expected_euros_per_year: Decimal | None = Field(None, ge=0, max_digits=14, decimal_places=2)
    expected_benefit: Text = Field(None, max_length=MAX_TEXT)  # type: ignore[assignment]
    confidential: bool = Field(None)  # type: ignore[assignment]
    facts: FactsPatch = Field(None)  # type: ignore[valid-type]


#: Fields that may be null in a change (null empties them); every other field needs a value.
_NULLABLE = frozenset({"expected_hours_per_month", "expected_euros_per_year"})


class Incomplete(Problem):
    """Questions are still open: one field error per question."""

    status = 422
    code = "validation"


def _require_complete(usecase: UseCase, *, place: str) -> None:
    """Submitting needs every question answered: name all open ones, not only the first."""
    missing = services.missing_for_submit(usecase)
    if missing:
        message = _("Please answer this question before submitting.")
        errors = [{"field": f"{place}.{name}", "message": message, "code": "incomplete"} for name in missing]
        raise Incomplete(_("Some questions are still unanswered."), errors=errors)


def editable(user: Any, usecase_id: int) -> UseCase:
    """A use case the caller may change: 404 if they may not see it, 403 if they may only read it.

    Narrower than ``usecases.change_usecase``, which administrators hold for their imports: the API,
    like the pages, lets only those who work on the use case change it."""
    usecase = selectors.usecase_for_viewer(user, usecase_id)
    if not selectors.can_edit(user, usecase):
        raise PermissionDenied(_("Only the owning unit, the owner and the contributors may change this use case."))
    return usecase


def _unit_to_work_in(user: Any, code: str, current: UseCase | None = None) -> Any:
    """The owning unit a body names: one the caller works in (or the use case's own, which stays)."""
    unit = units_visible_to(user).filter(code=code).first()
    if unit is None:
        raise DomainError(_("There is no unit with this code."), field="body.unit", code="unknown_unit")
    if current is not None and unit.pk == current.unit_id:
        return unit
    if not selectors.units_user_works_in(user).filter(pk=unit.pk).exists():
        raise PermissionDenied(_("You can register and move use cases only in units you work in."))
    return unit


def _tools(user: Any, ids: list[int]) -> list[Any]:
    found = {tool.pk: tool for tool in tools_visible_to(user).filter(pk__in=ids)}
    unknown = [str(pk) for pk in ids if pk not in found]
    if unknown:
        raise DomainError(
            _("There is no tool with this id: %(ids)s") % {"ids": ", ".join(unknown)},
            field="body.tools",
            code="unknown_tool",
        )
    return list(found.values())


def _contributors(user: Any, usernames: list[str]) -> list[Any]:
    found = {p.username: p for p in people_visible_to(user).filter(is_active=True, username__in=usernames)}
    unknown = [name for name in usernames if name not in found]
    if unknown:
        raise DomainError(
            _("Nobody with this user name was found: %(names)s") % {"names": ", ".join(unknown)},
            field="body.contributors",
            code="unknown_person",
        )
    return list(found.values())


def _service_arguments(user: Any, data: dict[str, Any], current: UseCase | None = None) -> dict[str, Any]:
    """The body as keyword arguments of the services: units, tools and people looked up, facts flat."""
    arguments: dict[str, Any] = {}
    for field, value in data.items():
        if value is None and field not in _NULLABLE and field != "facts":
            raise DomainError(_("This field cannot be empty."), field=f"body.{field}", code="required")
        if field == "facts":
            arguments.update(value or {})
        elif field == "unit":
            arguments["unit"] = _unit_to_work_in(user, value, current)
        elif field == "tools":
            arguments["tools"] = _tools(user, value)
        elif field == "contributors":
            arguments["contributors"] = _contributors(user, value)
        else:
            arguments[field] = value
    return arguments


def _usecase_response(request: HttpRequest, usecase_id: int, *, status: int = 200) -> HttpResponse:
    """The use case as the caller sees it now, read again after a change (with its new ``ETag``)."""
    usecase = selectors.usecase_for_viewer(caller(request), usecase_id)
    return object_response(request, pk=usecase.pk, version=usecase.version, payload=_detail(usecase), status=status)


@router.post(
    "",
    response={201: UseCaseDetailOut, **problems(400, 401, 403, 422)},
    summary="Register a use case",
)
def usecase_create(request: HttpRequest, payload: UseCaseIn) -> HttpResponse:
    """Register a use case in a unit the caller works in (member, lead or deputy), owned by the caller.

    It is a draft, whose questions may stay open, unless ``submit`` is true: then every question
    must be answered (each open one is an error on ``body.facts.<name>``) and it goes on the way
    its verdict names, as after the intake's last step. Answers ``201`` with ``Location`` and
    ``ETag``. Audited as ``usecase.created``.
    """
    user = caller(request)
    data = payload.model_dump(exclude={"submit"})
    data["facts"] = payload.facts.model_dump(exclude_unset=True)  # type: ignore[attr-defined]
    arguments = _service_arguments(user, data)
    if payload.submit:
        facts = {name: value for name, value in arguments.items() if name in _FACT_PLACES}
        _require_complete(UseCase(**facts), place="body.facts")
    with body_fields(_FACT_PLACES):
        usecase = services.usecase_create(actor=user, owner=user, submit=payload.submit, **arguments)
    response = _usecase_response(request, usecase.pk, status=201)
    response["Location"] = f"{request.path.rstrip('/')}/{usecase.pk}"
    return response


@router.patch(
    "/{int:usecase_id}",
    response={200: UseCaseDetailOut, **problems(400, 401, 403, 404, 409, 412, 422, 428)},
    summary="Change a use case",
)
def usecase_update(request: HttpRequest, usecase_id: int, payload: UseCasePatchIn) -> HttpResponse:
    """Change fields of a use case (the owning unit, the owner and the contributors may); needs ``If-Match``.

    ``facts`` changes only the answers it names. A change to the answers, tools, unit or stage
    evaluates the use case again; on its way to a decision it follows the new verdict. An approved
    use case moves into pilot or production only with ``POST …/stage``. A change someone else
    saved in between is ``409`` and nothing is saved. Audited as ``usecase.updated``.
    """
    user = caller(request)
    usecase = editable(user, usecase_id)
    require_current(request, pk=usecase.pk, version=usecase.version, payload=_detail(usecase))
    data = payload.model_dump(exclude_unset=True)
    if "facts" in data and payload.facts is not None:
        data["facts"] = payload.facts.model_dump(exclude_unset=True)
    arguments = _service_arguments(user, data, usecase)
    with body_fields(_FACT_PLACES):
        services.usecase_update(
            actor=user,
            usecase=usecase,
            expected_version=usecase.version,
            tools=arguments.pop("tools", None),
            contributors=arguments.pop("contributors", None),
            **arguments,
        )
    return _usecase_response(request, usecase.pk)


@router.post(
    "/{int:usecase_id}/submit",
    response={200: UseCaseDetailOut, **problems(401, 403, 404, 409, 412, 422)},
    summary="Submit a use case for a decision",
)
def usecase_submit(request: HttpRequest, usecase_id: int) -> HttpResponse:
    """Submit a draft (or submit again after changes were requested, or the rules blocked it).

    Every question must be answered ("unsure" counts): each open one is an error on
    ``facts.<name>``. The verdict then sets the way (``status``): blocked, the team lead's approval
    (``awaiting_approval``) or reviews first (``in_review``). A use case already on its way is
    ``422`` (reason ``state``). Honours ``If-Match`` when sent. Audited as ``usecase.submitted``.
    """
    user = caller(request)
    usecase = editable(user, usecase_id)
    honour_if_match(request, pk=usecase.pk, version=usecase.version, payload=_detail(usecase))
    if usecase.status in SUBMITTABLE:
        _require_complete(usecase, place="facts")
    with body_fields():
        decisions.usecase_submit(actor=user, usecase=usecase, expected_version=usecase.version)
    return _usecase_response(request, usecase.pk)


# --- decisions on the use case's page ---------------------------------------------------------------


class ApprovalIn(Schema):
    """The team lead's approval: what it allows."""

    scope: ApprovalScope = Field(description="pilot, or production (then no second approval is needed for it).")


class StageIn(Schema):
    """Where an approved use case goes next (retired: at any time)."""

    stage: Literal["pilot", "production", "retired"]


#: The answers of an action on the use case's page (with a JSON body: also 400 for one that is not JSON).
_ACTION_RESPONSES: dict[int, Any] = {200: UseCaseDetailOut, **problems(400, 401, 403, 404, 409, 412, 422)}


@router.post("/{int:usecase_id}/approve", response=_ACTION_RESPONSES, summary="Approve a use case (team lead)")
def usecase_approve(request: HttpRequest, usecase_id: int, payload: ApprovalIn) -> HttpResponse:
    """The team lead's approval of a use case awaiting it: the lead or deputy responsible under the
    guardrails (qualified as the rule bundle requires) confirms responsibility under its verdict.

    Everybody else is ``403``. If the verdict changed since the use case was routed, it is
    rerouted instead and comes back unapproved: check ``status``. The verdict's obligations are
    opened for the owner. Honours ``If-Match`` when sent. Audited as ``decisions.usecase.approved``.
    """
    user = caller(request)
    usecase = selectors.usecase_for_viewer(user, usecase_id)
    check(user, "decisions.approve_usecase", usecase)
    honour_if_match(request, pk=usecase.pk, version=usecase.version, payload=_detail(usecase))
    with body_fields():
        decisions.usecase_approve(actor=user, usecase=usecase, scope=payload.scope, expected_version=usecase.version)
    return _usecase_response(request, usecase.pk)


@router.post("/{int:usecase_id}/stage", response=_ACTION_RESPONSES, summary="Move an approved use case on")
def usecase_stage(request: HttpRequest, usecase_id: int, payload: StageIn) -> HttpResponse:
    """Start the pilot or go into production (an approved use case whose approval covers it, with its
    blocking obligations done and the current rules asking for nothing more), or retire it.

    For the owning unit, the owner and the contributors. Honours ``If-Match`` when sent. Audited
    as ``decisions.usecase.stage_moved``.
    """
    user = caller(request)
    usecase = editable(user, usecase_id)
    honour_if_match(request, pk=usecase.pk, version=usecase.version, payload=_detail(usecase))
    with body_fields():
        lifecycle.usecase_stage_move(actor=user, usecase=usecase, stage=payload.stage, expected_version=usecase.version)
    return _usecase_response(request, usecase.pk)


@router.post(
    "/{int:usecase_id}/submit-production",
    response={200: UseCaseDetailOut, **problems(401, 403, 404, 409, 412, 422)},
    summary="Submit a use case for production",
)
def usecase_submit_production(request: HttpRequest, usecase_id: int) -> HttpResponse:
    """Ask for production when the approval covers the pilot only: a new submission in the stage
    production, which goes the way its verdict names (reviews, then the team lead).

    For the owning unit, the owner and the contributors. Honours ``If-Match`` when sent. Audited
    as ``usecase.submitted``.
    """
    user = caller(request)
    usecase = editable(user, usecase_id)
    honour_if_match(request, pk=usecase.pk, version=usecase.version, payload=_detail(usecase))
    with body_fields():
        lifecycle.usecase_submit_for_production(actor=user, usecase=usecase, expected_version=usecase.version)
    return _usecase_response(request, usecase.pk)
