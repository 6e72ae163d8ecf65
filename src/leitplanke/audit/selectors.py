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
from django.db.models import BooleanField, CharField, QuerySet, Value
from django.db.models.functions import Cast
from django.db.models.query import ModelIterable

from leitplanke.org.selectors import can_read_audit_trail
from leitplanke.usecases.models import UseCase

from .models import Event
from .services import object_type_of

#: The object type of the events that belong to a use case.
USECASE_TYPE = UseCase._meta.label_lower


class _SealedEvents(ModelIterable):  # type: ignore[type-arg]
    """Yields events with the content of sealed ones removed, so no page or answer can show it."""

    def __iter__(self) -> Iterator[Event]:
        for event in super().__iter__():
            if getattr(event, "sealed", False):
                event.object_label, event.before, event.after = "", None, None
            yield event


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

    Each event carries ``sealed``: true for an event about a use case ``user`` may not see, whose
    label and snapshots are then left out of every event this queryset yields (the one place for
    it: the log page, the API's list and single event use this queryset).
    """
    events = Event.objects.select_related("actor")
    if not can_read_audit_trail(user):
        return events.none()
    visible = UseCase.objects.visible_to(user)
    if not visible.query.where:  # ``visible_to`` filters nothing: they see every use case (auditors)
        return events.annotate(sealed=Value(False, output_field=BooleanField()))
    # The ids as text, as the log keeps them (compared this way round, no other type's id is cast).
    hidden = (
        UseCase.objects.filter(confidential=True)
        .exclude(pk__in=visible.values("pk"))
        .annotate(key=Cast("pk", output_field=CharField()))
        .values("key")
    )
    events = events.annotate(
        sealed=models.Case(
            models.When(object_type=USECASE_TYPE, object_id__in=hidden, then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        )
    )
    events._iterable_class = _SealedEvents
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
