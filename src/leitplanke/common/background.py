"""Pieces shared by the background deliveries (e-mail, webhooks): the retry delay and a deferred enqueue.

The database task backend has no retries of its own: a delivery that failed records the attempt and
enqueues itself again, later each time. These two functions are that "later" and that "again".
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone


def retry_delay(attempts: int) -> dt.timedelta:
    """How long to wait after the ``attempts``-th failed attempt: 1, 2, 4, 8 … minutes."""
    return dt.timedelta(minutes=2 ** max(attempts - 1, 0))


def enqueue_later(task: Any, *args: Any, delay: dt.timedelta | None = None) -> None:
    """Enqueue ``task(*args)``, ``delay`` from now where the backend can defer (else at once)."""
    from django.tasks import task_backends

    if delay is not None and task_backends[task.backend].supports_defer:
        task = task.using(run_after=timezone.now() + delay)
    task.enqueue(*args)
