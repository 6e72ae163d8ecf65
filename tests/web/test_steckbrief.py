"""One use case's Steckbrief as PDF and JSON: on its page, for whoever may see it, and on the command line."""

from __future__ import annotations

import datetime as dt
import io
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import translation
from pypdf import PdfReader

from leitplanke.decisions import services as decisions
from leitplanke.decisions.models import Review
from leitplanke.impact import services as impact
from leitplanke.web.pdf import BASE_URL, pdf_language, static_file_for

from ..decisions.conftest import WORKS_COUNCIL_FACTS, client_for, make_usecase, org, qualified_lead, reviewers, tools

__all__ = ["client_for", "make_usecase", "org", "qualified_lead", "reviewers", "tools"]

pytestmark = pytest.mark.django_db

TITLE = "Prüfung der Eingangsrechnungen"


@pytest.fixture
def approved(make_usecase, reviewers, qualified_lead, tools) -> Any:
    """A use case the works council approved with conditions and the team lead approved for the pilot."""
    usecase = make_usecase(
        title=TITLE,
        summary="Rechnungen werden vorkontiert; der Datenschutz hat die Übermittlung geprüft.",
        problem="Die Buchhaltung tippt Rechnungsdaten von Hand ab.",
        tools=[tools["Enterprise-Chat"]],
        expected_hours_per_month=Decimal("1234.5"),
        expected_euros_per_year=Decimal("88000"),
        **WORKS_COUNCIL_FACTS,
    )
    decisions.review_decide(
        actor=reviewers.works_council,
        review=Review.objects.get(usecase=usecase),
        outcome="approved_with_conditions",
        conditions="Keine Auswertung einzelner Beschäftigter.",
    )
    usecase.refresh_from_db()
    return decisions.usecase_approve(actor=qualified_lead, usecase=usecase)


def _pages(content: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(content)).pages]


def test_the_german_steckbrief_holds_what_the_works_council_asks_for(approved, org, client_for) -> None:
    response = client_for(org.member).get(reverse("web:usecase_pdf", args=[approved.pk]), {"lang": "de"})

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="steckbrief-{approved.pk}.pdf"'
    pages = _pages(response.content)
    assert 2 <= len(pages) <= 6
    text = " ".join(" ".join(pages).split())  # lines broken where the page breaks them
    for expected in (
        TITLE,
        "KI-Steckbrief",
        "Datenschutz hat die Übermittlung geprüft",
        "Buchhaltung",
        "Max Member",  # the owner
        "Enterprise-Chat",
        "1.234,5",  # hours per month, in German
        "88.000 €",
        "Verhalten oder Leistung von Beschäftigten zu überwachen?",  # a risk question, in German
        "Urteil der Leitplanken",
        "Betriebsrat",
        "Freigegeben mit Auflagen",
        "Keine Auswertung einzelner Beschäftigter.",
        "Lea Lead",  # who approved
        "Auflagen der Prüfung durch Betriebsrat",  # the condition became an obligation
        "Anwendungsfall angelegt",  # history
    ):
        assert expected in text, expected
    # every page's footer: the title and the page number
    for number, page in enumerate(pages, start=1):
        assert f"KI-Steckbrief: {TITLE}" in page
        assert f"{number} / {len(pages)}" in page
    assert PdfReader(io.BytesIO(response.content)).metadata.title == f"KI-Steckbrief: {TITLE}"


@pytest.mark.parametrize("viewer", ["other_unit", "data_protection", "administrator"])
def test_a_confidential_steckbrief_stays_as_confidential_as_the_page(viewer, make_usecase, org, client_for) -> None:
    usecase = make_usecase(confidential=True)

    response = client_for(org.viewer(viewer)).get(reverse("web:usecase_pdf", args=[usecase.pk]))

    assert response.status_code == 404


def test_signed_out_people_are_sent_to_sign_in(make_usecase, client_for) -> None:
    response = client_for(None).get(reverse("web:usecase_pdf", args=[make_usecase().pk]))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_the_profile_offers_the_pdf_to_its_readers(make_usecase, org, client_for) -> None:
    usecase = make_usecase()

    page = client_for(org.outsider).get(reverse("usecases:detail", args=[usecase.pk]))

    assert reverse("web:usecase_pdf", args=[usecase.pk]).encode() in page.content


def test_the_command_writes_the_english_pdf_next_to_the_caller(approved, tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)

    call_command("export", "usecase", str(approved.pk), "--format", "pdf", "--lang", "en", stderr=io.StringIO())

    written = Path(tmp_path, f"steckbrief-{approved.pk}.pdf")
    text = " ".join(" ".join(_pages(written.read_bytes())).split())
    assert f"AI use case profile: {TITLE}" in text
    assert "1,234.5" in text
    assert "Approved with conditions" in text
    assert "Keine Auswertung einzelner Beschäftigter." in text  # what people wrote stays as written


def test_the_json_has_the_documented_fields(approved) -> None:
    out = io.StringIO()

    call_command("export", "usecase", str(approved.pk), "--format", "json", "--lang", "de", stdout=out)

    data = json.loads(out.getvalue())
    assert {
        "format_version", "language", "generated", "id", "title", "summary", "problem", "confidential", "version",
        "unit", "owner", "unit_lead", "status", "stage", "tools", "expected_benefit", "risk_answers", "verdict",
        "reviews", "approval", "obligations", "history", "kpis",
    } <= set(data)  # fmt: skip
    assert (data["id"], data["title"], data["language"]) == (approved.pk, TITLE, "de")
    assert data["unit"] == {"code": "fin-buha", "name": "Buchhaltung"}
    assert data["status"] == {"code": "approved", "label": "Freigegeben"}
    assert data["expected_benefit"]["hours_per_month"] == 1234.5
    assert [tool["name"] for tool in data["tools"]] == ["Enterprise-Chat"]
    answers = {answer["fact"]: answer for answer in data["risk_answers"]}
    assert answers["monitors_employees"]["answers"] == ["yes"]
    assert data["verdict"]["decision"] == approved.verdict.decision
    assert data["verdict"]["reasons"]
    [review] = data["reviews"]
    assert (review["role"], review["status"]) == ("works_council", "approved_with_conditions")
    assert review["conditions"] == "Keine Auswertung einzelner Beschäftigter."
    assert data["approval"]["approved_by"] == "Lea Lead"
    assert any(o["title"] == "Auflagen der Prüfung durch Betriebsrat" for o in data["obligations"])
    assert {"usecase.created", "decisions.usecase.approved"} <= {event["action"] for event in data["history"]}


@pytest.fixture
def measured(approved, org, settings) -> Any:
    """The approved use case with a KPI of saved hours, measured twice, and one never measured."""
    settings.LEITPLANKE_HOURLY_RATE_EUR = 60
    kpi = impact.kpi_create(
        actor=org.member,
        usecase=approved,
        name="Eingesparte Stunden",
        kind="hours_saved_per_month",
        baseline=Decimal("0"),
        target=Decimal("40"),
        target_date=dt.date(2027, 12, 31),
    )
    impact.measurement_record(actor=org.member, kpi=kpi, measured_on=dt.date(2025, 5, 31), value=Decimal("12"))
    impact.measurement_record(actor=org.member, kpi=kpi, measured_on=dt.date(2025, 6, 30), value=Decimal("30"))
    impact.kpi_create(
        actor=org.member, usecase=approved, name="Fehlerquote", kind="quality_percent", baseline=Decimal("8"),
        better_when="lower",
    )  # fmt: skip
    return approved


def test_the_json_names_each_kpi_with_its_latest_value_and_realised_benefit(measured) -> None:
    out = io.StringIO()

    call_command("export", "usecase", str(measured.pk), "--format", "json", "--lang", "de", stdout=out)

    kpis = {kpi["name"]: kpi for kpi in json.loads(out.getvalue())["kpis"]}
    hours, errors = kpis["Eingesparte Stunden"], kpis["Fehlerquote"]
    assert (hours["kind"], hours["kind_label"], hours["unit"]) == (
        "hours_saved_per_month",
        "Eingesparte Stunden pro Monat",
        "h",
    )
    assert (hours["baseline"], hours["target"], hours["target_date"]) == (0.0, 40.0, "2027-12-31")
    assert hours["latest"] == {"measured_on": "2025-06-30", "value": 30.0}
    assert hours["realised"] == {
        "improvement": 30.0,
        "progress_percent": 75.0,
        "hours_per_month": 30.0,
        "euros_per_year": 21600.0,  # 30 h × 60 EUR × 12 months
        "on_track": True,
    }
    assert (errors["latest"], errors["realised"], errors["unit"]) == (None, None, "%")


def test_the_pdf_shows_the_kpis(measured, org, client_for) -> None:
    response = client_for(org.member).get(reverse("web:usecase_pdf", args=[measured.pk]), {"lang": "de"})

    text = " ".join(_pages(response.content))
    assert "Kennzahlen" in text and "Eingesparte Stunden" in text and "Fehlerquote" in text
    assert "Realisierter Nutzen" in text
    assert "30 h/Monat" in text
    assert "21.600 EUR/Jahr" in text
    assert "75 % des Ziels" in text
    assert "noch nicht gemessen" in text


def test_the_json_goes_to_a_file_when_named(approved, tmp_path) -> None:
    target = tmp_path / "steckbrief.json"

    call_command(
        "export", "usecase", str(approved.pk), "--format", "json", "--output", str(target), stderr=io.StringIO()
    )

    assert json.loads(target.read_text(encoding="utf-8"))["id"] == approved.pk


def test_the_command_names_an_unknown_use_case() -> None:
    with pytest.raises(CommandError, match="No use case with the number 999999"):
        call_command("export", "usecase", "999999", "--format", "json")


@pytest.mark.parametrize(
    "url",
    [
        "http://example.com/style.css",
        "https://leitplanke.invalid/static/leitplanke/print.css",
        "file:///etc/passwd",
        "data:text/css,body{}",
        BASE_URL + "static/../../../../etc/passwd",
        BASE_URL + "media/evidence/1/report.pdf",
    ],
)
def test_rendering_reads_nothing_but_the_apps_static_files(url) -> None:
    with pytest.raises(ValueError, match=r"refused|no such"):
        static_file_for(url)


def test_the_print_stylesheet_is_read_from_disk() -> None:
    path = static_file_for(BASE_URL + "static/leitplanke/print.css")

    assert "@page" in path.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("requested", "active", "expected"), [("en", "de", "en"), (None, "en", "en"), ("fr", "de", "de")]
)
def test_the_pdf_is_in_the_requested_language_else_the_readers(requested, active, expected) -> None:
    with translation.override(active):
        assert pdf_language(requested) == expected
