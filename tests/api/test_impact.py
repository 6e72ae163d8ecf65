"""``/api/v1/objectives``, the objectives of a use case, its KPIs and their measurements."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from leitplanke.api.models import Scope
from leitplanke.audit.models import Event
from leitplanke.common import clock
from leitplanke.impact import services
from leitplanke.impact.models import Kpi, Measurement, Objective
from leitplanke.org import services as org_services
from leitplanke.org.models import Role

from ..factories import PersonFactory
from .conftest import problem
from .test_org import actions_since, field_errors, send

pytestmark = pytest.mark.django_db

OBJECTIVES = "/api/v1/objectives"


@pytest.fixture
def board(org) -> Any:
    person = PersonFactory(username="bea.board", display_name="Bea Board")
    org_services.role_assign(actor=None, person=person, role=Role.LEADERSHIP)
    return person


@pytest.fixture
def member(org, api_for):
    return api_for(org.member, scope=Scope.READ_WRITE)


@pytest.fixture
def kpi(org, make_usecase) -> Kpi:
    return services.kpi_create(
        actor=org.member,
        usecase=make_usecase(),
        name="Stunden gespart",
        kind="hours_saved_per_month",
        baseline=Decimal("0"),
        target=Decimal("40"),
    )


def _objective(owner: Any, **fields: Any) -> Objective:
    values: dict[str, Any] = {
        "title": "Durchlaufzeit halbieren",
        "metric": "Durchlaufzeit",
        "target_value": Decimal("5"),
        "target_date": dt.date(2027, 12, 31),
    } | fields
    return services.objective_create(actor=None, owner=owner, **values)


def test_leadership_sets_an_objective_and_changes_it_with_if_match(org, board, api_for) -> None:
    client = api_for(board, scope=Scope.READ_WRITE)
    body = {"title": "Skonto nutzen", "metric": "Skontoquote", "metric_unit": "%", "baseline": 60.5}
    created = send(client, "POST", OBJECTIVES, body | {"target_value": 95, "target_date": "2027-06-30", "unit": "fin"})

    assert created.status_code == 201, created.content
    data = created.json()
    assert data["owner"]["username"] == "bea.board"
    assert data["unit"] == {"code": "fin", "name": "Finanzen"}
    assert data["baseline"] == 60.5
    assert created["Location"].endswith(f"/objectives/{data['id']}")
    objective = Objective.objects.get(pk=data["id"])
    assert objective.baseline == Decimal("60.50")

    path = f"{OBJECTIVES}/{objective.pk}"
    assert problem(send(client, "PATCH", path, {"status": "achieved"}), 428)["code"]
    changed = send(client, "PATCH", path, {"status": "achieved", "unit": None}, if_match=created["ETag"])
    assert changed.status_code == 200, changed.content
    assert changed.json()["status"] == "achieved"
    assert changed.json()["unit"] is None
    assert changed.json()["version"] == 2
    stale = send(client, "PATCH", path, {"title": "Anders"}, if_match=created["ETag"])
    problem(stale, 412)
    assert Objective.objects.get(pk=objective.pk).title == "Skonto nutzen"


def test_an_unknown_owner_or_unit_is_an_error_on_its_field(board, api_for) -> None:
    client = api_for(board, scope=Scope.READ_WRITE)
    body = {"title": "X", "metric": "Y", "target_value": 1, "target_date": "2027-06-30"}

    unknown_owner = problem(send(client, "POST", OBJECTIVES, body | {"owner": "niemand"}), 422)
    unknown_unit = problem(send(client, "POST", OBJECTIVES, body | {"unit": "nope"}), 422)

    assert field_errors(unknown_owner) == {"body.owner": "unknown_person"}
    assert field_errors(unknown_unit) == {"body.unit": "unknown_unit"}
    assert not Objective.objects.exists()


def test_the_list_shows_the_gaps(org, board, api_for, make_usecase) -> None:
    served = _objective(board, title="Bedient")
    _objective(board, title="Lücke")
    services.usecase_objectives_set(actor=None, usecase=make_usecase(), objectives=[served])

    everything = api_for(org.outsider).get(OBJECTIVES).json()
    gaps = api_for(org.outsider).get(OBJECTIVES, {"unserved": "true"}).json()

    assert {(item["title"], item["usecases"]) for item in everything["items"]} == {("Bedient", 1), ("Lücke", 0)}
    assert [item["title"] for item in gaps["items"]] == ["Lücke"]


def test_a_use_case_names_its_objectives_within_their_scope(org, board, member, make_usecase) -> None:
    usecase = make_usecase()
    company = _objective(board, title="Firmenweit")
    marketing = _objective(board, title="Nur Marketing", unit=org.marketing)
    path = f"/api/v1/usecases/{usecase.pk}/objectives"

    outside = send(member, "PUT", path, {"objectives": [marketing.pk]}, if_match=member.get(path)["ETag"])
    assert field_errors(problem(outside, 422)) == {"body.objectives": "invalid"}
    unknown = send(member, "PUT", path, {"objectives": [999999]}, if_match=member.get(path)["ETag"])
    assert field_errors(problem(unknown, 422)) == {"body.objectives": "unknown_objective"}

    before = Event.objects.count()
    saved = send(member, "PUT", path, {"objectives": [company.pk]}, if_match=member.get(path)["ETag"])

    assert saved.status_code == 200, saved.content
    assert [item["title"] for item in saved.json()["objectives"]] == ["Firmenweit"]
    assert list(usecase.objectives.all()) == [company]
    assert actions_since(before) == ["impact.usecase.objectives_changed"]


def test_kpis_show_the_latest_measurement_and_the_realised_benefit(org, api_for, kpi, settings) -> None:
    settings.LEITPLANKE_HOURLY_RATE_EUR = 60
    services.measurement_record(actor=org.member, kpi=kpi, measured_on=dt.date(2025, 1, 31), value=Decimal("10"))
    services.measurement_record(actor=org.member, kpi=kpi, measured_on=dt.date(2025, 2, 28), value=Decimal("20"))

    listed = api_for(org.outsider).get(f"/api/v1/usecases/{kpi.usecase_id}/kpis").json()["items"]

    assert len(listed) == 1
    shown = listed[0]
    assert shown["latest"] == {"measured_on": "2025-02-28", "value": 20.0}
    assert shown["measure_unit"] == "h"
    assert shown["realised"] == {
        "improvement": 20.0,
        "progress_percent": 50.0,
        "hours_per_month": 20.0,
        "eur_per_year": 14400.0,  # 20 h × 60 EUR × 12 months
        "on_track": True,
    }


def test_a_measurement_needs_the_kpis_current_tag(org, member, kpi) -> None:
    path = f"/api/v1/kpis/{kpi.pk}"
    tag = member.get(path)["ETag"]
    today = clock.localdate()
    body = {"measured_on": today.isoformat(), "value": 12.5, "note": "Monatsende"}

    problem(send(member, "POST", f"{path}/measurements", body), 428)
    services.kpi_update(actor=org.member, kpi=kpi, target=Decimal("60"))
    problem(send(member, "POST", f"{path}/measurements", body, if_match=tag), 412)
    assert not Measurement.objects.exists()

    recorded = send(member, "POST", f"{path}/measurements", body, if_match=member.get(path)["ETag"])

    assert recorded.status_code == 201, recorded.content
    assert recorded.json()["value"] == 12.5
    assert recorded.json()["recorded_by"]["username"] == "max.member"
    measurement = Measurement.objects.get()
    assert (measurement.kpi_id, measurement.measured_on, measurement.value) == (kpi.pk, today, Decimal("12.50"))
    listed = member.get(f"{path}/measurements").json()
    assert [item["note"] for item in listed["items"]] == ["Monatsende"]
    assert member.get(path).json()["latest"]["value"] == 12.5


def test_a_measurement_in_the_future_or_twice_a_day_is_an_error_on_the_day(org, member, kpi) -> None:
    path = f"/api/v1/kpis/{kpi.pk}"
    tomorrow = clock.localdate() + dt.timedelta(days=1)

    future = send(
        member, "POST", f"{path}/measurements", {"measured_on": tomorrow.isoformat(), "value": 1}, if_match="*"
    )
    assert "body.measured_on" in field_errors(problem(future, 422))
    day = {"measured_on": "2025-03-31", "value": 1}
    assert send(member, "POST", f"{path}/measurements", day, if_match="*").status_code == 201
    again = send(member, "POST", f"{path}/measurements", day, if_match="*")
    assert "body.measured_on" in field_errors(problem(again, 422))


def test_the_owning_unit_defines_changes_and_removes_a_kpi(org, member, make_usecase) -> None:
    usecase = make_usecase()
    created = send(
        member,
        "POST",
        f"/api/v1/usecases/{usecase.pk}/kpis",
        {"name": "Tickets", "kind": "custom", "custom_unit": "Tickets", "baseline": 100, "better_when": "lower"},
    )
    assert created.status_code == 201, created.content
    path = f"/api/v1/kpis/{created.json()['id']}"
    assert created["Location"] == path

    changed = send(member, "PATCH", path, {"target": 70, "target_date": "2027-01-31"}, if_match=created["ETag"])
    assert changed.status_code == 200, changed.content
    assert (changed.json()["target"], changed.json()["version"]) == (70.0, 2)
    duplicate = send(
        member,
        "POST",
        f"/api/v1/usecases/{usecase.pk}/kpis",
        {"name": "tickets", "kind": "active_users", "baseline": 0},
    )
    assert field_errors(problem(duplicate, 422)) == {"body.name": "invalid"}

    problem(send(member, "DELETE", path, if_match=created["ETag"]), 412)
    assert send(member, "DELETE", path, if_match=changed["ETag"]).status_code == 204
    assert not Kpi.objects.exists()
    problem(member.get(path), 404)


def test_a_custom_kpi_without_a_unit_is_refused(org, member, make_usecase) -> None:
    usecase = make_usecase()
    refused = send(
        member, "POST", f"/api/v1/usecases/{usecase.pk}/kpis", {"name": "X", "kind": "custom", "baseline": 0}
    )
    assert "body.custom_unit" in field_errors(problem(refused, 422))
