"""The impact app's part of the worker's periodic job: KPIs gone stale.

A KPI of a use case in production without a measurement for ``LEITPLANKE_MEASUREMENT_STALE_DAYS``
is stale (``selectors.stale_kpis``). Each run emits :class:`~leitplanke.impact.events.MeasurementStale`
for each of them inside a write; notifications reminds the owner once per KPI and stale period (its
key names the last measurement), so running the job again tells nobody twice.
"""

from __future__ import annotations

import datetime as dt
import logging

from leitplanke.common import clock
from leitplanke.common.events import emit
from leitplanke.common.transactions import write_atomic

from .events import MeasurementStale
from .selectors import stale_kpis

logger = logging.getLogger(__name__)


def stale_measurements_run(*, today: dt.date | None = None) -> dict[str, int]:
    """Emit ``MeasurementStale`` for every stale KPI; returns how many there were."""
    count = 0
    for kpi in stale_kpis(today=today or clock.localdate()).iterator(chunk_size=500):
        with write_atomic():
            emit(MeasurementStale(kpi=kpi, last_measured_on=kpi.last_measured))  # type: ignore[attr-defined]
        count += 1
    return {"kpis_stale": count}
