"""``/api/v1/audit``: the hash-chained audit trail and its check, for auditors and administrators.

Who may read it is ``org.selectors.can_read_audit_trail``, as for the audit log page; everybody
else hears 404, as on that page: the log does not exist for them. Events about a confidential use
case the caller may not see come sealed, as on that page (``audit.selectors.events_visible_to``).
Events hold snapshots of what changed, never secrets: an access token's event names its prefix,
never the token or its hash.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any, Literal

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from pydantic import BeforeValidator

from leitplanke.audit import services
from leitplanke.audit.labels import action_label
from leitplanke.audit.models import Event
from leitplanke.audit.selectors import events_matching, events_visible_to
from leitplanke.common.errors import DomainError, NotFound
from leitplanke.org.selectors import can_read_audit_trail, people_visible_to

from ..concurrency import object_response
from ..schemas import PersonOut
from .common import DEFAULT_LIMIT, MAX_LIMIT, MAX_REACHABLE, Text, caller, capped_page, problems

router = Router(tags=["audit"])

_RFC3339 = re.compile(r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})")


def _rfc3339(value: Any) -> Any:
    # Pydantic would also read numbers as seconds since 1970; a time is written as RFC 3339 here.
    if isinstance(value, datetime) or (isinstance(value, str) and _RFC3339.fullmatch(value)):
        return value
    raise ValueError(_("Give the time as RFC 3339 with its offset, such as 2026-03-01T08:00:00+01:00."))


#: A moment with its offset (the schema's ``format: date-time``).
Moment = Annotated[datetime, BeforeValidator(_rfc3339)]


def _reader(request: HttpRequest) -> Any:
    """The caller, if they may read the audit trail; for everybody else it does not exist."""
    user = caller(request)
    if not can_read_audit_trail(user):
        raise NotFound(_("Not found."))
    return user


class EventOut(Schema):
    """One change: who, when, what, before and after, and its place in the hash chain."""

    seq: int = Field(description="The gap-free sequence number (from 1); it identifies the event.")
    time: datetime
    actor: PersonOut | None = Field(description="Null for the system (commands, background jobs).")
    actor_label: str = Field(description="The actor's name when the event was written, or `system`.")
    action: str = Field(description="A stable code such as `usecase.submitted`.")
    action_label: str = Field(description="The action's readable name in the caller's language.")
    object_type: str = Field(description="The changed object's type, such as `usecases.usecase`.")
    object_id: str
    object_label: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    sealed: bool = Field(
        False,
        description="True for an event about a confidential use case the caller may not see: its "
        "`object_label`, `before` and `after` are left out (empty and null).",
    )
    request_id: str = Field(description="Groups the events of one request (the `X-Request-ID`).")
    prev_hash: str
    hash: str


class EventPage(Schema):
    """One page of events, newest first unless ``order=seq``."""

    items: list[EventOut]
    count: int = Field(description=f"Matching events, counted up to {MAX_REACHABLE}.")
    count_capped: bool = Field(description=f"True when more than {MAX_REACHABLE} match: filter, or page by seq.")
    limit: int
    offset: int


class EventFilters(Schema):
    """The audit log's filters; ``after_seq``/``before_seq`` page through any number of events."""

    action: Text = Field("", max_length=100, description="An action code, such as `literacy.course.created`.")
    object_type: Text = Field("", max_length=100, description="An object type, such as `usecases.usecase`.")
    object_id: Text = Field("", max_length=64, description="The changed object's id (with `object_type`).")
    actor: Text | None = Field(None, max_length=150, description="The user name of the person who acted.")
    since: Moment | None = Field(None, description="Events at or after this time (RFC 3339, with offset).")
    until: Moment | None = Field(None, description="Events before this time (RFC 3339, with offset).")
    after_seq: int | None = Field(None, ge=0, description="Only events with a larger sequence number.")
    before_seq: int | None = Field(None, ge=0, description="Only events with a smaller sequence number.")
    order: Literal["-seq", "seq"] = Field("-seq", description="-seq: newest first (the log page); seq: oldest first.")
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)
    offset: int = Field(0, ge=0, le=MAX_REACHABLE - MAX_LIMIT)


class ChainProblemOut(Schema):
    """The first place where the chain does not hold."""

    seq: int
    reason: str


class VerifyOut(Schema):
    """What the chain check found (the same as ``leitplanke audit verify``)."""

    ok: bool
    readable: bool = Field(description="False when the event table is damaged or unreadable: nothing is proven then.")
    checked: int = Field(description="Events found intact before the first problem (all of them when ok).")
    head_seq: int
    head_hash: str
    head: str = Field(description="`SEQ:HASH`: keep it outside the database and pass it as `head` next time.")
    problem: ChainProblemOut | None


class VerifyFilters(Schema):
    """A head recorded earlier, to detect events cut off at the end."""

    head: str | None = Field(None, max_length=100, description="`SEQ:HASH`, as an earlier check answered it.")


def _event_out(event: Event) -> EventOut:
    actor = event.actor
    return EventOut.model_validate(
        {
            "seq": event.seq,
            "time": event.created_at,
            "actor": {"username": actor.username, "name": str(actor)} if actor is not None else None,
            "actor_label": event.actor_label,
            "action": event.action,
            "action_label": action_label(event.action),
            "object_type": event.object_type,
            "object_id": event.object_id,
            "object_label": event.object_label,
            "before": event.before,
            "after": event.after,
            "sealed": bool(getattr(event, "sealed", False)),
            "request_id": event.request_id,
            "prev_hash": event.prev_hash,
            "hash": event.hash,
        }
    )


@router.get("/events", response={200: EventPage, **problems(401, 404, 422)}, summary="List audit events")
def event_list(request: HttpRequest, filters: Query[EventFilters]) -> dict[str, Any]:
    """The audit trail (auditors and administrators), newest first, filtered like the audit log.

    To fetch everything since the last run, ask with ``order=seq&after_seq=<last seq seen>`` and
    repeat with the last ``seq`` of each page until a page is empty.
    """
    user = _reader(request)
    actor = None
    if filters.actor is not None:
        actor = people_visible_to(user).filter(username=filters.actor).first()
        if actor is None:
            raise DomainError(_("There is no person with this user name."), field="query.actor", code="unknown_person")
    events = events_matching(
        user,
        action=filters.action.strip(),
        object_type=filters.object_type.strip(),
        object_id=filters.object_id.strip(),
        actor=actor,
        since=filters.since,
        until=filters.until,
        after_seq=filters.after_seq,
        before_seq=filters.before_seq,
        oldest_first=filters.order == "seq",
    )
    return capped_page(events, limit=filters.limit, offset=filters.offset, item=_event_out)


@router.get(
    "/events/{seq}",
    response={200: EventOut, 304: None, **problems(401, 404, 422)},
    summary="Read an audit event",
)
def event_read(request: HttpRequest, seq: int) -> HttpResponse:
    """One event by its sequence number, with an ``ETag`` (events never change)."""
    event = events_visible_to(_reader(request)).filter(seq=seq).first()
    if event is None:
        raise NotFound(_("There is no audit event with this number."))
    return object_response(request, pk=event.seq, version=1, payload=_event_out(event))


@router.get("/verify", response={200: VerifyOut, **problems(401, 404, 422)}, summary="Check the chain")
def chain_verify(request: HttpRequest, filters: Query[VerifyFilters]) -> dict[str, Any]:
    """Recompute the hash chain and name the first altered, missing or misplaced event.

    ``ok`` is false when the chain is broken (the answer is still 200: the check itself worked).
    With ``head`` (an earlier answer's ``head``), events cut off at the end are caught too. It
    reads every event: on a long trail it takes a while.
    """
    _reader(request)
    expected = None
    if filters.head is not None:
        expected = services.parse_head(filters.head)
        if expected is None:
            raise DomainError(
                _("The head must look like SEQ:HASH, for example 42: and 64 hexadecimal digits."),
                field="query.head",
                code="invalid_head",
            )
    result = services.verify(expected_head=expected)
    problem = result.problem
    return {
        "ok": result.ok,
        "readable": result.readable,
        "checked": result.checked,
        "head_seq": result.head_seq,
        "head_hash": result.head_hash,
        "head": f"{result.head_seq}:{result.head_hash}",
        "problem": {"seq": problem.seq, "reason": problem.reason} if problem is not None else None,
    }
