"""The background queue heals itself: tasks a dead worker left running, and outbox rows that lost their task.

Both run in ``leitplanke worker`` (at its start and then every minute or so), never in a request.

* **Lease.** A task is claimed by setting it *running*. A worker killed in the middle of a task
  (``kill -9``, the machine lost power) leaves it running for ever, and its delivery pending with
  no attempt recorded. A task running longer than ``TASK_LEASE_SECONDS`` is taken for abandoned and
  put back in the queue (*ready*), so another worker runs it again. That is safe because every
  delivery is idempotent per attempt: the task reads the outbox row, does nothing unless it is still
  pending, and records its attempt only if nobody recorded one meanwhile. The price is "at least
  once": an e-mail or webhook sent just before the kill is sent again (webhook receivers recognise
  it by its event id). A task claimed :data:`MAX_CLAIMS` times without finishing kills its worker
  every time; it is marked failed instead of being run for ever.
* **Outbox sweep.** The domain writes a pending row for every delivery in the transaction of the
  change (a notification's e-mail, a webhook delivery), and with the database queue the task row
  in that same transaction. A row that is pending and due, but has no task waiting or running,
  lost its task (a task that failed with an exception, a retry that was never enqueued): the sweep
  enqueues it again. Rows younger than :data:`SWEEP_GRACE` are left to their own task.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.conf import settings
from django.tasks import TaskResultStatus
from django.utils import timezone

from leitplanke.common.background import Outbox, enqueue_later, outboxes, queue_in_database, retry_delay
from leitplanke.common.transactions import write_atomic

from .models import EmailStatus, Notification

logger = logging.getLogger("leitplanke.worker")

#: Claims after which a task that never finished is failed instead of put back in the queue.
MAX_CLAIMS = 5
#: How old a pending outbox row must be before the sweep takes it for one without a task.
SWEEP_GRACE = dt.timedelta(minutes=1)
#: Rows of each kind the sweep enqueues at most per run (the next run takes the rest).
SWEEP_LIMIT = 500


class LeaseExpired(Exception):
    """A task was claimed by workers that died before finishing it, too often to try again."""


def lease() -> dt.timedelta:
    """How long a task may run before it is taken for abandoned."""
    return dt.timedelta(seconds=max(int(settings.TASK_LEASE_SECONDS), 1))


def tasks_reclaim_abandoned(*, now: dt.datetime | None = None) -> int:
    """Put tasks running longer than the lease back in the queue (or fail them after ``MAX_CLAIMS``).

    Returns how many tasks were taken back. Each row changes only if it is still the same claim, so
    a task that finished meanwhile is left alone.
    """
    from django_tasks_db.models import DBTaskResult

    now = now or timezone.now()
    stale = list(
        DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING, started_at__lt=now - lease()).values_list(
            "pk", "started_at", "worker_ids"
        )[:SWEEP_LIMIT]
    )
    reclaimed = 0
    for pk, started_at, worker_ids in stale:
        same = DBTaskResult.objects.filter(pk=pk, status=TaskResultStatus.RUNNING, started_at=started_at)
        if len(worker_ids or []) >= MAX_CLAIMS:
            error = LeaseExpired(f"claimed {len(worker_ids)} times by workers that did not finish it")
            same.update(
                status=TaskResultStatus.FAILED,
                finished_at=now,
                exception_class_path=f"{LeaseExpired.__module__}.{LeaseExpired.__qualname__}",
                traceback=f"{LeaseExpired.__qualname__}: {error}\n",
            )
            logger.error("Task %s failed: %s", pk, error)
            continue
        if same.update(status=TaskResultStatus.READY):
            reclaimed += 1
    if reclaimed:
        logger.warning("%s task(s) left running past their lease were put back in the queue", reclaimed)
    return reclaimed


def _live_task_args(task: Any) -> set[Any]:
    """The first argument of every waiting or running task of ``task`` (the outbox row's id)."""
    from django_tasks_db.models import DBTaskResult

    live = DBTaskResult.objects.filter(
        task_path=task.module_path, status__in=[TaskResultStatus.READY, TaskResultStatus.RUNNING]
    ).values_list("args_kwargs", flat=True)
    return {args["args"][0] for args in live if args.get("args")}


def outbox_sweep(*, now: dt.datetime | None = None) -> int:
    """Enqueue again every due, pending row of every registered outbox (e-mails, webhook deliveries)
    that has no task; returns how many.

    The rows are read before the tasks, so a row whose task is written meanwhile is seen with it.
    Only for the database queue: with any other backend the sweep cannot see what is queued.
    """
    if not queue_in_database():
        return 0
    due_before = (now or timezone.now()) - SWEEP_GRACE
    orphans: list[tuple[Outbox, int, dt.timedelta | None]] = []
    for outbox in outboxes():
        rows = outbox.pending(due_before, SWEEP_LIMIT)
        if rows:
            live = _live_task_args(outbox.task)
            orphans += [(outbox, pk, delay) for pk, delay in rows if pk not in live]
    if not orphans:
        return 0
    with write_atomic():
        for outbox, pk, delay in orphans:
            enqueue_later(outbox.task, pk, delay=delay)
    logger.warning("%s pending e-mail(s) or webhook deliveries without a task were queued again", len(orphans))
    return len(orphans)


def pending_emails(due_before: dt.datetime, limit: int) -> list[tuple[int, dt.timedelta | None]]:
    """The outbox of e-mails: notifications whose e-mail is pending, with the delay of their next attempt."""
    rows = (
        Notification.objects.filter(email_status=EmailStatus.PENDING, created_at__lte=due_before)
        .order_by("pk")
        .values_list("pk", "email_attempts")[:limit]
    )
    return [(pk, retry_delay(attempts) if attempts else None) for pk, attempts in rows]


def queue_heal(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Both of the above, for the worker: abandoned tasks first, then rows still without a task."""
    return {"reclaimed": tasks_reclaim_abandoned(now=now), "requeued": outbox_sweep(now=now)}
