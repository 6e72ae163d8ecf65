"""The portfolio's figures, each checked against a computation of its own over the rows.

The expected figures below are computed from raw SQL rows with plain loops, not through the
portfolio's code, for the whole company and for the Finanzen subtree.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal
from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from leitplanke.common.permissions import SYSTEM
from leitplanke.decisions.selectors import required_qualification
from leitplanke.impact import portfolio, services
from leitplanke.literacy import services as literacy_services
from leitplanke.literacy.models import Course
from leitplanke.usecases.models import Status, UseCase

from .conftest import objective

pytestmark = pytest.mark.django_db


def rows(sql: str, *params: Any) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return list(cursor.fetchall())


def day_of(value: Any) -> dt.date:
    """A stored timestamp (a datetime, or text on SQLite) as the local day."""
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    if timezone.is_naive(value):
        value = timezone.make_aware(value, dt.UTC)
    return timezone.localtime(value).date()


def as_date(value: Any) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


class World:
    """Five use cases in two departments, objectives (one a gap), KPIs with measurements, a course."""

    def __init__(self, org: Any, board: Any, make_usecase: Any) -> None:
        self.org = org
        today = timezone.localdate()
        self.period = portfolio.Period.ending(today)
        before = self.period.previous
        make = make_usecase
        self.invoices = make(title="Rechnungen", status=Status.DRAFT, expected_hours_per_month=Decimal("10"))
        self.payroll = make(
            title="Gehaltsabrechnung prüfen",
            status=Status.DRAFT,
            confidential=True,
            expected_euros_per_year=Decimal("5000"),
        )
        self.retired = make(title="Altes Projekt", status=Status.DRAFT, expected_hours_per_month=Decimal("99"))
        self.campaigns = make(
            title="Kampagnen texten",
            unit=org.marketing,
            owner=org.outsider,
            status=Status.DRAFT,
            expected_hours_per_month=Decimal("4"),
            expected_euros_per_year=Decimal("1000"),
        )
        self.old = make(title="Alte Idee", unit=org.marketing, owner=org.outsider, status=Status.DRAFT)
        # The life of each use case as the decision workflow would have left it.
        UseCase.objects.filter(pk=self.payroll.pk).update(status=Status.IN_REVIEW, submission=1)
        UseCase.objects.filter(pk=self.retired.pk).update(stage="retired", status=Status.APPROVED)
        UseCase.objects.filter(pk=self.campaigns.pk).update(stage="production", status=Status.APPROVED)
        UseCase.objects.filter(pk=self.old.pk).update(
            status=Status.APPROVED, created_at=timezone.now() - dt.timedelta(days=400)
        )
        UseCase.objects.filter(pk=self.invoices.pk).update(created_at=timezone.now() - dt.timedelta(days=380))

        hours = services.kpi_create(
            actor=org.member,
            usecase=self.invoices,
            name="Stunden",
            kind="hours_saved_per_month",
            baseline=Decimal("0"),
            target=Decimal("40"),
        )
        services.measurement_record(actor=org.member, kpi=hours, measured_on=before.end, value=Decimal("5"))
        services.measurement_record(actor=org.member, kpi=hours, measured_on=today, value=Decimal("20"))
        cost = services.kpi_create(
            actor=org.member,
            usecase=self.payroll,
            name="Kosten",
            kind="cost_eur_per_year",
            baseline=Decimal("10000"),
            better_when="lower",
            target=Decimal("6000"),
        )
        services.measurement_record(actor=org.member, kpi=cost, measured_on=today, value=Decimal("7000"))
        users = services.kpi_create(
            actor=org.outsider,
            usecase=self.campaigns,
            name="Nutzer",
            kind="active_users",
            baseline=Decimal("0"),
            target=Decimal("50"),
        )
        services.measurement_record(actor=org.outsider, kpi=users, measured_on=today, value=Decimal("10"))

        self.company_goal = objective(board, title="Firma")
        self.finance_goal = objective(board, unit=org.finance, title="Finanzen")
        self.gap = objective(board, unit=org.marketing, title="Niemand arbeitet daran")
        services.usecase_objectives_set(
            actor=org.member, usecase=self.invoices, objectives=[self.company_goal, self.finance_goal]
        )
        services.usecase_objectives_set(actor=org.member, usecase=self.payroll, objectives=[self.company_goal])
        services.usecase_objectives_set(actor=org.outsider, usecase=self.campaigns, objectives=[self.company_goal])

        self.course_code = required_qualification()
        assert self.course_code, "the shipped rules name the course approving team leads need"
        course = Course.objects.filter(code=self.course_code).first() or literacy_services.course_create(
            actor=SYSTEM, code=self.course_code, title="KI-Kompetenz"
        )
        marketing_people = [org.outsider, *org.role_holders.values()][:3]
        for person in marketing_people:
            literacy_services.completion_record(actor=SYSTEM, person=person, course=course, completed_on=today)
        literacy_services.completion_record(
            actor=SYSTEM, person=org.outsider, course=course, completed_on=before.end - dt.timedelta(days=3)
        )
        literacy_services.completion_record(actor=SYSTEM, person=org.member, course=course, completed_on=today)


@pytest.fixture
def world(org: Any, board: Any, make_usecase: Any) -> World:
    return World(org, board, make_usecase)


# --- the independent computation ------------------------------------------------------------------


def usecase_rows(unit_path: str) -> list[dict[str, Any]]:
    found = rows(
        "SELECT u.id, u.title, u.stage, u.status, u.created_at, u.expected_hours_per_month,"
        " u.expected_euros_per_year, o.path, v.risk_class"
        " FROM usecases_usecase u JOIN org_orgunit o ON o.id = u.unit_id"
        " LEFT JOIN guardrails_verdict v ON v.usecase_id = u.id"
    )
    keys = ("id", "title", "stage", "status", "created", "hours", "euros", "path", "risk")
    return [dict(zip(keys, row, strict=True)) for row in found if row[7].startswith(unit_path)]


def department(path: str, level: int) -> int:
    ids = [int(part) for part in path.strip("/").split("/")]
    return ids[level] if len(ids) > level else ids[-1]


def furthest(stage: str, status: str) -> int:
    order = ["idea", "submitted", "approved", "pilot", "production", "retired"]
    if stage != "idea":
        return order.index(stage)
    if status == "draft":
        return 0
    return 2 if status in ("approved", "expired") else 1


def expected_funnel(unit_path: str, start: dt.date, end: dt.date) -> list[int]:
    counts = [0] * 6
    for row in usecase_rows(unit_path):
        if start <= day_of(row["created"]) <= end:
            for step in range(furthest(row["stage"], row["status"]) + 1):
                counts[step] += 1
    return counts


def realised_by_usecase(day: dt.date) -> dict[int, tuple[Decimal, Decimal]]:
    """Hours per month and euros per year realised per use case, from the latest measurement up to ``day``."""
    rate = Decimal(settings.LEITPLANKE_HOURLY_RATE_EUR)
    latest: dict[int, tuple[dt.date, Decimal]] = {}
    for kpi_id, measured_on, value in rows("SELECT kpi_id, measured_on, value FROM impact_measurement"):
        measured_on = as_date(measured_on)
        if measured_on <= day and (kpi_id not in latest or measured_on > latest[kpi_id][0]):
            latest[kpi_id] = (measured_on, Decimal(str(value)))
    found: dict[int, tuple[Decimal, Decimal]] = {}
    for kpi_id, usecase_id, kind, baseline, better in rows(
        "SELECT id, usecase_id, kind, baseline, better_when FROM impact_kpi"
    ):
        if kpi_id not in latest or kind not in ("hours_saved_per_month", "cost_eur_per_year"):
            continue
        gain = latest[kpi_id][1] - Decimal(str(baseline))
        if better == "lower":
            gain = -gain
        hours, euros = found.get(usecase_id, (Decimal(0), Decimal(0)))
        if kind == "hours_saved_per_month":
            found[usecase_id] = (hours + gain, euros + gain * rate * 12)
        else:
            found[usecase_id] = (hours, euros + gain)
    return found


def expected_value(
    unit_path: str, day: dt.date, level: int
) -> tuple[dict[str, Decimal], dict[int, dict[str, Decimal]]]:
    rate = Decimal(settings.LEITPLANKE_HOURLY_RATE_EUR)
    realised = realised_by_usecase(day)
    total: dict[str, Decimal] = defaultdict(Decimal)
    per: dict[int, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for row in usecase_rows(unit_path):
        if row["stage"] == "retired" or day_of(row["created"]) > day:
            continue
        hours = Decimal(str(row["hours"] or 0))
        figures = {
            "expected_hours": hours,
            "expected_eur": Decimal(str(row["euros"] or 0)) + hours * rate * 12,
            "realised_hours": realised.get(row["id"], (Decimal(0), Decimal(0)))[0],
            "realised_eur": realised.get(row["id"], (Decimal(0), Decimal(0)))[1],
        }
        for key, number in figures.items():
            total[key] += number
            per[department(row["path"], level)][key] += number
    return total, per


def value_of(figures: portfolio.Value) -> dict[str, Decimal]:
    return {
        "expected_hours": figures.expected_hours_per_month,
        "expected_eur": figures.expected_eur_per_year,
        "realised_hours": figures.realised_hours_per_month,
        "realised_eur": figures.realised_eur_per_year,
    }


def expected_coverage(unit_path: str, day: dt.date, level: int, course: str) -> dict[int, float | None]:
    people: dict[int, set[int]] = defaultdict(set)
    for person, path, active in rows(
        "SELECT m.person_id, o.path, p.is_active FROM org_membership m JOIN org_orgunit o ON o.id = m.unit_id"
        " JOIN accounts_user p ON p.id = m.person_id"
    ):
        if active and path.startswith(unit_path):
            people[department(path, level)].add(person)
    holders = {
        person
        for person, completed, until, code in rows(
            "SELECT c.person_id, c.completed_on, c.valid_until, k.code FROM literacy_completion c"
            " JOIN literacy_course k ON k.id = c.course_id"
        )
        if code == course and as_date(completed) <= day and (until is None or as_date(until) >= day)
    }
    return {
        unit: (round(100.0 * len(group & holders) / len(group), 1) if len(group) >= 5 else None)
        for unit, group in people.items()
    }


# --- the tests ----------------------------------------------------------------------------------


def scopes(world: World, viewer: Any) -> list[tuple[portfolio.Scope, str, int]]:
    """The company and the Finanzen subtree, each with its path prefix and department level."""
    org = world.org
    return [
        (portfolio.Scope(viewer, None, world.period), org.company.path, 1),
        (portfolio.Scope(viewer, org.finance, world.period), org.finance.path, org.finance.depth + 1),
    ]


def test_the_funnel_counts_each_step_reached_in_the_period_and_the_previous_one(world: World, board: Any) -> None:
    for scope, path, _level in scopes(world, board):
        steps = portfolio.funnel(scope)
        for period, attribute in ((scope.period, "count"), (scope.period.previous, "previous")):
            counts = expected_funnel(path, period.start, period.end)
            assert [getattr(step, attribute) for step in steps] == counts
        counts = expected_funnel(path, scope.period.start, scope.period.end)
        for index, step in enumerate(steps[1:], start=1):
            expected = 100.0 * counts[index] / counts[index - 1] if counts[index - 1] else None
            assert step.conversion == expected
    company = portfolio.funnel(scopes(world, board)[0][0])
    assert [step.count for step in company] == [3, 3, 2, 2, 2, 1]
    assert [step.previous for step in company] == [2, 1, 1, 0, 0, 0]


def test_value_expected_and_realised_per_department_match_the_rows(world: World, board: Any) -> None:
    for scope, path, level in scopes(world, board):
        figures = portfolio.value(scope)
        for day, total, attribute in (
            (scope.period.end, figures.total, "now"),
            (scope.period.previous.end, figures.previous, "previous"),
        ):
            expected_total, expected_per = expected_value(path, day, level)
            assert value_of(total) == {key: expected_total[key] for key in value_of(total)}
            shown = {row.key.pk: value_of(getattr(row, attribute)) for row in figures.by_unit}
            for unit, numbers in expected_per.items():
                assert shown[unit] == {key: numbers[key] for key in shown[unit]}
    company = portfolio.value(scopes(world, board)[0][0])
    # 10 h expected (Rechnungen) + 4 h (Kampagnen); realised 20 h and 3,000 EUR less cost.
    assert company.total.expected_hours_per_month == Decimal("14")
    assert company.total.realised_hours_per_month == Decimal("20")
    assert company.total.realised_eur_per_year == Decimal("20") * 60 * 12 + 3000
    assert company.previous.realised_hours_per_month == Decimal("5")  # Rechnungen, registered before
    assert company.previous.usecases == 2


def test_value_per_objective_sums_the_use_cases_that_serve_it(world: World, board: Any) -> None:
    scope = scopes(world, board)[0][0]
    realised = realised_by_usecase(scope.period.end)
    serving = defaultdict(set)
    for objective_id, usecase_id in rows("SELECT objective_id, usecase_id FROM impact_objective_usecases"):
        serving[objective_id].add(usecase_id)
    retired = {row["id"] for row in usecase_rows("/") if row["stage"] == "retired"}
    for row in portfolio.value(scope).by_objective:
        ids = serving[row.key.pk] - retired
        assert row.now.usecases == len(ids)
        assert row.now.realised_eur_per_year == sum((realised.get(pk, (0, Decimal(0)))[1] for pk in ids), Decimal(0))


def test_objectives_show_progress_contributors_and_the_gap(world: World, board: Any) -> None:
    company, finance = (scope for scope, _path, _level in scopes(world, board))
    found = {row.objective.title: row for row in portfolio.objectives(company)}
    assert set(found) == {"Firma", "Finanzen", "Niemand arbeitet daran"}
    assert found["Firma"].usecase_ids == sorted([world.invoices.pk, world.payroll.pk, world.campaigns.pk])
    # Progress: the mean over the KPIs with a target: hours 20/40 = 50 %, cost (10000→7000 of 10000→6000)
    # = 75 %, users 10/50 = 20 %.
    assert found["Firma"].progress_percent == Decimal("48.3")
    assert found["Firma"].previous_progress_percent == Decimal("12.5")  # hours 5/40 only
    assert found["Finanzen"].progress_percent == Decimal("50.0")
    assert found["Niemand arbeitet daran"].is_gap and not found["Firma"].is_gap
    # Within Finanzen: the marketing objective does not concern it, the campaigns do not count.
    within = {row.objective.title: row for row in portfolio.objectives(finance)}
    assert set(within) == {"Firma", "Finanzen"}
    assert within["Firma"].usecase_ids == sorted([world.invoices.pk, world.payroll.pk])


def test_risk_classes_count_the_current_verdicts(world: World, board: Any) -> None:
    for scope, path, _level in scopes(world, board):
        for day, attribute in ((scope.period.end, "count"), (scope.period.previous.end, "previous")):
            expected: dict[str, int] = defaultdict(int)
            for row in usecase_rows(path):
                if day_of(row["created"]) <= day:
                    expected[row["risk"] or ""] += 1
            shown = {row.code: getattr(row, attribute) for row in portfolio.risk_classes(scope)}
            assert {code: count for code, count in shown.items() if count} == dict(expected)


def test_literacy_coverage_per_department_with_no_figure_for_groups_under_five(world: World, board: Any) -> None:
    for scope, path, level in scopes(world, board):
        figures = portfolio.literacy(scope)
        assert figures.course == world.course_code
        for day, attribute in (
            (scope.period.end, "coverage_percent"),
            (scope.period.previous.end, "previous_coverage_percent"),
        ):
            expected = expected_coverage(path, day, level, world.course_code)
            shown = {row.unit.pk: getattr(row, attribute) for row in figures.by_unit if row.people}
            assert shown == expected
    company = {row.unit.code: row for row in portfolio.literacy(scopes(world, board)[0][0]).by_unit}
    assert company["mkt"].people == 5
    assert company["mkt"].coverage_percent == 60.0
    assert company["mkt"].previous_coverage_percent == 20.0
    assert company["fin"].people == 1
    assert company["fin"].coverage_percent is None  # one person: no figure, although they hold the course


def test_confidential_use_cases_count_but_are_named_only_for_those_who_may_see_them(world: World, board: Any) -> None:
    org = world.org

    def named(viewer: Any, unit: Any = None) -> set[str]:
        rows = portfolio.objectives(portfolio.Scope(viewer, unit, world.period))
        assert sum(len(row.usecase_ids) for row in rows) == 4  # everybody counts the confidential one
        return {title for row in rows for _pk, title in row.named}

    # Leadership sees the company by name, but not a confidential use case it may not read.
    assert named(board) == {"Rechnungen", "Kampagnen texten"}
    # AI governance reads every use case.
    assert named(org.role_holders["ai_governance"]) == {"Rechnungen", "Gehaltsabrechnung prüfen", "Kampagnen texten"}
    # The team's lead names their subtree, confidential included, and nothing outside it.
    assert named(org.lead) == {"Rechnungen", "Gehaltsabrechnung prüfen"}
    # Everybody else sees aggregates only.
    assert named(org.outsider) == set()
    assert named(org.member) == set()


def test_where_decisions_wait_is_for_those_who_read_the_decision_metrics(world: World, board: Any) -> None:
    assert portfolio.waiting(portfolio.Scope(board, None, world.period)) is not None
    assert portfolio.waiting(portfolio.Scope(world.org.outsider, None, world.period)) is None


def test_the_portfolio_opens_on_the_company_or_a_leads_own_unit(world: World, board: Any) -> None:
    assert portfolio.default_unit(board) is None
    assert portfolio.default_unit(world.org.lead) == world.org.team
    assert portfolio.default_unit(world.org.outsider) is None
    period = portfolio.Period(dt.date(2026, 1, 1), dt.date(2026, 1, 31))
    assert period.previous == portfolio.Period(dt.date(2025, 12, 1), dt.date(2025, 12, 31))
