"""Notifications: what a person is told, in the app's inbox and by e-mail in their language.

A notification is written in the transaction of the change it reports (a review assigned, a
decision made) or by the periodic job (a deadline near or passed, an obligation due, a
re-certification due). Its text is not stored: it is rendered from ``kind`` and ``params`` in the
language of whoever reads it, so the inbox follows a change of language and the e-mail goes out
in the recipient's. ``key`` makes each notification happen once per recipient, so the periodic job
can run as often as it likes.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from leitplanke.common import clock


class Kind(models.TextChoices):
    """What a notification reports."""

    REVIEW_ASSIGNED = "review_assigned", _("Review assigned")
    APPROVAL_WAITING = "approval_waiting", _("Approval waiting")
    DECISION_MADE = "decision_made", _("Decision made")
    CHANGES_REQUESTED = "changes_requested", _("Changes requested")
    DEADLINE_NEAR = "deadline_near", _("Review deadline near")
    DEADLINE_PASSED = "deadline_passed", _("Review deadline passed")
    OBLIGATION_DUE = "obligation_due", _("Obligation due")
    RECERTIFICATION_DUE = "recertification_due", _("Re-certification due")
    MEASUREMENT_STALE = "measurement_stale", _("KPI not measured")


class EmailStatus(models.TextChoices):
    """Where the e-mail of a notification stands."""

    PENDING = "pending", _("Waiting to be sent")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    NO_ADDRESS = "no_address", _("No e-mail address")


class Notification(models.Model):
    """One message to one person, with the delivery log of its e-mail."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recipient"), on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(_("kind"), max_length=40, choices=Kind.choices)
    key = models.CharField(_("key"), max_length=200, help_text=_("Makes the notification happen once per recipient."))
    usecase = models.ForeignKey(
        "usecases.UseCase",
        verbose_name=_("use case"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    params = models.JSONField(_("details"), default=dict, blank=True)
    link = models.CharField(_("link"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created"), default=clock.now, editable=False, db_index=True)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)
    email_status = models.CharField(
        _("e-mail"), max_length=20, choices=EmailStatus.choices, default=EmailStatus.PENDING
    )
    email_attempts = models.PositiveSmallIntegerField(_("delivery attempts"), default=0)
    email_error = models.TextField(_("last delivery error"), blank=True)
    email_sent_at = models.DateTimeField(_("e-mail sent"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["recipient", "key"], name="notifications_once_per_recipient"),
        ]
        indexes = [models.Index(fields=["recipient", "read_at"], name="notifications_inbox")]

    def __str__(self) -> str:
        return f"{self.kind} → {self.recipient_id}"
