"""The demo company's direction and benefit: four strategic objectives, KPIs with a year of measurements.

The managing director (leadership, company-wide) sets four objectives on the day the company began
to use Leitplanke (:func:`objectives_load`, under the command's frozen clock); one of them no use
case serves yet, the gap the portfolio shows. KPIs belong to use cases in pilot and production:
:func:`steps` hands the story of ``decisions.demo`` one step per KPI and month, so that each owner
defines the KPI (and names the objectives the use case serves) a few days after registering it,
enters the values of the months before from the team's own records, and then records each month's
value at the end of that month, all under ``clock.frozen_at``. The curves come from a fixed seed:
some reach their target, some lag behind, and one KPI has not been measured for more than four
months (stale).

:func:`load` adds, now, what the story could not (a company whose use cases existed before this
part of the demo did); on a complete demo it adds nothing, so ``leitplanke demo`` stays idempotent.
"""

from __future__ import annotations

import datetime as dt
import functools
import random
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.utils import timezone

from leitplanke.common import clock
from leitplanke.org.models import OrgUnit
from leitplanke.usecases.models import UseCase

from . import services
from .models import Kpi, Measurement, Objective

#: Who sets the objectives: the managing director, leadership for the whole company (org.demo).
SETTER = "katharina.vogel"
#: Months of measurements of each KPI (month ends before today, the latest last month).
MONTHS = 12
#: The stale KPI's measurements stop this many months before the latest month end.
STALE_GAP = 4
#: Days after its registration on which a use case's owner defines its KPIs.
DEFINED_AFTER_DAYS = 3


@dataclass(frozen=True)
class DemoObjective:
    """A strategic objective of the demo company (``unit``: a unit code, ``None`` the whole company)."""

    title: str
    description: str
    unit: str | None
    metric: str
    metric_unit: str
    baseline: str
    target: str
    target_date: dt.date


OBJECTIVES = (
    DemoObjective(
        "Durchlaufzeit im Backoffice bis Ende 2027 halbieren",
        "Rechnungen, Zahlungen und Service-Tickets sollen im Schnitt halb so lange liegen wie heute.",
        None,
        "Durchlaufzeit je Vorgang",
        "Tage",
        "6",
        "3",
        dt.date(2027, 12, 31),
    ),
    DemoObjective(
        "Erstlösungsquote im Kundenservice +15 %",
        "Mehr Anliegen sollen beim ersten Kontakt gelöst werden, am Telefon, im Chat und per E-Mail.",
        "ks",
        "Erstlösungsquote",
        "%",
        "62",
        "77",
        dt.date(2027, 6, 30),
    ),
    DemoObjective(
        "Entwicklungszeit pro Feature −20 %",
        "Von der Anforderung bis zur Auslieferung soll ein Feature ein Fünftel weniger Zeit brauchen.",
        "dev",
        "Entwicklungszeit je Feature",
        "Tage",
        "15",
        "12",
        dt.date(2027, 12, 31),
    ),
    DemoObjective(
        "90 % der Führungskräfte mit KI-Grundschulung",
        "Wer führt, kennt die Chancen und Grenzen von KI und die Regeln der KI-Verordnung.",
        None,
        "Anteil geschulter Führungskräfte",
        "%",
        "40",
        "90",
        dt.date(2027, 3, 31),
    ),
)


@dataclass(frozen=True)
class DemoKpi:
    """A KPI of a demo use case and how its measurements go (``on_track``, ``behind`` or ``stale``)."""

    name: str
    kind: str
    baseline: str
    target: str
    course: str
    better_when: str = "higher"
    custom_unit: str = ""


@dataclass(frozen=True)
class DemoImpact:
    """The objectives a demo use case serves and its KPIs (by the use case's title)."""

    usecase: str
    objectives: tuple[str, ...]
    kpis: tuple[DemoKpi, ...]


HOURS, EUROS, QUALITY, USERS = "hours_saved_per_month", "cost_eur_per_year", "quality_percent", "active_users"
BACKOFFICE, SERVICE, DEVELOPMENT = (objective.title for objective in OBJECTIVES[:3])

IMPACTS = (
    DemoImpact(
        "Eingangsrechnungen automatisch klassifizieren",
        (BACKOFFICE,),
        (
            DemoKpi("Eingesparte Stunden pro Monat", HOURS, "0", "120", "on_track"),
            DemoKpi("Durchlaufzeit je Rechnung", "custom", "6", "3", "on_track", "lower", "Tage"),
        ),
    ),
    DemoImpact(
        "Zahlungsavise automatisch zuordnen",
        (BACKOFFICE,),
        (DemoKpi("Eingesparte Stunden pro Monat", HOURS, "0", "40", "behind"),),
    ),
    DemoImpact(
        "Mahnschreiben verständlich formulieren",
        (BACKOFFICE,),
        (DemoKpi("Eingesparte Stunden pro Monat", HOURS, "0", "10", "on_track"),),
    ),
    DemoImpact(
        "Ticket-Klassifizierung im Service Desk",
        (BACKOFFICE,),
        (DemoKpi("Eingesparte Stunden pro Monat", HOURS, "0", "90", "on_track"),),
    ),
    DemoImpact(
        "Kunden-Chatbot auf der Website",
        (SERVICE,),
        (
            DemoKpi("Erstlösungsquote im Chat", QUALITY, "62", "77", "behind"),
            DemoKpi("Eingesparte Kosten pro Jahr", EUROS, "0", "180000", "on_track"),
        ),
    ),
    DemoImpact(
        "Beschwerden kategorisieren und priorisieren",
        (SERVICE,),
        (DemoKpi("Eingesparte Stunden pro Monat", HOURS, "0", "45", "stale"),),
    ),
    DemoImpact(
        "Code-Assistenz in der Entwicklungsumgebung",
        (DEVELOPMENT,),
        (
            DemoKpi("Eingesparte Stunden pro Monat", HOURS, "0", "300", "on_track"),
            DemoKpi("Entwicklungszeit je Feature", "custom", "15", "12", "on_track", "lower", "Tage"),
        ),
    ),
    DemoImpact(
        "Automatische Code-Reviews für Pull Requests",
        (DEVELOPMENT,),
        (DemoKpi("Aktive Nutzende", USERS, "0", "60", "behind"),),
    ),
    DemoImpact(
        "Angebotsentwürfe aus Kundenanfragen",
        (),
        (DemoKpi("Eingesparte Kosten pro Jahr", EUROS, "0", "120000", "behind"),),
    ),
    DemoImpact(
        "Kampagnentexte für Social Media",
        (),
        (DemoKpi("Eingesparte Stunden pro Monat", HOURS, "0", "60", "on_track"),),
    ),
    DemoImpact(
        "Churn-Prognose für Key Accounts",
        (),
        (DemoKpi("Eingesparte Kosten pro Jahr", EUROS, "0", "250000", "on_track"),),
    ),
    DemoImpact(
        "Interner KI-Assistent für Richtlinien und Prozesse",
        (),
        (DemoKpi("Aktive Nutzende", USERS, "0", "800", "on_track"),),
    ),
)

#: The share of the way from baseline to target each course reaches by the latest month.
REACHED = {"on_track": 0.95, "behind": 0.3, "stale": 0.7}


def month_ends(today: dt.date) -> list[dt.date]:
    """The last ``MONTHS`` month ends before ``today``, oldest first."""
    ends: list[dt.date] = []
    day = today.replace(day=1) - dt.timedelta(days=1)
    while len(ends) < MONTHS:
        ends.append(day)
        day = day.replace(day=1) - dt.timedelta(days=1)
    return ends[::-1]


def values(impact: DemoImpact, kpi: DemoKpi, today: dt.date) -> list[tuple[dt.date, Decimal]]:
    """The measurements of a demo KPI: month end and value, from a fixed seed (the same on every demo)."""
    rng = random.Random(f"{impact.usecase}/{kpi.name}")  # noqa: S311 - demo data, not a secret
    baseline, target = Decimal(kpi.baseline), Decimal(kpi.target)
    ends = month_ends(today)
    if kpi.course == "stale":
        ends = ends[: MONTHS - STALE_GAP]
    rows = []
    for n, day in enumerate(ends, start=1):
        share = REACHED[kpi.course] * (n / MONTHS) ** 0.8 + rng.uniform(-0.03, 0.03)
        value = baseline + (target - baseline) * Decimal(str(round(max(share, 0.0), 3)))
        rows.append((day, value.quantize(Decimal("1") if abs(target - baseline) >= 100 else Decimal("0.1"))))
    return rows


def _person(username: str) -> Any:
    return get_user_model().objects.filter(username=username, is_active=True).first()


def objectives_load() -> dict[str, int]:
    """Set the demo objectives that are missing (by title), by the managing director; returns how many."""
    setter = _person(SETTER)
    if setter is None:
        return {"objectives": 0}
    units = {unit.code: unit for unit in OrgUnit.objects.filter(code__in=[o.unit for o in OBJECTIVES if o.unit])}
    existing = set(Objective.objects.filter(title__in=[o.title for o in OBJECTIVES]).values_list("title", flat=True))
    added = 0
    for spec in OBJECTIVES:
        if spec.title in existing or (spec.unit is not None and spec.unit not in units):
            continue
        services.objective_create(
            actor=setter,
            title=spec.title,
            description=spec.description,
            owner=setter,
            unit=units.get(spec.unit) if spec.unit else None,
            metric=spec.metric,
            metric_unit=spec.metric_unit,
            baseline=Decimal(spec.baseline),
            target_value=Decimal(spec.target),
            target_date=spec.target_date,
            is_demo=True,
        )
        added += 1
    return {"objectives": added}


def _usecase(title: str) -> UseCase | None:
    return UseCase.objects.filter(title=title).select_related("unit", "owner").first()


def _define(impact: DemoImpact, today: dt.date) -> tuple[UseCase, dict[str, Kpi]] | None:
    """Name the objectives the use case serves and define its missing KPIs, recording the months up
    to today (the values kept before); returns the use case and its KPIs by name."""
    usecase = _usecase(impact.usecase)
    if usecase is None or not usecase.owner.is_active:
        return None
    owner = usecase.owner
    if impact.objectives and not usecase.objectives.exists():
        served = list(Objective.objects.filter(title__in=impact.objectives))
        services.usecase_objectives_set(actor=owner, usecase=usecase, objectives=served)
    kpis = {kpi.name: kpi for kpi in usecase.kpis.all()}
    for spec in impact.kpis:
        if spec.name in kpis:
            continue
        kpi = services.kpi_create(
            actor=owner,
            usecase=usecase,
            name=spec.name,
            kind=spec.kind,
            custom_unit=spec.custom_unit,
            better_when=spec.better_when,
            baseline=Decimal(spec.baseline),
            target=Decimal(spec.target),
            target_date=dt.date(clock.localdate().year + 1, 12, 31),
            is_demo=True,
        )
        kpis[spec.name] = kpi
        for day, value in values(impact, spec, today):
            if day <= clock.localdate():
                _record(owner, kpi, day, value, note="Aus der Teamauswertung nachgetragen.")
    return usecase, kpis


def _define_step(impact: DemoImpact, today: dt.date) -> None:
    _define(impact, today)


def _record(owner: Any, kpi: Kpi, day: dt.date, value: Decimal, note: str = "") -> None:
    if not Measurement.objects.filter(kpi=kpi, measured_on=day).exists():
        services.measurement_record(actor=owner, kpi=kpi, measured_on=day, value=value, note=note)


def _month(impact: DemoImpact, spec: DemoKpi, day: dt.date, value: Decimal) -> None:
    usecase = _usecase(impact.usecase)
    kpi = Kpi.objects.filter(usecase=usecase, name=spec.name).first() if usecase else None
    if usecase is not None and kpi is not None:
        _record(usecase.owner, kpi, day, value, note="Monatsauswertung")


def steps(registered: dict[str, dt.datetime], today: dt.date) -> list[tuple[dt.datetime, Callable[[], None]]]:
    """The impact part of the demo's story: for each use case registered at ``registered[title]``, its
    KPIs defined a few days later and each later month's value recorded at the end of that month."""
    zone = timezone.get_current_timezone()
    now = timezone.now()
    planned: list[tuple[dt.datetime, Callable[[], None]]] = []
    for impact in IMPACTS:
        created = registered.get(impact.usecase)
        if created is None:
            continue
        day = min(timezone.localdate(created) + dt.timedelta(days=DEFINED_AFTER_DAYS), today)
        defined = max(dt.datetime.combine(day, dt.time(9, 15), tzinfo=zone), created + dt.timedelta(minutes=5))
        if defined >= now:
            continue  # registered only just now: load() defines them
        planned.append((defined, functools.partial(_define_step, impact, today)))
        for spec in impact.kpis:
            for end, value in values(impact, spec, today):
                moment = dt.datetime.combine(end, dt.time(16, 30), tzinfo=zone)
                if defined < moment < now:
                    planned.append((moment, functools.partial(_month, impact, spec, end, value)))
    return planned


def totals() -> dict[str, int]:
    """How many demo objectives, KPIs and measurements there are (the command reports what it added)."""
    return {
        "objectives": Objective.objects.filter(is_demo=True).count(),
        "kpis": Kpi.objects.filter(is_demo=True).count(),
        "measurements": Measurement.objects.filter(kpi__is_demo=True).count(),
    }


def load(today: dt.date | None = None) -> dict[str, int]:
    """Add, now, the demo objectives, KPIs and measurements that are missing; returns how many KPIs and
    measurements it added (nothing on a demo that has them all)."""
    today = today or clock.localdate()
    counts = objectives_load()
    kpis_before, measurements_before = Kpi.objects.count(), Measurement.objects.count()
    for impact in IMPACTS:
        found = _define(impact, today)
        if found is None:
            continue
        usecase, kpis = found
        for spec in impact.kpis:
            for day, value in values(impact, spec, today):
                _record(usecase.owner, kpis[spec.name], day, value)
    counts["kpis"] = Kpi.objects.count() - kpis_before
    counts["measurements"] = Measurement.objects.count() - measurements_before
    return counts
