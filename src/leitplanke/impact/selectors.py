"""Reads of objectives, KPIs and measurements that depend on who asks, and the benefit they show.

Objectives are the company's direction: every signed-in person reads them. Leadership sets them:
company-wide leadership any objective, leadership of a unit those scoped to that unit or below it.
KPIs and measurements are read by whoever reads their use case and maintained by those who may
change it (the owning unit, the owner, the contributors).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import Max, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from leitplanke.org.models import OrgUnit, Role
from leitplanke.org.selectors import has_any_role, has_role
from leitplanke.usecases.models import Stage, UseCase
from leitplanke.usecases.selectors import can_edit

from .models import BetterWhen, Kpi, KpiKind, Measurement, Objective

MONTHS_PER_YEAR = 12


def _signed_in(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False) and getattr(user, "is_active", False))


def objectives_visible_to(user: Any) -> QuerySet[Objective]:
    """Every objective for every signed-in person: they are the direction, not a secret."""
    if not _signed_in(user):
        return Objective.objects.none()
    return Objective.objects.select_related("owner", "unit")


def sets_objectives(user: Any) -> bool:
    """Whether ``user`` holds the leadership role anywhere (company-wide or for a unit)."""
    return _signed_in(user) and has_any_role(user, Role.LEADERSHIP)


def can_manage_objective(user: Any, objective: Objective | None) -> bool:
    """Company-wide leadership manages every objective; leadership of a unit those scoped to it or below.

    Without an objective: whether ``user`` may set any objective at all.
    """
    if not _signed_in(user):
        return False
    if objective is None:
        return sets_objectives(user)
    if objective.unit_id is None:
        return has_role(user, Role.LEADERSHIP)
    return has_role(user, Role.LEADERSHIP, objective.unit)


def scopes_for(user: Any) -> QuerySet[OrgUnit]:
    """The units ``user`` may scope an objective to (every unit for company-wide leadership)."""
    if not _signed_in(user):
        return OrgUnit.objects.none()
    if has_role(user, Role.LEADERSHIP):
        return OrgUnit.objects.all()
    paths = [
        unit.path
        for unit in OrgUnit.objects.filter(role_assignments__person=user, role_assignments__role=Role.LEADERSHIP)
    ]
    if not paths:
        return OrgUnit.objects.none()
    condition = Q()
    for path in paths:
        condition |= Q(path__startswith=path)
    return OrgUnit.objects.filter(condition)


def covers(objective: Objective, usecase: UseCase) -> bool:
    """Whether the objective's scope (the company, or a unit and its sub-units) includes the use case's unit."""
    scope = objective.unit if objective.unit_id else None
    return scope is None or usecase.unit.path.startswith(scope.path)


def objectives_for(usecase: UseCase) -> QuerySet[Objective]:
    """The objectives whose scope covers the use case's unit: those it may serve."""
    ancestors = usecase.unit.ancestor_ids()
    return Objective.objects.filter(Q(unit__isnull=True) | Q(unit_id__in=ancestors)).select_related("unit")


def objectives_without_usecases() -> QuerySet[Objective]:
    """Active objectives no use case serves yet: the gaps."""
    return Objective.objects.filter(status="active", usecases__isnull=True)


def can_manage_kpis(user: Any, usecase: UseCase | None) -> bool:
    """Who may change the use case (the owning unit, the owner, the contributors) maintains its KPIs."""
    return usecase is not None and _signed_in(user) and can_edit(user, usecase)


def kpis_visible_to(user: Any) -> QuerySet[Kpi]:
    """The KPIs of the use cases ``user`` reads."""
    return Kpi.objects.filter(usecase__in=UseCase.objects.visible_to(user).values("pk"))


def measurements_visible_to(user: Any) -> QuerySet[Measurement]:
    """The measurements of the KPIs ``user`` reads."""
    return Measurement.objects.filter(kpi__usecase__in=UseCase.objects.visible_to(user).values("pk"))


def hourly_rate() -> Decimal:
    """The company's hourly rate in euros (``LEITPLANKE_HOURLY_RATE_EUR``)."""
    return Decimal(settings.LEITPLANKE_HOURLY_RATE_EUR)


@dataclass(frozen=True)
class Benefit:
    """What a KPI shows: its latest measurement against the baseline and the target."""

    kpi: Kpi
    latest: Measurement | None
    #: The improvement over the baseline in the KPI's unit (positive: better), ``None`` unmeasured.
    improvement: Decimal | None
    #: The share of the way from baseline to target reached, in percent (``None`` without a target).
    progress_percent: Decimal | None
    hours_per_month: Decimal | None
    eur_per_year: Decimal | None

    @property
    def on_track(self) -> bool | None:
        """Whether the target is reached or, before the target date, the KPI moves the right way."""
        if self.progress_percent is None:
            return None
        return self.progress_percent >= 100 or (self.improvement is not None and self.improvement > 0)


def improvement(kpi: Kpi, value: Decimal) -> Decimal:
    """How much better ``value`` is than the KPI's baseline (negative: worse)."""
    delta = value - kpi.baseline
    return delta if kpi.better_when == BetterWhen.HIGHER else -delta


def benefit(kpi: Kpi, latest: Measurement | None, *, rate: Decimal | None = None) -> Benefit:
    """The realised benefit of ``kpi`` given its latest measurement; hours become euros by the hourly rate."""
    if latest is None:
        return Benefit(kpi, None, None, None, None, None)
    gained = improvement(kpi, latest.value)
    progress = None
    if kpi.target is not None and kpi.target != kpi.baseline:
        progress = ((latest.value - kpi.baseline) / (kpi.target - kpi.baseline) * 100).quantize(Decimal("0.1"))
    hours = eur = None
    if kpi.kind == KpiKind.HOURS_SAVED_PER_MONTH:
        hours = gained
        eur = (gained * (rate if rate is not None else hourly_rate()) * MONTHS_PER_YEAR).quantize(Decimal("0.01"))
    elif kpi.kind == KpiKind.COST_EUR_PER_YEAR:
        eur = gained
    return Benefit(kpi, latest, gained, progress, hours, eur)


def latest_measurements(kpis: list[Kpi]) -> dict[int, Measurement]:
    """The latest measurement of each KPI, by KPI id (one query)."""
    if not kpis:
        return {}
    newest = Measurement.objects.filter(kpi=OuterRef("kpi")).order_by("-measured_on", "-id").values("pk")[:1]
    rows = Measurement.objects.filter(kpi__in=[k.pk for k in kpis], pk=Subquery(newest))
    return {m.kpi_id: m for m in rows}


def benefits_of(usecase: UseCase) -> list[Benefit]:
    """Each KPI of the use case with its latest measurement and realised benefit."""
    kpis = list(usecase.kpis.all())
    latest = latest_measurements(kpis)
    rate = hourly_rate()
    return [benefit(kpi, latest.get(kpi.pk), rate=rate) for kpi in kpis]


def stale_kpis(*, today: dt.date | None = None) -> QuerySet[Kpi]:
    """KPIs of use cases in production without a measurement for ``LEITPLANKE_MEASUREMENT_STALE_DAYS``.

    A KPI never measured is stale once it is that old itself.
    """
    day = today or timezone.localdate()
    cutoff = day - dt.timedelta(days=settings.LEITPLANKE_MEASUREMENT_STALE_DAYS)
    return (
        Kpi.objects.filter(usecase__stage=Stage.PRODUCTION)
        .annotate(last_measured=Max("measurements__measured_on"))
        .filter(Q(last_measured__lt=cutoff) | Q(last_measured__isnull=True, created_at__date__lt=cutoff))
        .select_related("usecase", "usecase__unit", "usecase__owner")
    )
