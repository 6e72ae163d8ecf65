"""Reading the audit trail: one object's history, and the whole log for those who may read it.

The log follows the same rule as the objects it reports on: the events about a use case (its own,
and those of its reviews, approvals, verdicts and obligations, which are recorded on the use case)
show their object's name and their before/after snapshots only to those who may see that use case
(``UseCase.objects.visible_to``). An administrator reads every event of a confidential use case
they may not see *sealed*: who did what and when, on which object id, with its place in the hash
chain, but without title, summary, answers or any other content. Auditors read everything.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from django.db import models
from django.db.models import QuerySet
from django.db.models.query import ModelIterable

from leitplanke.org.selectors import can_read_audit_trail
from leitplanke.usecases.models import UseCase

from .models import Event
from .services import object_type_of

#: The object type of the events that belong to a use case.
USECASE_TYPE = UseCase._meta.label_lower


#: Events sealed per lookup of their use cases (the iterable reads them in chunks of this many).
SEAL_CHUNK = 500


class _SealedEvents(ModelIterable):  # type: ignore[type-arg]
    """Yields events, those about a use case ``reader`` may not see sealed: without label and snapshots.

    Which of a chunk's use cases are hidden is asked once per chunk (a page of the log is one), over
    its ids only, so a long log costs nothing more and no page or answer can show sealed content.
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
        ids = {int(e.object_id) for e in events if e.object_type == USECASE_TYPE and e.object_id.isdigit()}
        hidden: set[str] = set()
        if ids:
            # By id only, never the whole registry through visible_to: the chunk's confidential
            # use cases, less those the reader may see.
            confidential = set(UseCase.objects.filter(pk__in=ids, confidential=True).values_list("pk", flat=True))
            if confidential:
                seen = UseCase.objects.visible_to(self.reader).filter(pk__in=confidential).values_list("pk", flat=True)
                hidden = {str(pk) for pk in confidential - set(seen)}
        for event in events:
            event.sealed = event.object_type == USECASE_TYPE and event.object_id in hidden  # type: ignore[attr-defined]
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
    """The whole log for auditors and administrators (``can_read_audit_trail``); nothing for anybody else.

    Each event it yields carries ``sealed``: true for an event about a use case ``user`` may not
    see, whose label and snapshots are then left out (the one place for it: the log page, the
    API's list and single event read through this queryset).
    """
    events = Event.objects.select_related("actor")
    if not can_read_audit_trail(user):
        return events.none()
    if not UseCase.objects.visible_to(user).query.where:  # ``visible_to`` filters nothing (auditors)
        return events
    sealing = type("SealedEventsFor", (_SealedEvents,), {"reader": user})
    events._iterable_class = sealing
    return events


def events_matching(
    user: Any,
    *,
    action: str = "",
    object_type: str = "",
    object_id: str = "",
    actor: Any = None,
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
