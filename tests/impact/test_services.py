"""Objectives, their use cases, KPIs and measurements: who may write them, what is recorded, the benefit."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.test import override_settings
from django.utils import timezone

from leitplanke.audit.models import Event
from leitplanke.common import clock
from leitplanke.common.errors import Conflict, DomainError, PermissionDenied
from leitplanke.impact import services
from leitplanke.impact.models import Kpi, Measurement, Objective
from leitplanke.impact.selectors import benefit, benefits_of, objectives_without_usecases, stale_kpis

from .conftest import objective

pytestmark = pytest.mark.django_db


def test_company_leadership_sets_an_objective_and_the_audit_trail_records_it(board: Any) -> None:
    made = objective(board)

    assert Objective.objects.get(pk=made.pk).title == "Durchlaufzeit halbieren"
    event = Event.objects.get(action="impact.objective.created")
    assert event.object_id == str(made.pk)
    assert event.after["target_value"] == "5.00"


@pytest.mark.parametrize("who", ["member", "lead", "outsider", "ai_governance", "administrator"])
def test_nobody_but_leadership_sets_an_objective(org: Any, who: str) -> None:
    person = org.role_holders.get(who) or getattr(org, who)

    with pytest.raises(PermissionDenied):
        objective(person)
    assert not Objective.objects.exists()


def test_leadership_of_a_unit_sets_objectives_for_its_subtree_only(org: Any, finance_leadership: Any) -> None:
    objective(finance_leadership, unit=org.team, title="Buchhaltung")
    own = objective(finance_leadership, unit=org.finance, title="Finanzen")

    for unit in (None, org.marketing):
        with pytest.raises(PermissionDenied):
            objective(finance_leadership, unit=unit, title="Zu weit")
    with pytest.raises(PermissionDenied):  # nor move an own objective out of the subtree
        services.objective_update(actor=finance_leadership, objective=own, unit=org.marketing)
    assert sorted(Objective.objects.values_list("title", flat=True)) == ["Buchhaltung", "Finanzen"]
    assert Objective.objects.get(pk=own.pk).unit == org.finance


def test_an_update_counts_the_version_and_refuses_a_stale_one(board: Any) -> None:
    made = objective(board)

    changed = services.objective_update(actor=board, objective=made, expected_version=1, status="achieved")
    assert changed.version == 2
    with pytest.raises(Conflict):
        services.objective_update(actor=board, objective=made, expected_version=1, title="Anders")
    assert Objective.objects.get(pk=made.pk).title == "Durchlaufzeit halbieren"
    assert Event.objects.filter(action="impact.objective.updated").count() == 1


def test_the_owning_unit_links_its_use_case_to_objectives_whose_scope_covers_it(
    org: Any, board: Any, usecase: Any
) -> None:
    company = objective(board, title="Firma")
    finance = objective(board, unit=org.finance, title="Finanzen")
    marketing = objective(board, unit=org.marketing, title="Marketing")

    services.usecase_objectives_set(actor=org.member, usecase=usecase, objectives=[company, finance])

    assert set(usecase.objectives.all()) == {company, finance}
    assert list(objectives_without_usecases()) == [marketing]
    with pytest.raises(DomainError) as refused:
        services.usecase_objectives_set(actor=org.member, usecase=usecase, objectives=[marketing])
    assert refused.value.field == "objectives"
    assert set(usecase.objectives.all()) == {company, finance}
    event = Event.objects.get(action="impact.usecase.objectives_changed")
    assert event.object_id == str(usecase.pk) and event.after == {"objectives": ["Finanzen", "Firma"]}


def test_others_may_not_link_a_use_case(org: Any, board: Any, usecase: Any) -> None:
    company = objective(board)

    for person in (org.outsider, board):
        with pytest.raises(PermissionDenied):
            services.usecase_objectives_set(actor=person, usecase=usecase, objectives=[company])
    assert not company.usecases.exists()


def test_moving_an_objective_drops_the_use_cases_its_new_scope_leaves_out(org: Any, board: Any, usecase: Any) -> None:
    made = objective(board, unit=org.finance)
    services.usecase_objectives_set(actor=org.member, usecase=usecase, objectives=[made])

    services.objective_update(actor=board, objective=made, unit=org.marketing)

    assert not made.usecases.exists()


def test_the_owning_unit_defines_kpis_and_records_measurements(org: Any, kpi: Kpi) -> None:
    measured = services.measurement_record(
        actor=org.lead, kpi=kpi, measured_on=timezone.localdate(), value=Decimal("12.5"), expected_version=1
    )

    assert Measurement.objects.get().value == Decimal("12.5")
    assert measured.recorded_by == org.lead
    actions = list(Event.objects.filter(object_id=str(kpi.usecase_id)).values_list("action", flat=True))
    assert "impact.kpi.created" in actions and "impact.measurement.recorded" in actions


@pytest.mark.parametrize("who", ["outsider", "ai_governance", "auditor", "administrator"])
def test_others_may_not_touch_kpis_or_measurements(org: Any, kpi: Kpi, who: str) -> None:
    person = org.role_holders.get(who) or getattr(org, who)

    with pytest.raises(PermissionDenied):
        services.kpi_create(actor=person, usecase=kpi.usecase, name="Neu", kind="active_users", baseline=0)
    with pytest.raises(PermissionDenied):
        services.kpi_update(actor=person, kpi=kpi, name="Anders")
    with pytest.raises(PermissionDenied):
        services.measurement_record(actor=person, kpi=kpi, measured_on=timezone.localdate(), value=Decimal(3))
    with pytest.raises(PermissionDenied):
        services.kpi_delete(actor=person, kpi=kpi)
    assert list(Kpi.objects.values_list("name", flat=True)) == ["Bearbeitungszeit gespart"]
    assert not Measurement.objects.exists()


def test_a_measurement_against_a_changed_kpi_is_a_conflict(org: Any, kpi: Kpi) -> None:
    services.kpi_update(actor=org.member, kpi=kpi, expected_version=1, baseline=Decimal("2"))

    with pytest.raises(Conflict):
        services.measurement_record(
            actor=org.member, kpi=kpi, measured_on=timezone.localdate(), value=Decimal(3), expected_version=1
        )
    assert not Measurement.objects.exists()


def test_measurements_are_not_in_the_future_nor_twice_a_day(org: Any, kpi: Kpi) -> None:
    today = timezone.localdate()
    with pytest.raises(DomainError) as future:
        services.measurement_record(actor=org.member, kpi=kpi, measured_on=today + dt.timedelta(days=1), value=1)
    assert future.value.field == "measured_on"
    services.measurement_record(actor=org.member, kpi=kpi, measured_on=today, value=Decimal(1))
    with pytest.raises(DomainError):
        services.measurement_record(actor=org.member, kpi=kpi, measured_on=today, value=Decimal(2))
    assert Measurement.objects.count() == 1


def test_a_custom_kpi_names_its_unit_and_names_are_unique_per_use_case(org: Any, kpi: Kpi) -> None:
    with pytest.raises(DomainError) as unitless:
        services.kpi_create(actor=org.member, usecase=kpi.usecase, name="Tickets", kind="custom", baseline=0)
    assert unitless.value.field == "custom_unit"
    with pytest.raises(DomainError) as taken:
        services.kpi_create(
            actor=org.member, usecase=kpi.usecase, name="bearbeitungszeit gespart", kind="active_users", baseline=0
        )
    assert taken.value.field == "name"


@override_settings(LEITPLANKE_HOURLY_RATE_EUR=50)
def test_realised_benefit_is_the_latest_measurement_against_the_baseline_in_hours_and_euros(org: Any, kpi: Kpi) -> None:
    today = timezone.localdate()
    for days, value in ((60, "5"), (30, "20"), (0, "10")):
        services.measurement_record(
            actor=org.member, kpi=kpi, measured_on=today - dt.timedelta(days=days), value=Decimal(value)
        )

    (shown,) = benefits_of(kpi.usecase)

    assert shown.latest is not None and shown.latest.measured_on == today
    assert shown.hours_per_month == Decimal("10")
    assert shown.eur_per_year == Decimal("10") * 50 * 12
    assert shown.progress_percent == Decimal("25.0")


def test_lower_is_better_counts_a_drop_as_benefit(org: Any, usecase: Any) -> None:
    cost = services.kpi_create(
        actor=org.member,
        usecase=usecase,
        name="Kosten",
        kind="cost_eur_per_year",
        better_when="lower",
        baseline=Decimal("100000"),
        target=Decimal("80000"),
    )
    measured = services.measurement_record(
        actor=org.member, kpi=cost, measured_on=timezone.localdate(), value=Decimal("90000")
    )

    shown = benefit(cost, measured)

    assert shown.eur_per_year == Decimal("10000") and shown.hours_per_month is None
    assert shown.progress_percent == Decimal("50.0")


@override_settings(LEITPLANKE_MEASUREMENT_STALE_DAYS=90)
def test_kpis_of_production_use_cases_without_a_recent_measurement_are_stale(org: Any, kpi: Kpi) -> None:
    today = timezone.localdate()
    UseCaseModel = type(kpi.usecase)
    UseCaseModel.objects.filter(pk=kpi.usecase_id).update(
        stage="production"
    )  # arranged: the lifecycle is not under test
    with clock.frozen_at(timezone.now() - dt.timedelta(days=200)):
        services.measurement_record(actor=org.member, kpi=kpi, measured_on=clock.localdate(), value=Decimal(4))
    Kpi.objects.filter(pk=kpi.pk).update(created_at=timezone.now() - dt.timedelta(days=200))

    assert list(stale_kpis(today=today)) == [kpi]
    services.measurement_record(actor=org.member, kpi=kpi, measured_on=today, value=Decimal(5))
    assert not stale_kpis(today=today).exists()
    UseCaseModel.objects.filter(pk=kpi.usecase_id).update(stage="pilot")
    assert not stale_kpis(today=today - dt.timedelta(days=365)).exists()
