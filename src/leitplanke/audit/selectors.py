"""Reading the audit trail: one object's history, and the whole log for those who may read it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import models
from django.db.models import QuerySet

from leitplanke.org.selectors import can_read_audit_trail

from .models import Event
from .services import object_type_of


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
    """The whole log for auditors and administrators (``can_read_audit_trail``); nothing for anybody else."""
    events = Event.objects.select_related("actor")
    return events if can_read_audit_trail(user) else events.none()


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
