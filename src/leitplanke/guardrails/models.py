"""Published rule bundles and the verdict of every use case under the bundle that decides now."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class RiskClass(models.TextChoices):
    """The EU AI Act's risk classes (codes are the verdict contract)."""

    PROHIBITED = "prohibited", _("Prohibited")
    HIGH = "high", _("High risk")
    LIMITED = "limited", _("Limited risk")
    MINIMAL = "minimal", _("Minimal risk")


class DecisionPath(models.TextChoices):
    """Who decides about a use case according to its verdict (codes are the verdict contract)."""

    BLOCKED = "blocked", _("Blocked")
    REVIEW = "review", pgettext_lazy("decision path", "Review")
    TEAM_LEAD = "team_lead", _("Team lead decides")


class RuleBundle(models.Model):
    """A published version of the guardrail rules: its files exactly as checked, who published it, when.

    Exactly one bundle is active at a time; it produces every verdict until the next one is published.
    """

    bundle_id = models.CharField(_("bundle"), max_length=100)
    version = models.CharField(_("version"), max_length=40)
    digest = models.CharField(_("digest"), max_length=64, help_text=_("SHA-256 over the bundle's files."))
    title = models.CharField(_("title"), max_length=300, blank=True)
    files = models.JSONField(_("files"), help_text=_("The bundle's files: path to text."))
    rule_count = models.PositiveIntegerField(_("rules"), default=0)
    test_count = models.PositiveIntegerField(_("tests"), default=0)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("published by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    published_at = models.DateTimeField(_("published"))
    active = models.BooleanField(_("active"), default=False)
    whatif = models.JSONField(_("what-if at publication"), default=dict, blank=True)

    class Meta:
        verbose_name = _("rule bundle")
        verbose_name_plural = _("rule bundles")
        ordering = ["-published_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["bundle_id", "version"], name="guardrails_bundle_version_unique"),
            models.UniqueConstraint(fields=["active"], condition=Q(active=True), name="guardrails_one_active_bundle"),
        ]

    def __str__(self) -> str:
        return f"{self.bundle_id} {self.version}"

    def audit_snapshot(self) -> dict[str, object]:
        """The fields recorded in audit events (the files are kept in the row, their digest in the event)."""
        return {
            "bundle_id": self.bundle_id,
            "version": self.version,
            "digest": self.digest,
            "rule_count": self.rule_count,
            "test_count": self.test_count,
            "active": self.active,
        }


class Verdict(models.Model):
    """The current verdict of a use case: what the rules say, the bundle that said it, the exact input."""

    usecase = models.OneToOneField(
        "usecases.UseCase",
        verbose_name=_("use case"),
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="verdict",
    )
    bundle = models.ForeignKey(RuleBundle, verbose_name=_("rule bundle"), on_delete=models.PROTECT, related_name="+")
    input = models.JSONField(_("evaluation input"))
    input_digest = models.CharField(_("input digest"), max_length=64, help_text=_("SHA-256 of the input."))
    summary = models.JSONField(
        _("outcome"), help_text=_("Risk class, decision path, reviews, obligations and the rules that fired.")
    )
    summary_digest = models.CharField(_("outcome digest"), max_length=32, help_text=_("A fingerprint of the outcome."))
    risk_class = models.CharField(_("risk class"), max_length=20, choices=RiskClass.choices, db_index=True)
    decision = models.CharField(_("decision path"), max_length=20, choices=DecisionPath.choices, db_index=True)
    evaluated_at = models.DateTimeField(_("evaluated"))

    class Meta:
        verbose_name = _("verdict")
        verbose_name_plural = _("verdicts")

    def __str__(self) -> str:
        return f"{self.usecase_id}: {self.risk_class}/{self.decision}"
