"""Pieces shared by the background deliveries (e-mail, webhooks): the retry delay and the enqueue.

The database task backend has no retries of its own: a delivery that failed records the attempt and
enqueues itself again, later each time. :func:`retry_delay` and :func:`enqueue_later` are that
"later" and that "again".

The domain writes an outbox row for every delivery (a pending notification e-mail, a pending webhook
delivery) in the transaction of the change. :func:`enqueue_with_change` hands the row to the worker
as part of that same transaction where the task backend stores its queue in the database, so a
change and its task commit or roll back together and nothing depends on a hook after the commit.
With any other backend (the test suite's immediate one) the enqueue runs after the commit. Should a
task still go missing (a worker killed at the wrong moment, a task that failed), the worker's
outbox sweep (:mod:`leitplanke.notifications.outbox`) enqueues the row again.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.db import transaction
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


def queue_in_database(backend: str = "default") -> bool:
    """Whether the task backend ``backend`` keeps its queue in the application's database."""
    from django.tasks import task_backends
    from django_tasks_db.backend import DatabaseBackend

    return isinstance(task_backends[backend], DatabaseBackend)


def enqueue_with_change(enqueue: Callable[[], None], *, backend: str = "default") -> None:
    """Run ``enqueue`` as part of the current transaction if the queue is in the database, else after commit.

    In the database, the task rows are written with the change: an error there rolls the change back
    instead of being only logged after the commit. Elsewhere the enqueue waits for the commit, so a
    rolled-back change never starts a task; a failure then is caught by the outbox sweep.
    """
    if queue_in_database(backend):
        enqueue()
    else:
        transaction.on_commit(enqueue, robust=True)
