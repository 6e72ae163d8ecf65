"""The library filters by risk class and decision path; the inventory carries every verdict."""

from __future__ import annotations

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from leitplanke.usecases.transfer import exporting

pytestmark = pytest.mark.django_db


@pytest.fixture
def mixed(make_usecase):
    return {
        "minimal": make_usecase(title="Protokolle zusammenfassen"),
        "high": make_usecase(
            title="Bewerbungen vorsortieren",
            purposes=["recruiting"],
            affected_people=["applicants"],
            decision_role="prepares",
        ),
        "prohibited": make_usecase(
            title="Stimmung der Belegschaft messen", purposes=["emotion_recognition"], affected_people=["employees"]
        ),
    }


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("risk_class=high", {"high"}),
        ("risk_class=prohibited", {"prohibited"}),
        ("decision=blocked", {"prohibited"}),
        ("decision=team_lead", {"minimal"}),
        ("risk_class=limited", set()),
        ("risk_class=nonsense", {"minimal", "high", "prohibited"}),  # an invalid filter is ignored
    ],
)
def test_the_library_filters_by_verdict(org, mixed, client_for, query, expected) -> None:
    response = client_for(org.member).get(reverse("usecases:library") + "?" + query)
    titles = {usecase.title for usecase in response.context["page"]}
    assert titles == {mixed[key].title for key in expected}


def test_the_library_shows_each_verdict_without_extra_queries(org, make_usecase, mixed, client_for) -> None:
    client = client_for(org.member)
    client.get(reverse("usecases:library"))
    with CaptureQueriesContext(connection) as few:
        html = client.get(reverse("usecases:library")).content.decode()
    for number in range(12):
        make_usecase(title=f"Noch ein Fall {number}", purposes=["recruiting"], decision_role="prepares")
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("usecases:library"))
    assert len(many) == len(few)
    assert "Hohes Risiko" in html and "Verboten" in html


def test_the_inventory_carries_the_verdict(mixed) -> None:
    from leitplanke.usecases.models import UseCase

    records = json.loads("".join(exporting.write_json(UseCase.objects.all())))
    by_title = {record["title"]: record for record in records}
    high = by_title["Bewerbungen vorsortieren"]
    assert (high["risk_class"], high["decision"]) == ("high", "review")
    assert "ai_governance" in high["reviews"] and high["rule_bundle"].startswith("leitplanke-default ")
    assert by_title["Stimmung der Belegschaft messen"]["decision"] == "blocked"
    csv_text = "".join(exporting.write_csv(UseCase.objects.all()))
    assert "risk_class" in csv_text.splitlines()[0]
