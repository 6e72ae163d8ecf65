"""Background tasks of notifications, run by ``leitplanke worker``."""

from __future__ import annotations

import logging

from django.tasks import task

logger = logging.getLogger(__name__)


@task()
def deliver_email(notification_id: int) -> str:
    """Send the e-mail of one notification (retried by re-enqueuing with a growing delay)."""
    from .services import email_deliver

    return email_deliver(notification_id)


@task()
def periodic_run() -> dict[str, int]:
    """The periodic job: deadline reminders and escalation, due obligations, re-certification, webhook log pruning."""
    from leitplanke.decisions.jobs import deadlines_run
    from leitplanke.webhooks.services import deliveries_prune

    counts = deadlines_run()
    counts["webhook_deliveries_pruned"] = deliveries_prune()
    if counts["webhook_deliveries_pruned"]:
        logger.info("Periodic job: %s old webhook deliveries pruned", counts["webhook_deliveries_pruned"])
    return counts
