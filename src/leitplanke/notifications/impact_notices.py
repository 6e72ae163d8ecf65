"""Whom the impact app's events tell what: the reminder of a KPI gone stale.

Like ``notices.py``: each function subscribes to an event of ``impact.events`` (see ``apps.py``) and
runs inside the write that emitted it. The ``key`` names the KPI and its last measurement, so the
owner is reminded once per KPI and stale period: a new measurement starts a new period.
"""

from __future__ import annotations

from django.urls import reverse

from leitplanke.impact import events

from .models import Kind
from .services import notify


def measurement_stale(event: events.MeasurementStale) -> None:
    """Remind the owner of a use case in production that a KPI of it has not been measured for long."""
    kpi, last = event.kpi, event.last_measured_on
    usecase = kpi.usecase
    notify(
        kind=Kind.MEASUREMENT_STALE,
        recipients=[usecase.owner],
        key=f"kpi-{kpi.pk}-stale-{last.isoformat() if last else 'never'}",
        usecase=usecase,
        link=reverse("impact:kpi_detail", args=[kpi.pk]),
        params={
            "title": usecase.title,
            "unit": usecase.unit.name if usecase.unit_id else "",
            "kpi": kpi.name,
            "last_measured_on": last.isoformat() if last else None,
        },
    )


#: Which function answers which event (subscribed in ``apps.py``).
SUBSCRIPTIONS = ((events.MeasurementStale, measurement_stale),)
