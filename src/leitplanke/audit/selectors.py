"""Reading the audit trail."""

from __future__ import annotations

from django.db import models
from django.db.models import QuerySet

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
