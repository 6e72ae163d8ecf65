"""Impact: the strategic objectives leadership sets, the KPIs of each use case and their measurements.

An objective is scoped to the whole company or to one unit and everything below it; use cases name
the objectives they serve (the link is kept here, not on the use case). A KPI belongs to one use case
and is maintained by its owning unit; measurements record its value over time.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from leitplanke.common import clock

CENT = Decimal("0.01")


def _iso(value: object) -> object:
    return value.isoformat() if value is not None and hasattr(value, "isoformat") else value


def _number(value: Decimal | None) -> str | None:
    return str(Decimal(value).quantize(CENT)) if value is not None else None


class ObjectiveStatus(models.TextChoices):
    """Whether an objective is still pursued."""

    ACTIVE = "active", _("Active")
    ACHIEVED = "achieved", _("Achieved")
    DROPPED = "dropped", _("Dropped")


class Objective(models.Model):
    """A strategic objective set by leadership: what the company (or a unit) wants AI to achieve."""

    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("owner"), on_delete=models.PROTECT, related_name="owned_objectives"
    )
    unit = models.ForeignKey(
        "org.OrgUnit",
        verbose_name=_("applies to"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="objectives",
        help_text=_("The unit the objective is set for, with its sub-units. Leave empty for the whole company."),
    )
    metric = models.CharField(
        _("metric"), max_length=200, help_text=_("What is measured, for example “processing time per invoice”.")
    )
    metric_unit = models.CharField(
        _("unit of measure"), max_length=40, blank=True, help_text=_("For example “days”, “%” or “EUR”.")
    )
    baseline = models.DecimalField(_("baseline"), max_digits=14, decimal_places=2, null=True, blank=True)
    target_value = models.DecimalField(_("target value"), max_digits=14, decimal_places=2)
    target_date = models.DateField(_("target date"))
    status = models.CharField(
        _("status"), max_length=20, choices=ObjectiveStatus.choices, default=ObjectiveStatus.ACTIVE
    )
    usecases = models.ManyToManyField(
        "usecases.UseCase", verbose_name=_("use cases"), blank=True, related_name="objectives"
    )
    is_demo = models.BooleanField(_("demo data"), default=False)
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    created_at = models.DateTimeField(_("created"), default=clock.now, editable=False)
    updated_at = models.DateTimeField(_("updated"), default=clock.now, editable=False)

    class Meta:
        verbose_name = _("objective")
        verbose_name_plural = _("objectives")
        ordering = ["target_date", "title", "id"]

    def __str__(self) -> str:
        return self.title

    def audit_snapshot(self) -> dict[str, object]:
        """The fields recorded in audit events."""
        return {
            "title": self.title,
            "description": self.description,
            "owner": self.owner.username if self.owner_id else None,
            "unit": self.unit.code if self.unit_id and self.unit else None,
            "metric": self.metric,
            "metric_unit": self.metric_unit,
            "baseline": _number(self.baseline),
            "target_value": _number(self.target_value),
            "target_date": _iso(self.target_date),
            "status": self.status,
        }


class KpiKind(models.TextChoices):
    """What a KPI counts; hours and euros add up to the value of the portfolio."""

    HOURS_SAVED_PER_MONTH = "hours_saved_per_month", _("Hours saved per month")
    COST_EUR_PER_YEAR = "cost_eur_per_year", _("Cost saved in euros per year")
    QUALITY_PERCENT = "quality_percent", _("Quality in percent")
    ACTIVE_USERS = "active_users", _("Active users")
    CUSTOM = "custom", _("Other (own unit)")


#: The unit of measure of each kind (custom KPIs name their own).
KIND_UNITS: dict[str, str] = {
    KpiKind.HOURS_SAVED_PER_MONTH: "h",
    KpiKind.COST_EUR_PER_YEAR: "EUR",
    KpiKind.QUALITY_PERCENT: "%",
    KpiKind.ACTIVE_USERS: "",
}


class BetterWhen(models.TextChoices):
    """Which direction of the value is an improvement."""

    HIGHER = "higher", _("Higher is better")
    LOWER = "lower", _("Lower is better")


class Kpi(models.Model):
    """A key figure of one use case that its owning unit measures over time."""

    usecase = models.ForeignKey(
        "usecases.UseCase", verbose_name=_("use case"), on_delete=models.CASCADE, related_name="kpis"
    )
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=30, choices=KpiKind.choices)
    custom_unit = models.CharField(
        _("unit of measure"), max_length=40, blank=True, help_text=_("Only for the kind “other”, e.g. “tickets”.")
    )
    better_when = models.CharField(
        _("better when"), max_length=10, choices=BetterWhen.choices, default=BetterWhen.HIGHER
    )
    baseline = models.DecimalField(
        _("baseline"), max_digits=14, decimal_places=2, help_text=_("The value before the use case.")
    )
    target = models.DecimalField(_("target"), max_digits=14, decimal_places=2, null=True, blank=True)
    target_date = models.DateField(_("target date"), null=True, blank=True)
    is_demo = models.BooleanField(_("demo data"), default=False)
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    created_at = models.DateTimeField(_("created"), default=clock.now, editable=False)
    updated_at = models.DateTimeField(_("updated"), default=clock.now, editable=False)

    class Meta:
        verbose_name = _("KPI")
        verbose_name_plural = _("KPIs")
        ordering = ["usecase_id", "name", "id"]
        constraints = [models.UniqueConstraint(fields=["usecase", "name"], name="impact_kpi_name_per_usecase")]

    def __str__(self) -> str:
        return self.name

    @property
    def measure_unit(self) -> str:
        """The unit values of this KPI are given in."""
        return self.custom_unit if self.kind == KpiKind.CUSTOM else KIND_UNITS.get(self.kind, "")

    def audit_snapshot(self) -> dict[str, object]:
        """The fields recorded in audit events."""
        return {
            "usecase": self.usecase_id,
            "name": self.name,
            "kind": self.kind,
            "custom_unit": self.custom_unit,
            "better_when": self.better_when,
            "baseline": _number(self.baseline),
            "target": _number(self.target),
            "target_date": _iso(self.target_date),
        }


class Measurement(models.Model):
    """The value a KPI had on a day, recorded by someone."""

    kpi = models.ForeignKey(Kpi, verbose_name=_("KPI"), on_delete=models.CASCADE, related_name="measurements")
    measured_on = models.DateField(_("measured on"))
    value = models.DecimalField(_("value"), max_digits=14, decimal_places=2)
    note = models.CharField(_("note"), max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("recorded"), default=clock.now, editable=False)

    class Meta:
        verbose_name = _("measurement")
        verbose_name_plural = _("measurements")
        ordering = ["-measured_on", "-id"]
        constraints = [models.UniqueConstraint(fields=["kpi", "measured_on"], name="impact_measurement_once_per_day")]
        indexes = [models.Index(fields=["kpi", "-measured_on"], name="impact_measurement_latest")]

    def __str__(self) -> str:
        return f"{self.kpi} {self.measured_on}: {self.value}"

    def audit_snapshot(self) -> dict[str, object]:
        """The fields recorded in audit events."""
        return {
            "kpi": self.kpi.name if self.kpi_id else None,
            "measured_on": _iso(self.measured_on),
            "value": _number(self.value),
            "note": self.note,
        }
