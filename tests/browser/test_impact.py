"""Leadership sets an objective, a team lead links a use case to it and records a measurement of its
KPI, and the portfolio shows the realised value with its chart and hands out the PDF — in German."""

from __future__ import annotations

import re

import pytest

from leitplanke.impact.models import Kpi, Measurement, Objective
from leitplanke.org import services as org_services
from leitplanke.org.models import Role
from leitplanke.usecases.models import Stage, Status

from ..decisions.conftest import make_usecase, org
from ..factories import DEFAULT_PASSWORD, PersonFactory
from .conftest import browser_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

__all__ = ["make_usecase", "org"]

SIGN_IN_BUTTON = "form:has(input[name=password]) button[type=submit]"
OBJECTIVE = "Durchlaufzeit im Backoffice halbieren"
TITLE = "Eingangsrechnungen automatisch prüfen"


def sign_in(page, live_server, username: str) -> None:
    page.goto(live_server.url + "/account/login/")
    page.get_by_label("Benutzername").fill(username)
    page.get_by_label("Passwort").fill(DEFAULT_PASSWORD)
    page.locator(SIGN_IN_BUTTON).click()
    page.wait_for_url(live_server.url + "/")


def test_an_objective_a_linked_use_case_and_a_measurement_reach_the_portfolio(
    page, browser, live_server, org, make_usecase
) -> None:
    # Given the managing director with the leadership role, and a use case of Buchhaltung in production
    director = PersonFactory(username="greta.gf", display_name="Greta Geschäftsführung")
    org_services.membership_add(actor=None, person=director, unit=org.company)
    org_services.role_assign(actor=None, person=director, role=Role.LEADERSHIP)
    usecase = make_usecase(title=TITLE, status=Status.DRAFT, stage=Stage.PRODUCTION)

    # When she sets an objective for the whole company
    sign_in(page, live_server, director.username)
    page.get_by_role("navigation", name="Hauptnavigation").get_by_role("link", name="Ziele").click()
    page.goto(live_server.url + "/objectives/new/")
    page.locator("[name=title]").fill(OBJECTIVE)
    page.locator("[name=metric]").fill("Durchlaufzeit")
    page.locator("[name=metric_unit]").fill("Tage")
    page.locator("[name=baseline]").fill("10")
    page.locator("[name=target_value]").fill("5")
    page.locator("[name=target_date]").fill("2027-12-31")
    page.locator("form.form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/objectives/\d+/$"))
    assert page.locator("h1").inner_text() == OBJECTIVE
    objective = Objective.objects.get(title=OBJECTIVE)

    # and the team lead of Buchhaltung links the use case to it and defines a KPI
    with browser_page(browser, live_server) as lead:
        sign_in(lead, live_server, org.lead.username)
        lead.goto(f"{live_server.url}/usecases/{usecase.pk}/")
        panel = lead.get_by_test_id("impact-panel")
        panel.get_by_role("link", name="Ziele auswählen").click()
        lead.get_by_label(OBJECTIVE).check()
        lead.locator("form.form button[type=submit]").click()
        lead.wait_for_url(f"{live_server.url}/usecases/{usecase.pk}/")
        assert OBJECTIVE in lead.get_by_test_id("impact-panel").inner_text()

        lead.get_by_test_id("impact-panel").get_by_role("link", name="Kennzahl hinzufügen").click()
        lead.locator("[name=name]").fill("Eingesparte Stunden")
        lead.locator("[name=kind]").select_option("hours_saved_per_month")
        lead.locator("[name=better_when]").select_option("higher")
        lead.locator("[name=baseline]").fill("0")
        lead.locator("[name=target]").fill("40")
        lead.locator("form.form button[type=submit]").click()
        lead.wait_for_url(f"{live_server.url}/usecases/{usecase.pk}/")
        lead.get_by_test_id("impact-panel").get_by_role("link", name="Eingesparte Stunden").click()
        lead.wait_for_url(re.compile(r"/objectives/kpis/\d+/$"))

        # and records this month's measurement
        lead.locator("[name=value]").fill("30.5")
        lead.get_by_role("button", name="Erfassen").click()
        lead.wait_for_load_state("networkidle")
        assert "30,5" in lead.locator("main").inner_text()
        assert lead.console_problems == [] and lead.foreign_requests == []

    assert list(objective.usecases.values_list("pk", flat=True)) == [usecase.pk]
    kpi = Kpi.objects.get(usecase=usecase)
    assert [str(m.value) for m in Measurement.objects.filter(kpi=kpi)] == ["30.50"]

    # Then the portfolio shows the realised value (30,5 hours a month at 60 EUR: 21.960 EUR a year)
    page.get_by_role("navigation", name="Hauptnavigation").get_by_role("link", name="Portfolio").click()
    assert page.get_by_test_id("realised-eur").inner_text().startswith("21.960")
    assert "30,5" in page.locator("main").inner_text()
    assert page.locator("main svg[role=img]").count() >= 3
    assert OBJECTIVE in page.locator("main").inner_text()
    # and the PDF downloads
    with page.expect_download() as download:
        page.get_by_role("link", name="PDF").click()
    path = download.value.path()
    with open(path, "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"
    assert page.console_problems == [] and page.foreign_requests == []
