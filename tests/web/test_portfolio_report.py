"""The portfolio as a report: the JSON contract, the workbook, the PDF; from the page and the command line."""

from __future__ import annotations

import io
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from openpyxl import load_workbook
from pypdf import PdfReader

from leitplanke.impact import portfolio

from ..impact.conftest import board, client_for, make_usecase, org, tools
from ..impact.test_portfolio import World, world

__all__ = ["board", "client_for", "make_usecase", "org", "tools", "world"]

pytestmark = pytest.mark.django_db

VALUE_KEYS = {"expected_eur_per_year", "realised_eur_per_year", "expected_hours_per_month", "realised_hours_per_month"}


def export(*args: str) -> str:
    out = io.StringIO()
    call_command("export", "portfolio", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_the_json_contract_holds_every_section_with_its_figures(world: World, board: Any, client_for: Any) -> None:
    response = client_for(board).get(reverse("web:portfolio_report", args=["json"]))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    data = json.loads(response.content)
    assert set(data) == {"objectives", "funnel", "value", "by_unit", "literacy", "generated"}
    figures = portfolio.portfolio(portfolio.Scope(board, None, world.period))
    assert set(data["value"]) == VALUE_KEYS
    assert data["value"]["realised_eur_per_year"] == float(figures.value.total.realised_eur_per_year) == 17400.0
    assert data["value"]["expected_hours_per_month"] == 14.0
    assert data["funnel"] == {step.key: step.count for step in figures.funnel}
    assert list(data["funnel"]) == ["idea", "submitted", "approved", "pilot", "production", "retired"]
    objectives = {row["title"]: row for row in data["objectives"]}
    assert set(objectives["Firma"]) == {"id", "title", "target", "progress_percent", "usecases"}
    assert objectives["Firma"]["usecases"] == sorted([world.invoices.pk, world.payroll.pk, world.campaigns.pk])
    assert objectives["Firma"]["progress_percent"] == 48.3
    assert objectives["Niemand arbeitet daran"]["usecases"] == []
    units = {row["unit"]: row for row in data["by_unit"]}
    assert set(units["fin"]) == VALUE_KEYS | {"unit", "usecases", "measured"}
    assert units["fin"]["realised_hours_per_month"] == 20.0
    assert units["mkt"]["expected_eur_per_year"] == float(Decimal("1000") + 4 * 60 * 12)
    literacy = {row["unit"]: row["coverage_percent"] for row in data["literacy"]}
    assert literacy == {"fin": None, "mkt": 60.0}  # Finanzen has one person: no figure


def test_the_command_exports_a_units_subtree_as_json(world: World) -> None:
    data = json.loads(export("--format", "json", "--unit", "fin"))

    assert [row["unit"] for row in data["by_unit"]] == ["fin-buha"]
    assert data["funnel"]["idea"] == 2  # Gehaltsabrechnung and Altes Projekt; Rechnungen is older
    assert data["value"]["realised_eur_per_year"] == 17400.0
    assert {row["title"] for row in data["objectives"]} == {"Firma", "Finanzen"}


def test_an_unknown_unit_is_refused(world: World) -> None:
    with pytest.raises(CommandError):
        export("--format", "json", "--unit", "nowhere")


def test_the_workbook_has_one_sheet_per_section_with_the_figures(world: World, tmp_path: Path) -> None:
    target = tmp_path / "portfolio.xlsx"
    export("--format", "xlsx", "--lang", "de", "--output", str(target))

    workbook = load_workbook(target)
    assert workbook.sheetnames[:6] == [
        "Ziele",
        "Trichter",
        "Nutzen pro Abteilung",
        "Nutzen pro Ziel",
        "Risikoklassen",
        "KI-Kompetenz",
    ]
    value = [list(row) for row in workbook["Nutzen pro Abteilung"].iter_rows(values_only=True)]
    assert value[-1][0] == "Gesamt" and value[-1][5] == 17400
    funnel = [list(row) for row in workbook["Trichter"].iter_rows(values_only=True)]
    assert [row[1] for row in funnel[1:]] == [3, 3, 2, 2, 2, 1]
    literacy = {row[0]: row[1] for row in workbook["KI-Kompetenz"].iter_rows(min_row=2, values_only=True)}
    assert literacy == {"Finanzen": None, "Marketing": 60.0}


def pdf_text(content: bytes) -> tuple[int, str]:
    reader = PdfReader(io.BytesIO(content))
    return len(reader.pages), "\n".join(page.extract_text() for page in reader.pages)


def test_the_page_offers_the_pdf_in_german_with_the_figures(world: World, board: Any, client_for: Any) -> None:
    client = client_for(board)
    page = client.get(reverse("portfolio:page")).content.decode()
    assert reverse("web:portfolio_report", args=["pdf"]) in page

    response = client.get(reverse("web:portfolio_report", args=["pdf"]), {"lang": "de"})

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="portfolio.pdf"'
    pages, text = pdf_text(response.content)
    assert 2 <= pages <= 6
    assert "KI-Portfolio" in text
    assert "Erfasste Anwendungsfälle" in text and "Nutzen: erwartet und erzielt" in text  # umlauts intact
    assert "17.400" in text  # realised EUR per year
    assert "Niemand arbeitet daran" in text
    assert "Rechnungen" in text and "Gehaltsabrechnung prüfen" not in text  # not readable for leadership
    assert "60 %" in text  # literacy of Marketing


def test_the_command_writes_the_english_pdf_of_a_unit(world: World, tmp_path: Path) -> None:
    target = tmp_path / "fin.pdf"
    export("--format", "pdf", "--lang", "en", "--unit", "fin", "--output", str(target))

    pages, text = pdf_text(target.read_bytes())
    assert 2 <= pages <= 6
    assert "AI portfolio: Finanzen" in text
    assert "17,400" in text
    assert "Gehaltsabrechnung prüfen" in text  # operators' exports name every use case


def test_reports_follow_the_page_filters_and_need_a_sign_in(world: World, board: Any, client_for: Any) -> None:
    client = client_for(board)
    data = json.loads(client.get(reverse("web:portfolio_report", args=["json"]), {"unit": "mkt"}).content)
    assert data["value"]["realised_eur_per_year"] == 0.0
    assert client.get(reverse("web:portfolio_report", args=["docx"])).status_code == 404
    assert client_for(None).get(reverse("web:portfolio_report", args=["pdf"])).status_code == 302


def test_the_pdf_of_someone_without_a_view_of_the_company_holds_figures_but_no_titles(
    world: World, client_for: Any
) -> None:
    response = client_for(world.org.outsider).get(reverse("web:portfolio_report", args=["pdf"]), {"lang": "de"})

    _pages, text = pdf_text(response.content)
    assert "17.400" in text
    for title in ("Rechnungen", "Gehaltsabrechnung prüfen", "Kampagnen texten"):
        assert title not in text
