"""Background tasks of webhooks, run by ``leitplanke worker``."""

from __future__ import annotations

from django.tasks import task


@task()
def deliver_webhook(delivery_id: int) -> str:
    """Send one webhook delivery (retried by re-enqueuing with a growing delay)."""
    from .services import delivery_deliver

    return delivery_deliver(delivery_id)
