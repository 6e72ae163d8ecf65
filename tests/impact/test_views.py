"""The impact pages: leadership sets objectives, the owning unit links, defines KPIs and records measurements."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from leitplanke.impact import services
from leitplanke.impact.models import Kpi, Measurement, Objective

from .conftest import objective

pytestmark = pytest.mark.django_db


def test_leadership_sets_an_objective_in_german_and_it_shows_as_a_gap(client_for: Any, board: Any, org: Any) -> None:
    client = client_for(board)
    response = client.post(
        reverse("impact:objective_create"),
        {
            "title": "Durchlaufzeit im Backoffice halbieren",
            "owner": board.username,
            "unit": "",
            "metric": "Durchlaufzeit",
            "metric_unit": "Tage",
            "baseline": "10",
            "target_value": "5",
            "target_date": "2027-12-31",
            "status": "active",
        },
    )
    made = Objective.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("impact:objective_detail", args=[made.pk])

    listing = client_for(org.outsider).get(reverse("impact:objective_list"), headers={"accept-language": "de"})
    html = listing.content.decode()
    assert "Durchlaufzeit im Backoffice halbieren" in html and "noch kein Anwendungsfall" in html
    assert reverse("impact:objective_create") not in html


@pytest.mark.parametrize("who", ["member", "lead", "outsider"])
def test_nobody_else_finds_the_objective_form(client_for: Any, org: Any, board: Any, who: str) -> None:
    made = objective(board)
    client = client_for(getattr(org, who))

    assert client.get(reverse("impact:objective_create")).status_code == 404
    assert client.post(reverse("impact:objective_edit", args=[made.pk]), {"title": "x"}).status_code == 404
    assert Objective.objects.get().title == "Durchlaufzeit halbieren"


def test_the_owning_unit_links_defines_a_kpi_and_records_a_measurement(
    client_for: Any, org: Any, board: Any, usecase: Any
) -> None:
    goal = objective(board, unit=org.finance)
    objective(board, unit=org.marketing, title="Marketing-Ziel")
    client = client_for(org.lead)

    form = client.get(reverse("impact:usecase_objectives", args=[usecase.pk])).content.decode()
    assert "Durchlaufzeit halbieren" in form and "Marketing-Ziel" not in form
    client.post(reverse("impact:usecase_objectives", args=[usecase.pk]), {"objectives": [goal.pk]})
    assert list(goal.usecases.all()) == [usecase]

    client.post(
        reverse("impact:kpi_create", args=[usecase.pk]),
        {
            "name": "Stunden gespart",
            "kind": "hours_saved_per_month",
            "better_when": "higher",
            "baseline": "0",
            "target": "20",
        },
    )
    kpi = Kpi.objects.get()
    today = timezone.localdate()
    response = client.post(
        reverse("impact:kpi_detail", args=[kpi.pk]),
        {"measured_on": today.isoformat(), "value": "10", "note": "", "version": kpi.version},
    )
    assert response.status_code == 302
    assert Measurement.objects.get().value == Decimal("10.00")

    profile = client_for(org.outsider).get(reverse("usecases:detail", args=[usecase.pk])).content.decode()
    assert "Stunden gespart" in profile and "Durchlaufzeit halbieren" in profile
    assert "7.200" in profile or "7,200" in profile  # 10 h × 60 EUR × 12 months
    assert reverse("impact:kpi_create", args=[usecase.pk]) not in profile


def test_others_cannot_define_kpis_or_record_measurements(client_for: Any, org: Any, kpi: Kpi) -> None:
    client = client_for(org.outsider)
    today = timezone.localdate().isoformat()

    assert client.get(reverse("impact:kpi_create", args=[kpi.usecase_id])).status_code == 404
    assert client.get(reverse("impact:kpi_detail", args=[kpi.pk])).status_code == 200  # reads what the use case shows
    response = client.post(
        reverse("impact:kpi_detail", args=[kpi.pk]), {"measured_on": today, "value": "3", "version": 1}
    )
    assert response.status_code == 404
    assert client.post(reverse("impact:usecase_objectives", args=[kpi.usecase_id]), {}).status_code == 404
    assert not Measurement.objects.exists()


def test_a_confidential_use_case_is_counted_but_not_named_on_its_objective(
    client_for: Any, org: Any, board: Any, make_usecase: Any
) -> None:
    goal = objective(board)
    secret = make_usecase(title="Geheime Personalsache", confidential=True, status="draft")
    services.usecase_objectives_set(actor=org.member, usecase=secret, objectives=[goal])
    services.kpi_create(actor=org.member, usecase=secret, name="Stunden", kind="hours_saved_per_month", baseline=0)

    seen_by_outsider = client_for(org.outsider).get(reverse("impact:objective_detail", args=[goal.pk])).content.decode()
    seen_by_member = client_for(org.member).get(reverse("impact:objective_detail", args=[goal.pk])).content.decode()

    assert "Geheime Personalsache" not in seen_by_outsider and "1 confidential use case" in seen_by_outsider.replace(
        "1 vertraulicher Anwendungsfall", "1 confidential use case"
    )
    assert "Geheime Personalsache" in seen_by_member
    kpi = Kpi.objects.get()
    assert client_for(org.outsider).get(reverse("impact:kpi_detail", args=[kpi.pk])).status_code == 404


def test_a_measurement_form_after_the_kpi_changed_is_a_conflict(client_for: Any, org: Any, kpi: Kpi) -> None:
    services.kpi_update(actor=org.member, kpi=kpi, baseline=Decimal(1))
    today = (timezone.localdate() - dt.timedelta(days=1)).isoformat()

    response = client_for(org.member).post(
        reverse("impact:kpi_detail", args=[kpi.pk]), {"measured_on": today, "value": "3", "version": 1}
    )

    assert response.status_code == 400
    assert not Measurement.objects.exists()
