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

The worker lives in ``notifications``, but the rows it sends and the jobs it runs belong to several
apps, some of them (the decision workflow) in lower layers. Each app therefore registers its outbox
(:func:`register_outbox`) and its part of the periodic job (:func:`register_periodic`) in its
``AppConfig.ready()``; the worker runs what is registered and imports none of them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
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


@dataclass(frozen=True)
class Outbox:
    """Rows one task sends: ``pending(due_before, limit)`` names the pending rows due before
    ``due_before``, oldest first, at most ``limit``, as ``(row id, delay before the next attempt or
    None)``; ``task(row id)`` sends one."""

    name: str
    task: Any
    pending: Callable[[dt.datetime, int], list[tuple[int, dt.timedelta | None]]]


_OUTBOXES: dict[str, Outbox] = {}
_PERIODIC: dict[str, Callable[[], dict[str, int]]] = {}


def register_outbox(outbox: Outbox) -> None:
    """Let the worker's outbox sweep see ``outbox`` (from an app's ``ready()``)."""
    _OUTBOXES[outbox.name] = outbox


def outboxes() -> list[Outbox]:
    """The registered outboxes, in the order the apps registered them."""
    return list(_OUTBOXES.values())


def register_periodic(name: str, job: Callable[[], dict[str, int]]) -> None:
    """Make ``job`` part of the worker's periodic job; it returns counts of what it did (from ``ready()``)."""
    _PERIODIC[name] = job


def periodic_jobs() -> list[tuple[str, Callable[[], dict[str, int]]]]:
    """The registered parts of the periodic job, in the order the apps registered them (lowest layer first)."""
    return list(_PERIODIC.items())
