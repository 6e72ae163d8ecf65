"""``/api/v1/tools`` and ``/api/v1/tool-requests``: the catalogue and the requests for new tools.

Reads go through ``catalog.selectors``: every signed-in person reads the whole catalogue; a tool
request is seen by the person who asked, by those who decide (AI governance company-wide and
administrators) and by auditors. Writes go through ``catalog.services``, which check who may
maintain the catalogue and record the audit events.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from leitplanke.catalog import services
from leitplanke.catalog.models import (
    DataClassification,
    HostingRegion,
    Tool,
    ToolKind,
    ToolRequest,
    ToolRequestStatus,
    ToolStatus,
)
from leitplanke.catalog.selectors import (
    tool_requests_visible_to,
    tools_matching,
    tools_visible_to,
)
from leitplanke.common.errors import DomainError, NotFound
from leitplanke.common.permissions import check

from ..concurrency import object_response, require_current
from ..schemas import PersonOut, ToolOut
from .common import DEFAULT_LIMIT, MAX_LIMIT, Text, body_fields, caller, honour_if_match, max_length, problems

router = Router()
tools = Router(tags=["tools"])
tool_requests = Router(tags=["tool requests"])

#: Long texts (usage guidelines, reasons, comments): generous, but bounded.
MAX_TEXT = 20_000


def _require_maintainer(user: Any) -> None:
    # Checked before If-Match, so that the wrong role hears 403 whatever it sends.
    check(user, "catalog.manage_tool")


# --- tools ------------------------------------------------------------------------------------------


class ToolItemOut(Schema):
    """A catalogue entry as the catalogue lists it."""

    id: int
    name: str
    vendor: str
    kind: ToolKind
    status: ToolStatus
    hosting_region: HostingRegion
    max_classification: DataClassification = Field(description="The most sensitive data the tool may receive.")
    personal_data_allowed: bool
    dpa_signed: bool = Field(description="A data-processing agreement (Art. 28 GDPR) is in place.")
    trains_on_inputs: bool
    is_demo: bool
    version: int = Field(description="Counts the changes people made; the ETag of the single tool contains it.")


class ToolDetailOut(ToolItemOut):
    """A catalogue entry with every field: also the usage guidelines and whom to ask."""

    usage_guidelines: str
    contact: str
    created: datetime
    updated: datetime


class ToolPage(Schema):
    """One page of the catalogue, by name."""

    items: list[ToolItemOut]
    count: int
    limit: int
    offset: int


class ToolFilters(Schema):
    """The catalogue page's filters."""

    q: Text = Field("", max_length=200, description="A word in the name or vendor.")
    status: ToolStatus | None = None
    kind: ToolKind | None = None
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)
    offset: int = Field(0, ge=0)


class ToolIn(Schema):
    """A new catalogue entry."""

    name: Text = Field(max_length=max_length(Tool, "name"))
    vendor: Text = Field("", max_length=max_length(Tool, "vendor"))
    kind: ToolKind = ToolKind.OTHER
    hosting_region: HostingRegion
    status: ToolStatus
    max_classification: DataClassification
    personal_data_allowed: bool = False
    dpa_signed: bool = False
    trains_on_inputs: bool = False
    usage_guidelines: Text = Field("", max_length=MAX_TEXT)
    contact: Text = Field("", max_length=max_length(Tool, "contact"))


class ToolPatchIn(Schema):
    """The fields of a catalogue entry to change."""

    name: Text = Field(None, max_length=max_length(Tool, "name"))  # type: ignore[assignment]
    vendor: Text = Field(None, max_length=max_length(Tool, "vendor"))  # type: ignore[assignment]
    kind: ToolKind = Field(None)  # type: ignore[assignment]
    hosting_region: HostingRegion = Field(None)  # type: ignore[assignment]
    status: ToolStatus = Field(None)  # type: ignore[assignment]
    max_classification: DataClassification = Field(None)  # type: ignore[assignment]
    personal_data_allowed: bool = Field(None)  # type: ignore[assignment]
    dpa_signed: bool = Field(None)  # type: ignore[assignment]
    trains_on_inputs: bool = Field(None)  # type: ignore[assignment]
    usage_guidelines: Text = Field(None, max_length=MAX_TEXT)  # type: ignore[assignment]
    contact: Text = Field(None, max_length=max_length(Tool, "contact"))  # type: ignore[assignment]


def _tool_item(tool: Tool) -> dict[str, Any]:
    return {
        "id": tool.pk,
        "name": tool.name,
        "vendor": tool.vendor,
        "kind": tool.kind,
        "status": tool.status,
        "hosting_region": tool.hosting_region,
        "max_classification": tool.max_classification,
        "personal_data_allowed": tool.personal_data_allowed,
        "dpa_signed": tool.dpa_signed,
        "trains_on_inputs": tool.trains_on_inputs,
        "is_demo": tool.is_demo,
        "version": tool.version,
    }


def _tool_detail(tool: Tool) -> ToolDetailOut:
    extra = {
        "usage_guidelines": tool.usage_guidelines,
        "contact": tool.contact,
        "created": tool.created_at,
        "updated": tool.updated_at,
    }
    return ToolDetailOut.model_validate({**_tool_item(tool), **extra})


def _tool_response(request: HttpRequest, tool: Tool, *, status: int = 200) -> HttpResponse:
    return object_response(request, pk=tool.pk, version=tool.version, payload=_tool_detail(tool), status=status)


def _tool_by_id(user: Any, tool_id: int) -> Tool:
    tool = tools_visible_to(user).filter(pk=tool_id).first()
    if tool is None:
        raise NotFound(_("There is no tool with this id."))
    return tool


@tools.get("", response={200: ToolPage, **problems(401, 422)}, summary="List tools")
def tool_list(request: HttpRequest, filters: Query[ToolFilters]) -> dict[str, Any]:
    """The catalogue by name, filtered like the catalogue page (status, kind, a word in name or vendor)."""
    found = tools_matching(caller(request), q=filters.q, status=filters.status or "", kind=filters.kind or "").order_by(
        "name", "pk"
    )
    page = found[filters.offset : filters.offset + filters.limit]
    return {
        "items": [_tool_item(tool) for tool in page],
        "count": found.count(),
        "limit": filters.limit,
        "offset": filters.offset,
    }


@tools.get(
    "/{tool_id}",
    response={200: ToolDetailOut, 304: None, **problems(401, 404, 422)},
    summary="Read a tool",
)
def tool_read(request: HttpRequest, tool_id: int) -> HttpResponse:
    """One catalogue entry with every field, with an ``ETag`` (304 on ``If-None-Match``)."""
    return _tool_response(request, _tool_by_id(caller(request), tool_id))


@tools.post(
    "",
    response={201: ToolDetailOut, **problems(400, 401, 403, 422)},
    summary="Add a tool to the catalogue",
)
def tool_create(request: HttpRequest, payload: ToolIn) -> HttpResponse:
    """A new catalogue entry (AI governance and administrators). Names are unique regardless of case.

    Audited as ``catalog.tool.created``.
    """
    user = caller(request)
    _require_maintainer(user)
    with body_fields():
        tool = services.tool_create(actor=user, **payload.model_dump())
    return _tool_response(request, tool, status=201)


@tools.patch(
    "/{tool_id}",
    response={200: ToolDetailOut, **problems(400, 401, 403, 404, 409, 412, 422, 428)},
    summary="Change a tool",
)
def tool_update(request: HttpRequest, tool_id: int, payload: ToolPatchIn) -> HttpResponse:
    """Change a catalogue entry (AI governance and administrators); needs ``If-Match``.

    A change to what the tool may receive evaluates every use case that uses it again. Audited as
    ``catalog.tool.updated``.
    """
    user = caller(request)
    tool = _tool_by_id(user, tool_id)
    _require_maintainer(user)
    require_current(request, pk=tool.pk, version=tool.version, payload=_tool_detail(tool))
    changes = payload.model_dump(exclude_unset=True)  # the schema refuses null
    with body_fields():
        saved = services.tool_update(actor=user, tool=tool, expected_version=tool.version, **changes)
    return _tool_response(request, saved)


# --- tool requests ----------------------------------------------------------------------------------


class ToolRequestOut(Schema):
    """A request for a tool that is not in the catalogue, and its decision."""

    id: int
    name: str
    vendor: str
    url: str
    reason: str
    status: ToolRequestStatus
    requested_by: PersonOut
    created: datetime
    decided_by: PersonOut | None
    decided_at: datetime | None
    decision_comment: str
    tool: ToolOut | None = Field(description="The catalogue entry an accepted request was linked to.")


class ToolRequestPage(Schema):
    """One page of tool requests, newest first."""

    items: list[ToolRequestOut]
    count: int
    limit: int
    offset: int


class ToolRequestFilters(Schema):
    """The request list's tabs: the caller's own, the open ones, the decided ones."""

    status: ToolRequestStatus | None = None
    mine: bool = Field(False, description="Only the caller's own requests.")
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)
    offset: int = Field(0, ge=0)


class ToolRequestIn(Schema):
    """Ask for a tool that is not in the catalogue, and say why."""

    name: Text = Field(max_length=max_length(ToolRequest, "name"))
    vendor: Text = Field("", max_length=max_length(ToolRequest, "vendor"))
    url: Text = Field("", max_length=max_length(ToolRequest, "url"), description="The vendor's page about the tool.")
    reason: Text = Field(max_length=MAX_TEXT, description="What you want to do with it and why.")


class DecisionIn(Schema):
    """Accept or reject an open request; an accepted one may link or create a catalogue entry."""

    decision: Literal["accept", "reject"]
    comment: Text = Field("", max_length=MAX_TEXT, description="For the requester; required when rejecting.")
    tool: int | None = Field(None, description="Id of an existing catalogue entry to link (accept only).")
    new_tool: ToolIn | None = Field(None, description="A catalogue entry to create and link (accept only).")


def _request_version(tool_request: ToolRequest) -> int:
    # A request changes once, when it is decided.
    return 1 if tool_request.status == ToolRequestStatus.OPEN else 2


def _request_out(tool_request: ToolRequest) -> ToolRequestOut:
    linked = tool_request.tool
    decided_by = tool_request.decided_by
    return ToolRequestOut.model_validate(
        {
            "id": tool_request.pk,
            "name": tool_request.name,
            "vendor": tool_request.vendor,
            "url": tool_request.url,
            "reason": tool_request.reason,
            "status": tool_request.status,
            "requested_by": {"username": tool_request.requested_by.username, "name": tool_request.requested_by.name},
            "created": tool_request.created_at,
            "decided_by": {"username": decided_by.username, "name": decided_by.name} if decided_by else None,
            "decided_at": tool_request.decided_at,
            "decision_comment": tool_request.decision_comment,
            "tool": {"id": linked.pk, "name": linked.name, "status": linked.status} if linked else None,
        }
    )


def _request_response(request: HttpRequest, tool_request: ToolRequest, *, status: int = 200) -> HttpResponse:
    payload = _request_out(tool_request)
    return object_response(
        request, pk=tool_request.pk, version=_request_version(tool_request), payload=payload, status=status
    )


def _request_by_id(user: Any, request_id: int) -> ToolRequest:
    tool_request = tool_requests_visible_to(user).filter(pk=request_id).first()
    if tool_request is None:
        raise NotFound(_("There is no tool request with this id."))
    return tool_request


@tool_requests.get("", response={200: ToolRequestPage, **problems(401, 422)}, summary="List tool requests")
def tool_request_list(request: HttpRequest, filters: Query[ToolRequestFilters]) -> dict[str, Any]:
    """The caller's own requests; every request for AI governance, administrators and auditors. Newest first."""
    user = caller(request)
    found = tool_requests_visible_to(user)
    if filters.mine:
        found = found.filter(requested_by=user)
    if filters.status is not None:
        found = found.filter(status=filters.status)
    found = found.order_by("-created_at", "-pk")
    page = found[filters.offset : filters.offset + filters.limit]
    return {
        "items": [_request_out(tool_request) for tool_request in page],
        "count": found.count(),
        "limit": filters.limit,
        "offset": filters.offset,
    }


@tool_requests.get(
    "/{request_id}",
    response={200: ToolRequestOut, 304: None, **problems(401, 404, 422)},
    summary="Read a tool request",
)
def tool_request_read(request: HttpRequest, request_id: int) -> HttpResponse:
    """One request with its decision, with an ``ETag``; someone else's request answers 404 to an employee."""
    return _request_response(request, _request_by_id(caller(request), request_id))


@tool_requests.post(
    "",
    response={201: ToolRequestOut, **problems(400, 401, 403, 422)},
    summary="Request a tool",
)
def tool_request_create(request: HttpRequest, payload: ToolRequestIn) -> HttpResponse:
    """Ask AI governance for a tool that is not in the catalogue (any employee).

    A tool already in the catalogue, or one the caller has an open request for, is refused on
    ``name``. Audited as ``catalog.request.created``.
    """
    with body_fields():
        tool_request = services.tool_request_create(actor=caller(request), **payload.model_dump())
    return _request_response(request, _request_by_id(caller(request), tool_request.pk), status=201)


@tool_requests.post(
    "/{request_id}/decision",
    response={200: ToolRequestOut, **problems(400, 401, 403, 404, 412, 422)},
    summary="Decide a tool request",
)
def tool_request_decide(request: HttpRequest, request_id: int, payload: DecisionIn) -> HttpResponse:
    """Accept or reject an open request (AI governance and administrators); the requester is told by e-mail.

    Rejecting needs a ``comment``. Accepting may link an existing entry (``tool``) or create one
    (``new_tool``). Honours ``If-Match`` when sent. Audited as ``catalog.request.decided``.
    """
    user = caller(request)
    tool_request = _request_by_id(user, request_id)
    _require_maintainer(user)
    honour_if_match(
        request, pk=tool_request.pk, version=_request_version(tool_request), payload=_request_out(tool_request)
    )
    linked = None
    if payload.tool is not None:
        linked = tools_visible_to(user).filter(pk=payload.tool).first()
        if linked is None:
            raise DomainError(_("There is no tool with this id."), field="body.tool", code="unknown_tool")
    nested = {field: f"body.new_tool.{field}" for field in services.TOOL_FIELDS} if payload.new_tool else None
    with body_fields(nested):
        services.tool_request_decide(
            actor=user,
            tool_request=tool_request,
            accept=payload.decision == "accept",
            comment=payload.comment,
            tool=linked,
            new_tool=payload.new_tool.model_dump() if payload.new_tool else None,
        )
    return _request_response(request, _request_by_id(user, tool_request.pk))


router.add_router("/tools", tools)
router.add_router("/tool-requests", tool_requests)
