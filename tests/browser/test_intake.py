"""A team lead registers a use case in German through the guided intake, finds it in the library, and
its history shows the creation; the browser sees no console error and asks no other host."""

from __future__ import annotations

import re

import pytest
from django.core.management import call_command
from django.utils import translation

from leitplanke.audit.labels import action_label
from leitplanke.org.models import OrgUnit
from leitplanke.usecases.models import Status, UseCase

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DEMO_PASSWORD = "Browser-Test-Passwort-1"
TITLE = "Produkttexte für den Herbstkatalog"


def test_team_lead_completes_the_intake_and_finds_the_use_case_in_the_library(page, live_server) -> None:
    # Given the demo company, and Nina Scholz, lead of "Content & Kampagnen", signed in
    call_command("demo", password=DEMO_PASSWORD, verbosity=0)
    team = OrgUnit.objects.get(code="mkt-content")
    page.goto(live_server.url + "/account/login/")
    page.get_by_label("Benutzername").fill("nina.scholz")
    page.get_by_label("Passwort").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Anmelden").click()
    page.wait_for_url(live_server.url + "/")

    # When she opens the use cases and starts the intake
    page.get_by_role("navigation", name="Hauptnavigation").get_by_role("link", name="Anwendungsfälle").click()
    page.get_by_test_id("new-usecase").click()
    assert page.locator("html").get_attribute("lang") == "de"

    # Step 1: basics
    form = page.get_by_test_id("intake-basics")
    form.locator("[name=title]").fill(TITLE)
    form.locator("[name=summary]").fill("Der Chat-Assistent entwirft Produkttexte, die Redaktion prüft sie.")
    form.locator("[name=problem]").fill("300 Produkte brauchen bis September neue Texte.")
    form.locator("[name=unit]").select_option(str(team.pk))
    form.locator("[name=stage]").select_option("pilot")
    form.get_by_test_id("next").click()

    # Step 2: tools and people (the not-allowed web chatbot is visibly marked)
    form = page.get_by_test_id("intake-tools")
    assert form.locator(".tool-choice--not-allowed").filter(has_text="Freier Web-Chatbot").count() == 1
    form.get_by_label("Enterprise-Chat").check()
    form.locator("[name=contributors]").fill("laura.fuchs")
    form.locator("[name=expected_hours_per_month]").fill("12,5")
    form.get_by_test_id("next").click()

    # Step 3: the risk questions, one answered "I am not sure"
    form = page.get_by_test_id("intake-risk")
    for name, value in [
        ("purposes", "content_creation"),
        ("affected_people", "public"),
        ("interacts_with_people", "no"),
        ("generated_content", "text"),
        ("personal_data", "none"),
        ("data_classification", "internal"),
        ("monitors_employees", "unsure"),
        ("decision_role", "none"),
        ("human_review", "always"),
        ("scale", "large"),
    ]:
        form.locator(f"input[name={name}][value={value}]").check()
    form.get_by_test_id("next").click()

    # Step 4: review and submit
    page.get_by_test_id("submit").click()
    page.wait_for_url(re.compile(r"/usecases/\d+/$"))
    assert page.locator("h1").inner_text() == TITLE
    assert page.locator(".answer--unsure").count() == 1

    # Then she finds it in the library
    page.get_by_role("navigation", name="Hauptnavigation").get_by_role("link", name="Anwendungsfälle").click()
    page.locator("input[name=q]").fill("Herbstkatalog")
    page.locator("form.filters button[type=submit]").click()
    page.get_by_role("link", name=TITLE).click()

    # and its history shows the creation, by her
    usecase = UseCase.objects.get(title=TITLE)
    # "unsure" about monitoring employees: the works council reviews it before the team lead decides
    assert (usecase.status, usecase.owner.username, usecase.unit) == (Status.IN_REVIEW, "nina.scholz", team)
    with translation.override("de"):
        created = action_label("usecase.created")
    with translation.override("de"):
        verdict_labels = (action_label("guardrails.verdict.recorded"), action_label("guardrails.verdict.changed"))
    history = page.locator("section.history tbody tr")
    rows = [history.nth(number).inner_text() for number in range(history.count())]
    verdicts = [row for row in rows if any(label in row for label in verdict_labels)]
    with translation.override("de"):
        decision_labels = (action_label("decisions.review.opened"), action_label("decisions.usecase.routed"))
    routing = [row for row in rows if any(label in row for label in decision_labels)]
    assert len(routing) == 2  # the works council's review requested, the way to a decision set
    assert len(rows) - len(verdicts) - len(routing) == 4  # created, two steps saved, submitted
    assert verdicts  # the guardrail verdict came with the first step and followed the answers
    oldest = history.last
    assert created in oldest.inner_text()
    assert "Nina Scholz" in oldest.inner_text()

    assert page.console_problems == []
    assert page.foreign_requests == []
