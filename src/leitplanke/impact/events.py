"""What the impact app tells the apps above it (``common.events``): webhooks sends ``objective.changed``
and ``measurement.recorded``, notifications reminds the owners of stale KPIs. Emitted inside the
service's transaction (the stale reminder by the periodic job)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from leitplanke.common.actors import Actor

from .models import Kpi, Measurement, Objective


@dataclass(frozen=True)
class ObjectiveChanged:
    """An objective was set, changed, or the use cases serving it changed (``change``: created, updated, linked)."""

    actor: Actor
    objective: Objective
    change: str


@dataclass(frozen=True)
class MeasurementRecorded:
    """A measurement of a KPI was recorded."""

    actor: Actor
    measurement: Measurement


@dataclass(frozen=True)
class MeasurementStale:
    """A KPI of a use case in production has had no measurement for the stale days (the periodic job).

    ``last_measured_on`` is the day of its latest measurement (``None``: never measured); with the KPI
    it names the stale period, so that its owner is reminded once per period.
    """

    kpi: Kpi
    last_measured_on: dt.date | None = None
