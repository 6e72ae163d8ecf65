"""Reads of webhooks: who configures them, the endpoints, and each endpoint's delivery log."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils.translation import gettext as _

from leitplanke.common.errors import NotFound
from leitplanke.org.models import Role
from leitplanke.org.selectors import has_role

from .models import Delivery, DeliveryAttempt, DeliveryStatus, Endpoint


def can_manage_webhooks(user: Any) -> bool:
    """Webhooks are AI governance's (company-wide role holders), like the rules; administrators run the
    system but do not decide what leaves it."""
    return bool(getattr(user, "is_authenticated", False) and user.is_active and has_role(user, Role.AI_GOVERNANCE))


def endpoints_visible_to(user: Any) -> QuerySet[Endpoint]:
    """Every endpoint for AI governance, with its pending and failed deliveries counted; none for others."""
    if not can_manage_webhooks(user):
        return Endpoint.objects.none()
    return Endpoint.objects.annotate(
        pending_count=Count("deliveries", filter=Q(deliveries__status=DeliveryStatus.PENDING)),
        failed_count=Count("deliveries", filter=Q(deliveries__status=DeliveryStatus.FAILED)),
    ).order_by("-active", "url", "pk")


def endpoint_for(user: Any, pk: int) -> Endpoint:
    """One endpoint ``user`` may see, else :class:`NotFound` (also for those who may not see any)."""
    endpoint = Endpoint.objects.filter(pk=pk).first() if can_manage_webhooks(user) else None
    if endpoint is None:
        raise NotFound(_("There is no such webhook endpoint."))
    return endpoint


def deliveries_of(endpoint: Endpoint) -> QuerySet[Delivery]:
    """The delivery log of an endpoint, newest first, each with its attempts (no query per row)."""
    return (
        Delivery.objects.filter(endpoint=endpoint)
        .order_by("-created_at", "-pk")
        .prefetch_related(Prefetch("attempt_log", queryset=DeliveryAttempt.objects.order_by("number")))
    )


def delivery_for(user: Any, endpoint: Endpoint, pk: int) -> Delivery:
    """One delivery of ``endpoint`` that ``user`` may see, else :class:`NotFound`."""
    delivery = Delivery.objects.filter(pk=pk, endpoint=endpoint).first() if can_manage_webhooks(user) else None
    if delivery is None:
        raise NotFound(_("There is no such delivery."))
    return delivery


def deliveries_pending(due_before: dt.datetime, limit: int) -> list[tuple[int, dt.timedelta | None]]:
    """The outbox of webhooks (``common.background``): pending deliveries due before ``due_before``,
    oldest first (a delivery's task waits for its next attempt itself: no delay)."""
    rows = (
        Delivery.objects.filter(status=DeliveryStatus.PENDING)
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=due_before))
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )
    return [(pk, None) for pk in rows]
