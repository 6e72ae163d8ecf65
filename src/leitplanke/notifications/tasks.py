"""Background tasks of notifications, run by ``leitplanke worker``."""

from __future__ import annotations

from django.tasks import task


@task()
def deliver_email(notification_id: int) -> str:
    """Send the e-mail of one notification (retried by re-enqueuing with a growing delay)."""
    from .services import email_deliver

    return email_deliver(notification_id)


@task()
def periodic_run() -> dict[str, int]:
    """The periodic job: deadline reminders and escalation, due obligations, re-certification."""
    from leitplanke.decisions.jobs import deadlines_run

    return deadlines_run()
