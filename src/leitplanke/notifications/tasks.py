"""Background tasks of notifications, run by ``leitplanke worker``."""

from __future__ import annotations

import logging

from django.tasks import task

from leitplanke.common.background import periodic_jobs

logger = logging.getLogger(__name__)


@task()
def deliver_email(notification_id: int) -> str:
    """Send the e-mail of one notification (retried by re-enqueuing with a growing delay)."""
    from .services import email_deliver

    return email_deliver(notification_id)


@task()
def periodic_run() -> dict[str, int]:
    """The periodic job: every part the apps registered (``common.background.register_periodic``):
    deadline reminders and escalation, due obligations, re-certification, webhook log pruning."""
    counts: dict[str, int] = {}
    for name, job in periodic_jobs():
        done = job()
        if any(done.values()):
            logger.info("Periodic job, %s: %s", name, done)
        counts.update(done)
    return counts
