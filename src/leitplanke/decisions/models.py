"""Reviews by role and approvals: what stands between a submitted use case and its use.

A submitted use case goes the way its verdict names: blocked, straight to the team lead, or to one
review per required role first (in parallel). A review is routed to a unit: the nearest one, from
the owning unit upwards, for which somebody holds the role (``None``: company-wide).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from leitplanke.common import clock
from leitplanke.org.models import REVIEW_ROLES


class ReviewStatus(models.TextChoices):
    """Where one review stands."""

    OPEN = "open", _("Open")
    APPROVED = "approved", _("Approved")
    APPROVED_WITH_CONDITIONS = "approved_with_conditions", _("Approved with conditions")
    CHANGES_REQUESTED = "changes_requested", _("Changes requested")
    REJECTED = "rejected", _("Rejected")
    CANCELLED = "cancelled", _("No longer needed")


#: Review outcomes that let the use case go on.
APPROVING = frozenset({ReviewStatus.APPROVED, ReviewStatus.APPROVED_WITH_CONDITIONS})


class Review(models.Model):
    """One role's review of one submission of a use case, with its deadline and decision."""

    usecase = models.ForeignKey(
        "usecases.UseCase", verbose_name=_("use case"), on_delete=models.CASCADE, related_name="reviews"
    )
    role = models.CharField(_("role"), max_length=40, choices=[(role.value, role.label) for role in REVIEW_ROLES])
    unit = models.ForeignKey(
        "org.OrgUnit",
        verbose_name=_("responsible for"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("The unit whose reviewers decide; empty: the company-wide ones."),
    )
    submission = models.PositiveIntegerField(_("submission"), help_text=_("Which submission of the use case."))
    status = models.CharField(
        _("status"), max_length=30, choices=ReviewStatus.choices, default=ReviewStatus.OPEN, db_index=True
    )
    due_on = models.DateField(_("due on"))
    comment = models.TextField(_("comment"), blank=True)
    conditions = models.TextField(_("conditions"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    created_at = models.DateTimeField(_("requested"), default=clock.now, editable=False)
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)

    class Meta:
        verbose_name = _("review")
        verbose_name_plural = _("reviews")
        ordering = ["due_on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["usecase", "role"],
                condition=models.Q(status="open"),
                name="decisions_one_open_review_per_role",
            ),
        ]
        indexes = [models.Index(fields=["status", "role", "due_on"], name="decisions_review_queue")]

    def __str__(self) -> str:
        return f"{self.get_role_display()}: {self.usecase_id}"

    def audit_snapshot(self) -> dict[str, object]:
        """The fields recorded in audit events."""
        return {
            "role": self.role,
            "unit": self.unit.code if self.unit_id and self.unit else None,
            "submission": self.submission,
            "review_status": self.status,
            "due_on": self.due_on.isoformat() if self.due_on else None,
            "comment": self.comment,
            "conditions": self.conditions,
        }


class ApprovalScope(models.TextChoices):
    """What an approval allows."""

    PILOT = "pilot", _("Pilot")
    PRODUCTION = "production", _("Production")


class Approval(models.Model):
    """A team lead confirmed responsibility for a use case, under the verdict shown to them."""

    usecase = models.ForeignKey(
        "usecases.UseCase", verbose_name=_("use case"), on_delete=models.CASCADE, related_name="approvals"
    )
    submission = models.PositiveIntegerField(_("submission"))
    scope = models.CharField(_("scope"), max_length=20, choices=ApprovalScope.choices)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("approved by"), on_delete=models.PROTECT, related_name="+"
    )
    unit = models.ForeignKey(
        "org.OrgUnit",
        verbose_name=_("approved for"),
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("The unit whose lead approved: the owning unit, or one above it."),
    )
    risk_class = models.CharField(_("risk class"), max_length=20)
    bundle = models.ForeignKey(
        "guardrails.RuleBundle", verbose_name=_("rule bundle"), on_delete=models.PROTECT, related_name="+"
    )
    summary_digest = models.CharField(_("outcome digest"), max_length=32)
    approved_at = models.DateTimeField(_("approved"))
    expires_on = models.DateField(
        _("valid until"),
        null=True,
        blank=True,
        help_text=_("After this day the use case needs re-certification (by risk class)."),
    )

    class Meta:
        verbose_name = _("approval")
        verbose_name_plural = _("approvals")
        ordering = ["-approved_at", "-id"]

    def __str__(self) -> str:
        return f"{self.usecase_id}: {self.scope}"

    def audit_snapshot(self) -> dict[str, object]:
        """The fields recorded in audit events."""
        return {
            "submission": self.submission,
            "scope": self.scope,
            "unit": self.unit.code if self.unit_id and self.unit else None,
            "risk_class": self.risk_class,
            "bundle": self.bundle_id,
            "summary_digest": self.summary_digest,
            "expires_on": self.expires_on.isoformat() if self.expires_on else None,
        }


def evidence_path(obligation: Obligation, filename: str) -> str:
    """Where an uploaded evidence file is stored: per use case, under a random name that keeps the extension."""
    import secrets

    suffix = filename.rsplit(".", 1)[-1].lower()[:10] if "." in filename else "bin"
    return f"evidence/{obligation.usecase_id}/{secrets.token_hex(8)}.{suffix}"


class ObligationStatus(models.TextChoices):
    """Whether an obligation is still to do."""

    OPEN = "open", _("Open")
    DONE = "done", _("Done")


class Obligation(models.Model):
    """A duty that comes with an approval: from the verdict's obligations or a reviewer's conditions."""

    usecase = models.ForeignKey(
        "usecases.UseCase", verbose_name=_("use case"), on_delete=models.CASCADE, related_name="obligations"
    )
    code = models.CharField(_("code"), max_length=120, help_text=_("The bundle's obligation id, or the review."))
    submission = models.PositiveIntegerField(_("submission"))
    review = models.ForeignKey(
        Review, verbose_name=_("review"), on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    title_de = models.CharField(_("title (German)"), max_length=300)
    title_en = models.CharField(_("title (English)"), max_length=300)
    description_de = models.TextField(_("description (German)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    reference = models.CharField(_("reference"), max_length=300, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("responsible"), on_delete=models.PROTECT, related_name="+"
    )
    due_on = models.DateField(_("due on"))
    blocking = models.BooleanField(_("blocks production"), default=False)
    status = models.CharField(
        _("status"), max_length=10, choices=ObligationStatus.choices, default=ObligationStatus.OPEN, db_index=True
    )
    evidence = models.TextField(_("evidence"), blank=True)
    evidence_link = models.URLField(_("link to the evidence"), blank=True, max_length=500)
    evidence_file = models.FileField(_("evidence file"), upload_to=evidence_path, blank=True, max_length=300)
    evidence_file_name = models.CharField(
        _("file name"), max_length=255, blank=True, help_text=_("The name the file had when it was uploaded.")
    )
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("completed by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), default=clock.now, editable=False)
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)

    class Meta:
        verbose_name = _("obligation")
        verbose_name_plural = _("obligations")
        ordering = ["status", "due_on", "id"]
        constraints = [
            models.UniqueConstraint(fields=["usecase", "submission", "code"], name="decisions_obligation_once"),
        ]
        indexes = [models.Index(fields=["status", "due_on"], name="decisions_obligation_due")]

    def __str__(self) -> str:
        return self.title_de

    def title(self, lang: str) -> str:
        """The title in ``lang`` (German for anything but English)."""
        return self.title_en if lang == "en" else self.title_de

    def description(self, lang: str) -> str:
        """The description in ``lang``."""
        return self.description_en if lang == "en" else self.description_de

    def audit_snapshot(self) -> dict[str, object]:
        """The fields recorded in audit events."""
        return {
            "obligation": self.code,
            "obligation_title": self.title_de,
            "due_on": self.due_on.isoformat() if self.due_on else None,
            "blocking": self.blocking,
            "obligation_status": self.status,
            "evidence": self.evidence,
            "evidence_link": self.evidence_link,
            "evidence_file": self.evidence_file_name,
        }
