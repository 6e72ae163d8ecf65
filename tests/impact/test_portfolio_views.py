"""The portfolio page and its CSV downloads: sections, filters, who sees which titles."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from django.urls import reverse

from .conftest import org
from .test_portfolio import World, world

__all__ = ["org", "world"]

pytestmark = pytest.mark.django_db


def page(client_for: Any, viewer: Any, **params: Any) -> str:
    response = client_for(viewer).get(reverse("portfolio:page"), params)
    assert response.status_code == 200
    return response.content.decode()


def test_leadership_sees_every_section_with_charts_in_german(world: World, board: Any, client_for: Any) -> None:
    html = page(client_for, board)

    for heading in (
        "Ziele",
        "Von der Idee bis zum Betrieb",
        "Nutzen: erwartet und erzielt",
        "Risikoklassen",
        "Wo Entscheidungen warten",
        "KI-Kompetenz",
    ):
        assert heading in html
    assert html.count("<svg") >= 4
    assert "Niemand arbeitet daran" in html and 'data-testid="gap"' in html
    assert "Rechnungen" in html and "Kampagnen texten" in html
    assert "Gehaltsabrechnung prüfen" not in html  # confidential, and leadership may not read it
    assert f'value="{world.period.start.isoformat()}"' in html  # the filter shows the period it is for
    assert reverse("decisions:metrics") in html  # the link moved here from the reviews
    # Realised: 20 h × 60 EUR × 12 + 3.000 EUR less cost = 17.400 EUR per year.
    assert "17.400" in html


def test_the_page_speaks_english_too(world: World, board: Any, client_for: Any) -> None:
    board.preferred_language = "en"
    board.save(update_fields=["preferred_language"])

    html = page(client_for, board)

    for heading in ("Objectives", "From idea to production", "Value: expected and realised", "AI literacy"):
        assert heading in html
    assert "17,400" in html


def test_everybody_else_sees_the_figures_without_titles(world: World, client_for: Any) -> None:
    html = page(client_for, world.org.outsider)

    assert "17.400" in html
    for title in ("Rechnungen", "Gehaltsabrechnung prüfen", "Kampagnen texten"):
        assert title not in html
    assert reverse("decisions:metrics") not in html


def test_a_lead_opens_on_their_unit_and_names_its_use_cases(world: World, client_for: Any) -> None:
    html = page(client_for, world.org.lead)

    assert "Was KI in Buchhaltung und den Untereinheiten bewirkt" in html
    assert "Rechnungen" in html and "Gehaltsabrechnung prüfen" in html
    assert "Kampagnen texten" not in html


def test_the_unit_filter_narrows_the_figures_to_a_subtree(world: World, board: Any, client_for: Any) -> None:
    html = page(client_for, board, unit="mkt")

    assert "Kampagnen texten" in html and "Rechnungen" not in html


def test_a_period_that_ends_before_it_begins_is_refused_on_its_field(world: World, board: Any, client_for: Any) -> None:
    html = page(client_for, board, start="2026-05-01", end="2026-01-01")

    assert "Der Zeitraum muss beginnen, bevor er endet." in html


def test_each_chart_downloads_as_csv(world: World, board: Any, client_for: Any) -> None:
    client = client_for(board)
    for section in ("funnel", "value", "risk", "literacy"):
        response = client.get(reverse("portfolio:csv", args=[section]))
        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/csv")
        rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
        assert len(rows) > 1
    funnel = client.get(reverse("portfolio:csv", args=["funnel"])).content.decode("utf-8-sig")
    assert funnel.splitlines()[1].startswith("Idee;3")
    assert client.get(reverse("portfolio:csv", args=["nonsense"])).status_code == 404


def test_the_portfolio_needs_a_sign_in(client_for: Any, db: Any) -> None:
    response = client_for(None).get(reverse("portfolio:page"))
    assert response.status_code == 302


def test_where_decisions_wait_now_belongs_to_the_portfolio(org: Any, client_for: Any) -> None:
    client = client_for(org.role_holders["ai_governance"])

    metrics = client.get(reverse("decisions:metrics")).content.decode()
    reviews = client.get(reverse("decisions:review_list")).content.decode()

    assert f'href="{reverse("portfolio:page")}#waiting"' in metrics  # the breadcrumb leads back
    assert f'<a href="{reverse("portfolio:page")}" aria-current="page">Portfolio</a>' in metrics  # in the navigation
    assert reverse("decisions:metrics") not in reviews
