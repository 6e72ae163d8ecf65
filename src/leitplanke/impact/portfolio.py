"""The portfolio's figures: what AI delivers across the company (or a unit's subtree) in a period.

One function per section, each for a :class:`Scope` (who looks, which subtree, which period) and
each giving the figures of the period next to those of the previous period of the same length.

Definitions (the page shows them as well):

* *in the scope*: use cases whose owning unit is the chosen unit or below it (the whole company
  without a unit);
* *funnel*: the use cases registered in the period, each at the furthest step it reached by now —
  idea (a draft), submitted (on its way or rejected), approved (not yet in pilot), pilot,
  production, retired; a step's count holds every use case that reached it or a later one, and its
  conversion is that count against the step before;
* *value*: the use cases registered up to the period's end and not retired. Expected: what the
  Steckbrief asks (hours saved per month, euros per year); realised: the KPIs of kind "hours saved
  per month" and "cost saved in euros per year", their latest measurement up to the period's end
  against the baseline. Euros per year include the hours at the company's hourly rate
  (``LEITPLANKE_HOURLY_RATE_EUR``) times twelve, expected and realised alike;
* *departments*: the units right below the chosen unit (below the company without one); use cases
  of the chosen unit itself form a row of their own;
* *objectives*: those whose scope covers or lies within the chosen unit, with the use cases in the
  scope that serve them; progress is the mean progress towards target of their KPIs that have a
  target and a measurement up to the period's end; a gap is an active objective no use case serves;
* *risk classes*: the current verdict of the use cases registered up to the period's end;
* *AI-literacy coverage*: the share of the active members of a department who hold the course the
  rules require of approving team leads, on the period's last day; no figure for a group smaller
  than :data:`MIN_GROUP` people (no tool to watch individuals).

Titles of use cases appear only for those who may see them: leadership, AI governance and auditors
(company-wide) for the whole company, a unit's lead and deputy for their subtree, and only among the
use cases they may read (``UseCase.objects.visible_to``). Everybody else sees the same figures without
titles; confidential use cases always count in the totals.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from leitplanke.decisions.metrics import Bottlenecks, can_read_metrics
from leitplanke.decisions.metrics import bottlenecks as decision_bottlenecks
from leitplanke.decisions.selectors import required_qualification
from leitplanke.guardrails.models import RiskClass
from leitplanke.literacy.models import Completion, Course
from leitplanke.literacy.selectors import valid_on
from leitplanke.org.models import Membership, OrgUnit, Role
from leitplanke.org.selectors import has_role
from leitplanke.usecases.models import Stage, Status, UseCase

from .models import Kpi, KpiKind, Measurement, Objective, ObjectiveStatus
from .selectors import MONTHS_PER_YEAR, benefit, hourly_rate

#: No literacy figure for a group smaller than this (BetrVG §87(1) Nr. 6).
MIN_GROUP = 5
#: The default period: the last year up to today.
DEFAULT_DAYS = 365
ZERO = Decimal("0")

#: The funnel's steps in order, with their labels.
FUNNEL_STEPS: tuple[tuple[str, Promise], ...] = (
    ("idea", _("Idea")),
    ("submitted", _("Submitted")),
    ("approved", _("Approved")),
    ("pilot", _("Pilot")),
    ("production", _("Production")),
    ("retired", _("Retired")),
)
_APPROVED = (Status.APPROVED, Status.EXPIRED)
_VALUE_KINDS = (KpiKind.HOURS_SAVED_PER_MONTH, KpiKind.COST_EUR_PER_YEAR)


# --- who looks, where, when -------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """From ``start`` to ``end``, both days included."""

    start: dt.date
    end: dt.date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def previous(self) -> Period:
        """The period of the same length right before this one."""
        end = self.start - dt.timedelta(days=1)
        return Period(end - dt.timedelta(days=self.days - 1), end)

    @classmethod
    def ending(cls, end: dt.date | None = None, days: int = DEFAULT_DAYS) -> Period:
        last = end or timezone.localdate()
        return cls(last - dt.timedelta(days=days - 1), last)


@dataclass(frozen=True)
class Scope:
    """Who looks at the portfolio (``None``: the system, for operators' exports), at which unit's
    subtree (``None``: the company), for which period."""

    viewer: Any
    unit: OrgUnit | None
    period: Period

    def usecases(self) -> QuerySet[UseCase]:
        """Every use case in the scope, confidential ones included (they count in the totals)."""
        found = UseCase.objects.all()
        return found.filter(unit__path__startswith=self.unit.path) if self.unit is not None else found

    def departments(self) -> list[OrgUnit]:
        """The units right below the chosen unit (the departments below the company without one)."""
        if self.unit is not None:
            return list(OrgUnit.objects.filter(parent=self.unit).order_by("name", "pk"))
        return list(OrgUnit.objects.filter(depth=1).order_by("name", "pk"))

    def department_of(self, path: str) -> int:
        """The id of the row a unit's ``path`` counts in: its department, or the chosen unit (or root) itself."""
        ids = [int(part) for part in path.strip("/").split("/") if part]
        level = (self.unit.depth + 1) if self.unit is not None else 1
        return ids[level] if len(ids) > level else ids[min(level, len(ids)) - 1]

    def titles(self) -> set[int]:
        """The ids of the use cases in the scope whose titles the viewer may read."""
        return titled_ids(self.viewer, self.usecases())


def sees_company(viewer: Any) -> bool:
    """Leadership, AI governance and auditors (company-wide) look at the whole company."""
    return any(has_role(viewer, role) for role in (Role.LEADERSHIP, Role.AI_GOVERNANCE, Role.AUDITOR))


def led_units(viewer: Any) -> list[OrgUnit]:
    """The units ``viewer`` leads or deputises, highest first."""
    if not getattr(viewer, "is_authenticated", False):
        return []
    return list(OrgUnit.objects.filter(Q(lead=viewer) | Q(deputy=viewer)).order_by("depth", "path"))


def default_unit(viewer: Any) -> OrgUnit | None:
    """Where the portfolio opens: the company for those who see it, a lead's own unit, else the company."""
    if sees_company(viewer):
        return None
    led = led_units(viewer)
    return led[0] if led else None


def titled_ids(viewer: Any, usecases: QuerySet[UseCase]) -> set[int]:
    """Which of ``usecases`` the viewer may see named: see the module's docstring."""
    if viewer is None:  # the system: operators' exports from the command line name every use case
        return set(usecases.values_list("pk", flat=True))
    if sees_company(viewer):
        readable = usecases
    else:
        paths = [unit.path for unit in led_units(viewer)]
        if not paths:
            return set()
        condition = Q()
        for path in paths:
            condition |= Q(unit__path__startswith=path)
        readable = usecases.filter(condition)
    return set(readable.filter(pk__in=UseCase.objects.visible_to(viewer).values("pk")).values_list("pk", flat=True))


def _registered_by(usecases: QuerySet[UseCase], day: dt.date) -> QuerySet[UseCase]:
    return usecases.filter(created_at__date__lte=day)


# --- objectives -------------------------------------------------------------------------------


@dataclass
class ObjectiveFigures:
    """One objective: its progress now and before, and the use cases in the scope that serve it."""

    objective: Objective
    progress_percent: Decimal | None
    previous_progress_percent: Decimal | None
    usecase_ids: list[int]
    #: (id, title) of the serving use cases the viewer may see named.
    named: list[tuple[int, str]]

    @property
    def hidden(self) -> int:
        return len(self.usecase_ids) - len(self.named)

    #: Whether any use case serves it (in the scope or not).
    objective_has_usecases: bool = True

    @property
    def is_gap(self) -> bool:
        """An active objective nobody works on."""
        return self.objective.status == ObjectiveStatus.ACTIVE and not self.objective_has_usecases


def _latest_up_to(kpis: Iterable[Kpi], day: dt.date) -> dict[int, Measurement]:
    ids = [kpi.pk for kpi in kpis]
    if not ids:
        return {}
    newest = (
        Measurement.objects.filter(kpi=OuterRef("kpi"), measured_on__lte=day)
        .order_by("-measured_on", "-id")
        .values("pk")
    )
    rows = Measurement.objects.filter(kpi__in=ids, pk=Subquery(newest[:1]))
    return {m.kpi_id: m for m in rows}


def _mean_progress(kpis: list[Kpi], latest: dict[int, Measurement]) -> Decimal | None:
    values = [
        progress
        for kpi in kpis
        if (progress := benefit(kpi, latest.get(kpi.pk), rate=ZERO).progress_percent) is not None
    ]
    return (sum(values, ZERO) / len(values)).quantize(Decimal("0.1")) if values else None


def objectives_in(scope: Scope) -> QuerySet[Objective]:
    """The objectives that concern the scope: company-wide ones, those of the chosen unit's ancestors or subtree."""
    found = Objective.objects.exclude(status=ObjectiveStatus.DROPPED).select_related("unit", "owner")
    if scope.unit is not None:
        found = found.filter(
            Q(unit__isnull=True) | Q(unit_id__in=scope.unit.ancestor_ids()) | Q(unit__path__startswith=scope.unit.path)
        )
    return found.order_by("target_date", "title", "pk")


def objectives(scope: Scope) -> list[ObjectiveFigures]:
    """Each objective with its progress (now and at the previous period's end) and its use cases."""
    found = list(objectives_in(scope))
    links = Objective.usecases.through.objects.filter(objective__in=[o.pk for o in found])
    linked_at_all = set(links.values_list("objective_id", flat=True).distinct())
    if scope.unit is not None:
        links = links.filter(usecase__unit__path__startswith=scope.unit.path)
    serving: dict[int, list[int]] = defaultdict(list)
    for objective_id, usecase_id in links.values_list("objective_id", "usecase_id"):
        serving[objective_id].append(usecase_id)
    every = {pk for ids in serving.values() for pk in ids}
    kpis_of: dict[int, list[Kpi]] = defaultdict(list)
    kpis = list(Kpi.objects.filter(usecase__in=every, target__isnull=False))
    for kpi in kpis:
        kpis_of[kpi.usecase_id].append(kpi)
    now = _latest_up_to(kpis, scope.period.end)
    before = _latest_up_to(kpis, scope.period.previous.end)
    titled = titled_ids(scope.viewer, scope.usecases().filter(pk__in=every))
    titles = dict(UseCase.objects.filter(pk__in=titled).values_list("pk", "title"))
    rows = []
    for objective in found:
        ids = sorted(serving.get(objective.pk, []))
        own = [kpi for pk in ids for kpi in kpis_of.get(pk, [])]
        rows.append(
            ObjectiveFigures(
                objective=objective,
                progress_percent=_mean_progress(own, now),
                previous_progress_percent=_mean_progress(own, before),
                usecase_ids=ids,
                named=[(pk, titles[pk]) for pk in ids if pk in titles],
                objective_has_usecases=objective.pk in linked_at_all,
            )
        )
    return rows


# --- funnel -----------------------------------------------------------------------------------


@dataclass
class FunnelStep:
    key: str
    label: Promise
    count: int
    previous: int
    #: This step's count against the step before, in percent (``None`` for the first step or after 0).
    conversion: float | None
    previous_conversion: float | None


def funnel_step_of(stage: str, status: str) -> str:
    """The furthest step of the funnel a use case reached, from its stage and status."""
    if stage in (Stage.PILOT, Stage.PRODUCTION, Stage.RETIRED):
        return str(stage)
    if status in _APPROVED:
        return "approved"
    if status == Status.DRAFT:
        return "idea"
    return "submitted"


def _funnel_counts(usecases: QuerySet[UseCase], period: Period) -> list[int]:
    reached = dict.fromkeys((key for key, _label in FUNNEL_STEPS), 0)
    for stage, status in usecases.filter(
        created_at__date__gte=period.start, created_at__date__lte=period.end
    ).values_list("stage", "status"):
        reached[funnel_step_of(stage, status)] += 1
    counts = [reached[key] for key, _label in FUNNEL_STEPS]
    return [sum(counts[index:]) for index in range(len(counts))]


def _conversions(counts: list[int]) -> list[float | None]:
    return [None] + [
        (100.0 * counts[index] / counts[index - 1]) if counts[index - 1] else None for index in range(1, len(counts))
    ]


def funnel(scope: Scope) -> list[FunnelStep]:
    """The use cases registered in the period by the furthest step they reached, with conversions."""
    now = _funnel_counts(scope.usecases(), scope.period)
    before = _funnel_counts(scope.usecases(), scope.period.previous)
    return [
        FunnelStep(key, label, count, previous, conversion, previous_conversion)
        for (key, label), count, previous, conversion, previous_conversion in zip(
            FUNNEL_STEPS, now, before, _conversions(now), _conversions(before), strict=True
        )
    ]


# --- value ------------------------------------------------------------------------------------


@dataclass
class Value:
    """Expected and realised benefit of some use cases."""

    usecases: int = 0
    measured: int = 0
    expected_hours_per_month: Decimal = ZERO
    expected_eur_per_year: Decimal = ZERO
    realised_hours_per_month: Decimal = ZERO
    realised_eur_per_year: Decimal = ZERO

    def add(self, expected: tuple[Decimal, Decimal], realised: tuple[Decimal, Decimal] | None) -> None:
        self.usecases += 1
        self.expected_hours_per_month += expected[0]
        self.expected_eur_per_year += expected[1]
        if realised is not None:
            self.measured += 1
            self.realised_hours_per_month += realised[0]
            self.realised_eur_per_year += realised[1]

    def as_dict(self) -> dict[str, Any]:
        return {
            "expected_hours_per_month": float(self.expected_hours_per_month),
            "realised_hours_per_month": float(self.realised_hours_per_month),
            "expected_eur_per_year": float(self.expected_eur_per_year.quantize(Decimal("0.01"))),
            "realised_eur_per_year": float(self.realised_eur_per_year.quantize(Decimal("0.01"))),
            "usecases": self.usecases,
            "measured": self.measured,
        }


@dataclass
class ValueRow:
    """A row of the value section: a department or an objective, now and at the previous period's end."""

    key: Any
    label: str
    now: Value
    previous: Value


@dataclass
class ValueFigures:
    total: Value
    previous: Value
    by_unit: list[ValueRow]
    by_objective: list[ValueRow]
    hourly_rate: Decimal


def _per_usecase(scope: Scope, day: dt.date, rate: Decimal) -> dict[int, tuple[str, tuple, tuple | None]]:
    """Per use case counted on ``day``: unit path, expected (hours, euros), realised (hours, euros) or ``None``."""
    rows = (
        _registered_by(scope.usecases(), day)
        .exclude(stage=Stage.RETIRED)
        .values_list("pk", "unit__path", "expected_hours_per_month", "expected_euros_per_year")
    )
    found: dict[int, tuple[str, tuple, tuple | None]] = {}
    for pk, path, hours, euros in rows:
        hours = hours or ZERO
        expected = (hours, (euros or ZERO) + hours * rate * MONTHS_PER_YEAR)
        found[pk] = (path, expected, None)
    kpis = list(Kpi.objects.filter(usecase__in=list(found), kind__in=_VALUE_KINDS))
    latest = _latest_up_to(kpis, day)
    realised: dict[int, list[Decimal]] = {}
    for kpi in kpis:
        gained = benefit(kpi, latest.get(kpi.pk), rate=rate)
        if gained.latest is None:
            continue
        sums = realised.setdefault(kpi.usecase_id, [ZERO, ZERO])
        sums[0] += gained.hours_per_month or ZERO
        sums[1] += gained.eur_per_year or ZERO
    for pk, (hours, euros) in realised.items():
        path, expected, _none = found[pk]
        found[pk] = (path, expected, (hours, euros))
    return found


def _sums(scope: Scope, rows: dict[int, tuple[str, tuple, tuple | None]]) -> tuple[Value, dict[int, Value]]:
    total = Value()
    per: dict[int, Value] = defaultdict(Value)
    for path, expected, realised in rows.values():
        total.add(expected, realised)
        per[scope.department_of(path)].add(expected, realised)
    return total, dict(per)


def _rows_units(scope: Scope, with_figures: set[int]) -> list[OrgUnit]:
    """The departments by name, then any other unit that has figures (the chosen unit or the root itself)."""
    departments = scope.departments()
    known = {unit.pk for unit in departments}
    others = OrgUnit.objects.filter(pk__in=with_figures - known).order_by("path")
    return [*departments, *others]


def value(scope: Scope, objective_rows: list[ObjectiveFigures] | None = None) -> ValueFigures:
    """Expected vs realised benefit in total, per department and per objective, now and before.

    ``objective_rows``: the scope's :func:`objectives`, if the caller has them already.
    """
    rate = hourly_rate()
    now = _per_usecase(scope, scope.period.end, rate)
    before = _per_usecase(scope, scope.period.previous.end, rate)
    total_now, per_now = _sums(scope, now)
    total_before, per_before = _sums(scope, before)
    by_unit = [
        ValueRow(unit, unit.name, per_now.get(unit.pk, Value()), per_before.get(unit.pk, Value()))
        for unit in _rows_units(scope, set(per_now) | set(per_before))
    ]
    by_objective = []
    for row in objectives(scope) if objective_rows is None else objective_rows:
        serving_now, serving_before = Value(), Value()
        for pk in row.usecase_ids:
            if pk in now:
                serving_now.add(now[pk][1], now[pk][2])
            if pk in before:
                serving_before.add(before[pk][1], before[pk][2])
        by_objective.append(ValueRow(row.objective, row.objective.title, serving_now, serving_before))
    return ValueFigures(total_now, total_before, by_unit, by_objective, rate)


# --- risk classes -----------------------------------------------------------------------------


@dataclass
class RiskRow:
    code: str
    label: str
    count: int
    previous: int


def _risk_counts(usecases: QuerySet[UseCase], day: dt.date) -> dict[str, int]:
    counts: dict[str, int] = defaultdict(int)
    for risk_class in _registered_by(usecases, day).values_list("verdict__risk_class", flat=True):
        counts[risk_class or ""] += 1
    return counts


def risk_classes(scope: Scope) -> list[RiskRow]:
    """The use cases registered up to the period's end by the risk class of their current verdict."""
    now = _risk_counts(scope.usecases(), scope.period.end)
    before = _risk_counts(scope.usecases(), scope.period.previous.end)
    rows = [RiskRow(str(code), str(label), now.get(code, 0), before.get(code, 0)) for code, label in RiskClass.choices]
    if now.get("") or before.get(""):
        rows.append(RiskRow("", str(_("No verdict yet")), now.get("", 0), before.get("", 0)))
    return rows


# --- where decisions wait ---------------------------------------------------------------------


def waiting(scope: Scope) -> Bottlenecks | None:
    """Where decisions wait (``decisions.metrics``, the whole company), for those who read those metrics."""
    return decision_bottlenecks() if scope.viewer is None or can_read_metrics(scope.viewer) else None


# --- AI literacy ------------------------------------------------------------------------------


@dataclass
class LiteracyRow:
    unit: OrgUnit
    people: int
    #: Percent of the group holding the course; ``None`` for a group smaller than MIN_GROUP.
    coverage_percent: float | None
    previous_coverage_percent: float | None


@dataclass
class LiteracyFigures:
    #: The code of the required course (``None``: the rules require none).
    course: str | None
    total: LiteracyRow | None
    by_unit: list[LiteracyRow] = field(default_factory=list)
    course_title: str = ""


def coverage(people: set[int], holders: set[int]) -> float | None:
    """The share of ``people`` among ``holders`` in percent, ``None`` for a group smaller than MIN_GROUP."""
    if len(people) < MIN_GROUP:
        return None
    return round(100.0 * len(people & holders) / len(people), 1)


def literacy(scope: Scope) -> LiteracyFigures:
    """The share of each department's active members who hold the required course, now and before."""
    course = required_qualification()
    if course is None:
        return LiteracyFigures(None, None)
    members = Membership.objects.filter(person__is_active=True)
    if scope.unit is not None:
        members = members.filter(unit__path__startswith=scope.unit.path)
    people: dict[int, set[int]] = defaultdict(set)
    everybody: set[int] = set()
    for person, path in members.values_list("person_id", "unit__path"):
        people[scope.department_of(path)].add(person)
        everybody.add(person)

    def holders(day: dt.date) -> set[int]:
        return set(
            Completion.objects.filter(valid_on(day), course__code=course, person__in=everybody).values_list(
                "person_id", flat=True
            )
        )

    now, before = holders(scope.period.end), holders(scope.period.previous.end)
    rows = [
        LiteracyRow(
            unit,
            len(people.get(unit.pk, set())),
            coverage(people.get(unit.pk, set()), now),
            coverage(people.get(unit.pk, set()), before),
        )
        for unit in _rows_units(scope, set(people))
    ]
    total_unit = scope.unit or OrgUnit.objects.filter(depth=0).order_by("pk").first()
    total = (
        LiteracyRow(total_unit, len(everybody), coverage(everybody, now), coverage(everybody, before))
        if total_unit is not None
        else None
    )
    title = Course.objects.filter(code=course).values_list("title", flat=True).first() or course
    return LiteracyFigures(course, total, rows, title)


# --- everything -------------------------------------------------------------------------------


@dataclass
class Portfolio:
    scope: Scope
    objectives: list[ObjectiveFigures]
    funnel: list[FunnelStep]
    value: ValueFigures
    risk_classes: list[RiskRow]
    waiting: Bottlenecks | None
    literacy: LiteracyFigures
    generated: dt.datetime


def portfolio(scope: Scope) -> Portfolio:
    """Every section of the portfolio for ``scope``."""
    objective_rows = objectives(scope)
    return Portfolio(
        scope=scope,
        objectives=objective_rows,
        funnel=funnel(scope),
        value=value(scope, objective_rows),
        risk_classes=risk_classes(scope),
        waiting=waiting(scope),
        literacy=literacy(scope),
        generated=timezone.now(),
    )
