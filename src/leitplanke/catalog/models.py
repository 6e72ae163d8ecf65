"""The tool catalogue: which AI tools may be used, for which data, under which conditions."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from leitplanke.common import clock


class ToolKind(models.TextChoices):
    """What sort of AI tool or platform it is."""

    CHAT_ASSISTANT = "chat_assistant", _("Chat assistant")
    MODEL_API = "model_api", _("Model API")
    SAAS_FEATURE = "saas_feature", _("AI feature in a SaaS product")
    INTERNAL_PLATFORM = "internal_platform", _("Internal platform")
    CODE_ASSISTANT = "code_assistant", _("Code assistant")
    OTHER = "other", _("Other")


class ToolStatus(models.TextChoices):
    """Whether teams may use the tool (codes are the guardrail contract)."""

    APPROVED = "approved", _("Approved")
    APPROVED_WITH_CONDITIONS = "approved_with_conditions", _("Approved with conditions")
    IN_EVALUATION = "in_evaluation", _("In evaluation")
    NOT_ALLOWED = "not_allowed", _("Not allowed")


class HostingRegion(models.TextChoices):
    """Where the tool processes data (codes are the guardrail contract)."""

    EU = "eu", _("EU / EEA")
    NON_EU = "non_eu", _("Outside the EU")
    ON_PREMISES = "on_premises", _("On premises")


class DataClassification(models.TextChoices):
    """How sensitive data is, from public to strictly confidential (codes are the guardrail contract)."""

    PUBLIC = "public", _("Public")
    INTERNAL = "internal", _("Internal")
    CONFIDENTIAL = "confidential", _("Confidential")
    STRICTLY_CONFIDENTIAL = "strictly_confidential", _("Strictly confidential")


class Tool(models.Model):
    """An AI tool or platform in the catalogue, with what data it may receive."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    vendor = models.CharField(_("vendor"), max_length=200, blank=True)
    kind = models.CharField(_("kind"), max_length=30, choices=ToolKind.choices, default=ToolKind.OTHER)
    hosting_region = models.CharField(_("hosting region"), max_length=20, choices=HostingRegion.choices)
    status = models.CharField(_("status"), max_length=30, choices=ToolStatus.choices, db_index=True)
    max_classification = models.CharField(
        _("highest data classification allowed"), max_length=30, choices=DataClassification.choices
    )
    personal_data_allowed = models.BooleanField(_("personal data allowed"), default=False)
    dpa_signed = models.BooleanField(_("data-processing agreement signed"), default=False)
    trains_on_inputs = models.BooleanField(_("vendor trains on inputs"), default=False)
    usage_guidelines = models.TextField(_("usage guidelines"), blank=True)
    contact = models.CharField(_("contact"), max_length=200, blank=True)
    is_demo = models.BooleanField(_("demo data"), default=False)
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    created_at = models.DateTimeField(_("created"), default=clock.now, editable=False)
    updated_at = models.DateTimeField(_("updated"), default=clock.now, editable=False)

    class Meta:
        verbose_name = _("tool")
        verbose_name_plural = _("tools")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def audit_snapshot(self) -> dict[str, object]:
        """The fields recorded in audit events."""
        return {
            "name": self.name,
            "vendor": self.vendor,
            "kind": self.kind,
            "hosting_region": self.hosting_region,
            "status": self.status,
            "max_classification": self.max_classification,
            "personal_data_allowed": self.personal_data_allowed,
            "dpa_signed": self.dpa_signed,
            "trains_on_inputs": self.trains_on_inputs,
            "usage_guidelines": self.usage_guidelines,
            "contact": self.contact,
        }

    #: The fields the guardrail rules read (the evaluation contract's ``tools`` entry).
    GUARDRAIL_FIELDS = (
        "name",
        "status",
        "hosting_region",
        "max_classification",
        "personal_data_allowed",
        "dpa_signed",
        "trains_on_inputs",
    )

    def guardrail_facts(self) -> dict[str, object]:
        """The tool as the guardrail rules read it (the evaluation contract's ``tools`` entry)."""
        return {field: getattr(self, field) for field in self.GUARDRAIL_FIELDS}


class ToolRequestStatus(models.TextChoices):
    """Where a request for a new tool stands."""

    OPEN = "open", _("Open")
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Rejected")


class ToolRequest(models.Model):
    """An employee asks for a tool that is not in the catalogue; AI governance decides."""

    name = models.CharField(_("tool"), max_length=200)
    vendor = models.CharField(_("vendor"), max_length=200, blank=True)
    url = models.URLField(_("web address"), blank=True)
    reason = models.TextField(_("reason"))
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("requested by"), on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        _("status"), max_length=20, choices=ToolRequestStatus.choices, default=ToolRequestStatus.OPEN, db_index=True
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    decision_comment = models.TextField(_("comment"), blank=True)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    tool = models.ForeignKey(
        Tool, verbose_name=_("catalogue entry"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("requested"), default=clock.now, editable=False)

    class Meta:
        verbose_name = _("tool request")
        verbose_name_plural = _("tool requests")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.name

    def audit_snapshot(self) -> dict[str, object]:
        """The fields recorded in audit events."""
        return {
            "name": self.name,
            "vendor": self.vendor,
            "url": self.url,
            "reason": self.reason,
            "status": self.status,
            "decision_comment": self.decision_comment,
            "tool": self.tool.name if self.tool_id and self.tool else None,
        }
