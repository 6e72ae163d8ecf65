"""The one clock of every write: the time services and the audit trail record.

Services stamp rows with :func:`now` instead of ``django.utils.timezone.now`` (``created_at`` and
``updated_at`` default to it, deadlines count from :func:`localdate`), and the audit event of the
change takes its time from the same clock, so a row and its event always agree. The demo
replays a company's history of months with :func:`frozen_at` around each step, and every row and
event of that step carries the step's time. The clock is a context variable: a frozen time holds
only for the thread (or task) that froze it, never for requests served meanwhile.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.utils import timezone

_frozen: ContextVar[dt.datetime | None] = ContextVar("leitplanke_clock_frozen", default=None)


def now() -> dt.datetime:
    """The current time (aware), or the time frozen by :func:`frozen_at` in this context."""
    frozen = _frozen.get()
    return frozen if frozen is not None else timezone.now()


def localdate() -> dt.date:
    """Today's date in the current time zone, by :func:`now`."""
    return timezone.localdate(now())


@contextmanager
def frozen_at(moment: dt.datetime) -> Iterator[dt.datetime]:
    """Within the block, :func:`now` is ``moment`` (an aware time) for this thread or task only."""
    if timezone.is_naive(moment):
        raise ValueError("frozen_at needs an aware datetime")
    token = _frozen.set(moment)
    try:
        yield moment
    finally:
        _frozen.reset(token)
