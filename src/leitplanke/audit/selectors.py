"""Reading the audit trail: one object's history, and the whole log for those who may read it.

The log follows the same rule as the objects it reports on. An app whose objects are not visible
to everybody registers, in ``AppConfig.ready()``, which of them a reader may not see
(``register_hidden``; the use cases do, with ``UseCase.objects.visible_to``). Events about such an
object come *sealed* to that reader: who did what and when, on which object id, with its place in
the hash chain, but without the object's name and the before/after snapshots. For a use case that
covers its own events and those of its reviews, approvals, verdicts and obligations, which are all
recorded on it; administrators thus read the events of a confidential use case they may not see
sealed, auditors (who see every use case) read everything.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

from django.db import models
from django.db.models import QuerySet
from django.db.models.query import ModelIterable

from leitplanke.common.actors import Actor
from leitplanke.common.permissions import allowed

from .models import Event
from .services import object_type_of

#: Per object type: which of the given object ids (as the log keeps them) ``reader`` may not see.
HiddenIds = Callable[[Any, set[str]], set[str]]
_HIDDEN: dict[str, HiddenIds] = {}
#: Events sealed per question to the apps (the iterable reads them in chunks of this many).
SEAL_CHUNK = 500


def register_hidden(object_type: str, hidden: HiddenIds) -> None:
    """Seal the events about objects of ``object_type`` that ``hidden(reader, ids)`` names for a reader."""
    _HIDDEN[object_type] = hidden


class _SealedEvents(ModelIterable):
    """Yields events, those about an object ``reader`` may not see sealed: without label and snapshots.

    The apps are asked once per chunk (a page of the log is one) about that chunk's ids only, so a
    long log costs nothing more, and no page or answer that reads through it can show sealed content.
    """

    reader: Any = None

    def __iter__(self) -> Iterator[Event]:
        chunk: list[Event] = []
        for event in super().__iter__():
            chunk.append(event)
            if len(chunk) == SEAL_CHUNK:
                yield from self._sealed(chunk)
                chunk = []
        yield from self._sealed(chunk)

    def _sealed(self, events: list[Event]) -> list[Event]:
        hidden: set[tuple[str, str]] = set()
        for object_type, hidden_ids in _HIDDEN.items():
            ids = {event.object_id for event in events if event.object_type == object_type and event.object_id}
            if ids:
                hidden |= {(object_type, pk) for pk in hidden_ids(self.reader, ids)}
        for event in events:
            event.sealed = (event.object_type, event.object_id) in hidden  # type: ignore[attr-defined]
            if event.sealed:  # type: ignore[attr-defined]
                event.object_label, event.before, event.after = "", None, None
        return events


def history_for(obj: models.Model, *, limit: int = 200) -> QuerySet[Event]:
    """The events about one object, newest first.

    Callers must already have checked that the viewer may see ``obj``; the history is exactly as
    visible as the object itself.
    """
    return (
        Event.objects.filter(object_type=object_type_of(obj), object_id=str(obj.pk))
        .select_related("actor")
        .order_by("-seq")[:limit]
    )


def events_visible_to(user: Any) -> QuerySet[Event]:
    """The whole log for those who hold ``audit.view_event`` (auditors and administrators); nothing for anybody else.

    Each event it yields carries ``sealed``: true for an event about an object ``user`` may not
    see, whose label and snapshots are then left out (the one place for it: the log page, the
    API's list and single event read through this queryset).
    """
    events = Event.objects.select_related("actor")
    if not allowed(user, "audit.view_event"):
        return events.none()
    events._iterable_class = type("SealedEventsFor", (_SealedEvents,), {"reader": user})
    return events


def events_matching(
    user: Any,
    *,
    action: str = "",
    object_type: str = "",
    object_id: str = "",
    actor: Actor = None,
    since: datetime | None = None,
    until: datetime | None = None,
    after_seq: int | None = None,
    before_seq: int | None = None,
    oldest_first: bool = False,
) -> QuerySet[Event]:
    """The events ``user`` may read, filtered as the audit log filters them, newest first (or oldest first).

    ``since`` is inclusive, ``until`` exclusive; ``after_seq``/``before_seq`` continue a list from a
    sequence number. The sequence number is unique, so the order is stable.
    """
    events = events_visible_to(user)
    if action:
        events = events.filter(action=action)
    if object_type:
        events = events.filter(object_type=object_type)
    if object_id:
        events = events.filter(object_id=object_id)
    if actor is not None:
        events = events.filter(actor=actor)
    if since is not None:
        events = events.filter(created_at__gte=since)
    if until is not None:
        events = events.filter(created_at__lt=until)
    if after_seq is not None:
        events = events.filter(seq__gt=after_seq)
    if before_seq is not None:
        events = events.filter(seq__lt=before_seq)
    return events.order_by("seq" if oldest_first else "-seq")
