"""``/api/v1/usecases``: the library and single use cases, read through the same selectors as the pages."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from leitplanke.catalog.selectors import tools_visible_to
from leitplanke.common.errors import DomainError
from leitplanke.guardrails.models import DecisionPath, RiskClass
from leitplanke.org.selectors import units_visible_to
from leitplanke.usecases import selectors
from leitplanke.usecases.models import Stage, Status, UseCase

from ..concurrency import object_response
from ..schemas import PersonOut, ProblemOut, ToolOut, UnitOut

router = Router(tags=["use cases"])

DEFAULT_LIMIT = 50
MAX_LIMIT = 100
#: A list reaches at most this many rows (and counts at most this many); filters narrow it down.
MAX_REACHABLE = 10_000


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


class UseCaseDetailOut(UseCaseOut):
    """A single use case: the list fields, what it does and whether it is confidential."""

    summary: str
    problem: str
    confidential: bool


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


def _detail(usecase: UseCase) -> UseCaseDetailOut:
    detail = {"summary": usecase.summary, "problem": usecase.problem, "confidential": usecase.confidential}
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


@router.get("", response={200: UseCasePage, 401: ProblemOut, 422: ProblemOut}, summary="List use cases")
def usecase_list(request: HttpRequest, filters: Query[UseCaseFilters]) -> dict[str, Any]:
    """The use cases the caller may read, filtered like the library, in a stable order."""
    user = request.auth  # type: ignore[attr-defined]
    usecases = selectors.library_for(user, **_library_filters(user, filters), reachable=MAX_REACHABLE + 1)
    # COUNT over a LIMITed subquery: the database stops after MAX_REACHABLE + 1 matches.
    reachable = usecases.order_by()[: MAX_REACHABLE + 1].count()
    page = usecases[filters.offset : filters.offset + filters.limit]
    return {
        "items": [_summary(usecase) for usecase in page],
        "count": min(reachable, MAX_REACHABLE),
        "count_capped": reachable > MAX_REACHABLE,
        "limit": filters.limit,
        "offset": filters.offset,
    }


@router.get(
    "/{int:usecase_id}",
    response={200: UseCaseDetailOut, 304: None, 401: ProblemOut, 404: ProblemOut},
    summary="Read a use case",
)
def usecase_read(request: HttpRequest, usecase_id: int) -> HttpResponse:
    """One use case, with an ``ETag``; ``If-None-Match`` with the current tag answers 304 Not Modified."""
    usecase = selectors.usecase_for_viewer(request.auth, usecase_id)  # type: ignore[attr-defined]
    return object_response(request, pk=usecase.pk, version=usecase.version, payload=_detail(usecase))
