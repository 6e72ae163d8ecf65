"""The library: filters (unit with its sub-units, stage, status, tool, text), sorting, pagination, and a
query count that does not grow with the number of rows on the page."""

from __future__ import annotations

import pytest
from django.urls import reverse

from leitplanke.org import services as org_services
from leitplanke.usecases.models import Stage, Status

from ..factories import UnitFactory

pytestmark = pytest.mark.django_db


def _titles(response) -> list[str]:
    return [usecase.title for usecase in response.context["page"]]


@pytest.fixture
def portfolio(org, make_usecase, tools):
    """Use cases in Finanzen, in its team Buchhaltung, and in Marketing."""
    org_services.membership_add(actor=None, person=org.lead, unit=org.finance)
    org_services.membership_add(actor=None, person=org.lead, unit=org.marketing)
    make_usecase(
        title="Rechnungen klassifizieren",
        summary="Kontierung per KI",
        stage=Stage.PRODUCTION,
        tools=[tools["Enterprise-Chat"]],
    )
    make_usecase(title="Forecast", unit=org.finance, owner=org.lead, stage=Stage.PILOT, summary="Umsatzplanung")
    make_usecase(
        title="Kampagnentexte",
        unit=org.marketing,
        owner=org.lead,
        stage=Stage.IDEA,
        status=Status.DRAFT,
        summary="Texte für Social Media",
        tools=[tools["Freier Web-Chatbot"]],
    )


def test_filtering_by_a_unit_includes_its_sub_units(org, portfolio, client_for) -> None:
    response = client_for(org.lead).get(reverse("usecases:library"), {"unit": org.finance.pk, "sort": "title"})

    assert _titles(response) == ["Forecast", "Rechnungen klassifizieren"]


def test_filtering_by_a_team_shows_only_that_team(org, portfolio, client_for) -> None:
    response = client_for(org.lead).get(reverse("usecases:library"), {"unit": org.team.pk})

    assert _titles(response) == ["Rechnungen klassifizieren"]


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"stage": "pilot"}, ["Forecast"]),
        ({"status": "draft"}, ["Kampagnentexte"]),
        ({"q": "social"}, ["Kampagnentexte"]),
        ({"q": "RECHNUNG"}, ["Rechnungen klassifizieren"]),
        ({"stage": "nonsense"}, ["Forecast", "Kampagnentexte", "Rechnungen klassifizieren"]),
    ],
)
def test_filters(org, portfolio, client_for, filters, expected) -> None:
    response = client_for(org.lead).get(reverse("usecases:library"), {**filters, "sort": "title"})

    assert response.status_code == 200
    assert _titles(response) == expected


def test_filtering_by_tool(org, portfolio, tools, client_for) -> None:
    response = client_for(org.lead).get(reverse("usecases:library"), {"tool": tools["Freier Web-Chatbot"].pk})

    assert _titles(response) == ["Kampagnentexte"]


def test_only_mine(org, portfolio, client_for) -> None:
    response = client_for(org.member).get(reverse("usecases:library"), {"mine": "on"})

    assert _titles(response) == ["Rechnungen klassifizieren"]


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("title", ["Forecast", "Kampagnentexte", "Rechnungen klassifizieren"]),
        ("stage", ["Kampagnentexte", "Forecast", "Rechnungen klassifizieren"]),
        ("-updated", ["Kampagnentexte", "Forecast", "Rechnungen klassifizieren"]),
    ],
)
def test_sorting(org, portfolio, client_for, sort, expected) -> None:
    response = client_for(org.lead).get(reverse("usecases:library"), {"sort": sort})

    assert _titles(response) == expected


def test_pages_of_twenty_five(org, make_usecase, client_for) -> None:
    for number in range(30):
        make_usecase(title=f"Fall {number:02d}")

    client = client_for(org.member)
    first = client.get(reverse("usecases:library"), {"sort": "title"})
    second = client.get(reverse("usecases:library"), {"sort": "title", "page": 2})

    assert len(_titles(first)) == 25
    assert _titles(second) == [f"Fall {number:02d}" for number in range(25, 30)]


def test_my_drafts_are_offered_to_continue_and_nobody_elses(org, make_usecase, client_for) -> None:
    make_usecase(title="Mein Entwurf", status=Status.DRAFT)
    make_usecase(title="Entwurf der Leitung", owner=org.lead, status=Status.DRAFT)
    make_usecase(title="Fertig")

    response = client_for(org.member).get(reverse("usecases:library"))

    assert [draft.title for draft in response.context["drafts"]] == ["Mein Entwurf"]


@pytest.mark.parametrize("viewer", ["unit_member", "other_unit", "auditor"])
def test_the_number_of_queries_does_not_grow_with_the_rows_on_the_page(
    org, make_usecase, tools, client_for, library_queries, viewer
) -> None:
    other = UnitFactory(code="vt", name="Vertrieb", parent=org.company, lead=org.lead)
    client = client_for(org.viewer(viewer))
    for number in range(2):
        make_usecase(title=f"Wenige {number}", tools=list(tools.values()), contributors=[org.lead])
    few = library_queries(client)

    for number in range(30):
        make_usecase(
            title=f"Viele {number}",
            unit=other if number % 2 else org.team,
            owner=org.lead,
            tools=list(tools.values()),
            contributors=[org.member],
        )
    many = library_queries(client)

    assert many == few


def test_a_filtered_list_is_sorted_and_paged_like_any_other(org, make_usecase, tools, client_for) -> None:
    # Given 30 use cases with a tool and 5 without
    chat = tools["Enterprise-Chat"]
    for number in range(30):
        make_usecase(title=f"Fall {number:02d}", stage=Stage.PILOT, tools=[chat])
    for number in range(5):
        make_usecase(title=f"Anderer {number}", stage=Stage.PILOT)
    client = client_for(org.member)
    filters = {"tool": chat.pk, "stage": "pilot", "sort": "title"}

    # When the filtered list is paged, then every page holds the next rows in order, and the count is right
    first = client.get(reverse("usecases:library"), filters)
    second = client.get(reverse("usecases:library"), {**filters, "page": 2})
    assert _titles(first) == [f"Fall {number:02d}" for number in range(25)]
    assert _titles(second) == [f"Fall {number:02d}" for number in range(25, 30)]
    assert first.context["page"].paginator.count == 30


def test_a_filtered_list_never_shows_what_the_viewer_may_not_read(org, make_usecase, client_for) -> None:
    # Given a confidential use case of Marketing and an open one, both in production
    make_usecase(title="Geheim", unit=org.marketing, owner=org.lead, stage=Stage.PRODUCTION, confidential=True)
    make_usecase(title="Offen", stage=Stage.PRODUCTION)

    # When a member of another unit filters by stage, then only the open one is listed and counted
    response = client_for(org.member).get(reverse("usecases:library"), {"stage": "production"})
    assert _titles(response) == ["Offen"]
    assert response.context["page"].paginator.count == 1


@pytest.mark.parametrize("viewer", ["unit_member", "auditor"])
def test_a_filtered_list_costs_the_same_queries_however_many_rows_match(
    org, make_usecase, tools, client_for, library_queries, viewer
) -> None:
    client = client_for(org.viewer(viewer))
    chat = tools["Enterprise-Chat"]
    filters = {"tool": chat.pk, "unit": org.finance.pk, "stage": "pilot"}
    make_usecase(title="Einer", stage=Stage.PILOT, tools=[chat])
    few = library_queries(client, **filters)

    for number in range(30):
        make_usecase(title=f"Viele {number}", stage=Stage.PILOT, tools=list(tools.values()))
    many = library_queries(client, **filters)

    assert many == few
