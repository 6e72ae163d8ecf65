"""Webhooks: the endpoints AI governance configures, and the log of every delivery to them.

An event (a use case submitted, a review decided …) becomes one ``Delivery`` row per active
endpoint subscribed to its type, written in the transaction of the change it reports. The worker
sends it, signed with the endpoint's secret, and retries it with a growing delay; each try is a
``DeliveryAttempt`` row, so the log shows every retry with its outcome. Finished deliveries are
deleted by the periodic job after ``WEBHOOK_KEEP_DAYS``.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.validators import URLValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from leitplanke.common import clock


class EventType(models.TextChoices):
    """What an endpoint can subscribe to (the codes are the receivers' contract)."""

    USECASE_SUBMITTED = "usecase.submitted", _("Use case submitted")
    USECASE_DECIDED = "usecase.decided", _("Use case decided")
    REVIEW_ASSIGNED = "review.assigned", _("Review assigned")
    REVIEW_DECIDED = "review.decided", _("Review decided")
    OBLIGATION_OVERDUE = "obligation.overdue", _("Obligation overdue")
    POLICY_PUBLISHED = "policy.published", _("Rule bundle published")
    OBJECTIVE_CHANGED = "objective.changed", _("Objective changed")
    MEASUREMENT_RECORDED = "measurement.recorded", _("Measurement recorded")


#: The type of the event "send a test event" sends; no endpoint subscribes to it.
TEST_EVENT = "webhook.test"
DELIVERY_TYPES = [*EventType.choices, (TEST_EVENT, _("Test event"))]


class DeliveryStatus(models.TextChoices):
    """Where a delivery stands."""

    PENDING = "pending", _("Pending")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Failed")


class Endpoint(models.Model):
    """An address that receives the events it subscribed to, signed with its own secret."""

    url = models.URLField(
        _("address"),
        max_length=500,
        validators=[URLValidator(schemes=["http", "https"])],
        help_text=_("Where Leitplanke sends the events, with http:// or https://."),
    )
    description = models.CharField(_("description"), max_length=200, blank=True)
    event_types = models.JSONField(_("events"), default=list, blank=True)
    # Kept in plain text: signing needs it. Shown once (at creation or rotation), never written to the audit trail.
    secret = models.CharField(_("signing secret"), max_length=100, editable=False)
    # After a rotation the old secret signs too, for a grace period, so the receiver can switch over.
    previous_secret = models.CharField(_("previous signing secret"), max_length=100, blank=True, editable=False)
    previous_secret_until = models.DateTimeField(
        _("previous secret signs until"), null=True, blank=True, editable=False
    )
    active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), default=clock.now, editable=False)
    updated_at = models.DateTimeField(_("updated"), default=clock.now, editable=False)
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)

    class Meta:
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")
        ordering = ["-active", "url", "pk"]

    def __str__(self) -> str:
        return self.url

    def audit_snapshot(self) -> dict[str, object]:
        """The fields recorded in audit events (never the secret)."""
        return {
            "url": self.url,
            "description": self.description,
            "event_types": list(self.event_types),
            "active": self.active,
        }

    def previous_secret_signs(self, *, now: dt.datetime | None = None) -> bool:
        """Whether the secret replaced by the last rotation is still within its grace period."""
        if not self.previous_secret or self.previous_secret_until is None:
            return False
        return (now or timezone.now()) < self.previous_secret_until

    def signing_secrets(self, *, now: dt.datetime | None = None) -> list[str]:
        """The secrets a delivery attempt signs with: the current one, then the previous one during its grace period."""
        if self.previous_secret_signs(now=now):
            return [self.secret, self.previous_secret]
        return [self.secret]

    def get_event_types_display(self) -> list[str]:
        """The subscribed events by name, in the order of :class:`EventType`."""
        labels = dict(EventType.choices)
        return [str(labels[code]) for code in EventType.values if code in self.event_types]


class Delivery(models.Model):
    """One event to one endpoint, with where its delivery stands."""

    endpoint = models.ForeignKey(
        Endpoint, verbose_name=_("endpoint"), on_delete=models.CASCADE, related_name="deliveries"
    )
    event_type = models.CharField(_("event"), max_length=40, choices=DELIVERY_TYPES)
    event_id = models.UUIDField(
        _("event id"), help_text=_("The same in every attempt, for the receiver to deduplicate.")
    )
    key = models.CharField(
        _("key"), max_length=200, blank=True, help_text=_("Makes an event happen once per endpoint (empty: no limit).")
    )
    payload = models.JSONField(_("payload"))
    status = models.CharField(
        _("status"), max_length=20, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    max_attempts = models.PositiveSmallIntegerField(_("attempts allowed"), default=1)
    last_status = models.PositiveSmallIntegerField(_("last HTTP status"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), default=clock.now, editable=False)

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["endpoint", "key"], condition=~Q(key=""), name="webhooks_delivery_once_per_key"
            ),
        ]
        indexes = [
            models.Index(fields=["endpoint", "-created_at"], name="webhooks_delivery_log"),
            models.Index(fields=["status", "created_at"], name="webhooks_delivery_prune"),
        ]

    def __str__(self) -> str:
        return f"{self.event_type} {self.event_id} → {self.endpoint_id}"

    def audit_snapshot(self) -> dict[str, object]:
        """The fields recorded in audit events."""
        return {
            "event_type": self.event_type,
            "event_id": str(self.event_id),
            "status": self.status,
            "attempts": self.attempts,
        }


class DeliveryAttempt(models.Model):
    """One try to deliver: when, how long it took, and what the endpoint answered."""

    delivery = models.ForeignKey(
        Delivery, verbose_name=_("delivery"), on_delete=models.CASCADE, related_name="attempt_log"
    )
    number = models.PositiveSmallIntegerField(_("attempt"))
    attempted_at = models.DateTimeField(_("attempted"))
    duration_ms = models.PositiveIntegerField(_("duration (ms)"), default=0)
    http_status = models.PositiveSmallIntegerField(_("HTTP status"), null=True, blank=True)
    error = models.CharField(_("error"), max_length=500, blank=True)
    delivered = models.BooleanField(_("delivered"), default=False)

    class Meta:
        verbose_name = _("delivery attempt")
        verbose_name_plural = _("delivery attempts")
        ordering = ["delivery", "number"]
        constraints = [models.UniqueConstraint(fields=["delivery", "number"], name="webhooks_attempt_once")]

    def __str__(self) -> str:
        return f"{self.delivery_id} #{self.number}"
