"""The verdict answers while a team lead fills in the risk questions, and the profile explains it."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from leitplanke.guardrails.models import Verdict
from leitplanke.usecases.models import UseCase

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DEMO_PASSWORD = "Browser-Test-Passwort-1"


def _sign_in(page, live_server, username: str) -> None:
    page.goto(live_server.url + "/account/login/")
    page.get_by_label("Benutzername").fill(username)
    page.get_by_label("Passwort").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Anmelden").click()
    page.wait_for_url(live_server.url + "/")


def test_the_verdict_follows_the_answers_live_and_the_profile_explains_it(page, live_server) -> None:
    # Given the demo company and a harmless use case of Nina Scholz's team
    call_command("demo", password=DEMO_PASSWORD, verbosity=0)
    usecase = UseCase.objects.get(title="Kampagnentexte für Social Media")
    assert Verdict.objects.get(usecase=usecase).decision == "team_lead"
    _sign_in(page, live_server, "nina.scholz")

    # When she opens the risk questions, the verdict panel shows the stored verdict
    page.goto(f"{live_server.url}/usecases/{usecase.pk}/intake/risk/")
    verdict = page.get_by_test_id("verdict")
    assert "Teamleitung entscheidet" in verdict.get_by_test_id("decision").inner_text()

    # and when she ticks "recruiting" and says the output prepares decisions about people,
    form = page.get_by_test_id("intake-risk")
    form.locator("input[name=purposes][value=recruiting]").check()
    form.locator("input[name=decision_role][value=prepares]").check()

    # then, without saving, the panel says high risk and names the reviews and the reason
    page.get_by_test_id("risk-class").filter(has_text="Hohes Risiko").wait_for()
    verdict = page.get_by_test_id("verdict")
    assert "Prüfung" in verdict.get_by_test_id("decision").inner_text()
    assert "KI-Governance" in verdict.inner_text() and "Betriebsrat" in verdict.inner_text()
    assert verdict.locator("[data-rule=ai-act-annex3-4a-recruiting]").count() == 1
    assert Verdict.objects.get(usecase=usecase).decision == "team_lead"  # nothing saved by looking

    # When she saves, the profile explains the verdict reason by reason, and the history records it
    form.get_by_test_id("next").click()
    page.goto(f"{live_server.url}/usecases/{usecase.pk}/")
    verdict = page.get_by_test_id("verdict")
    assert verdict.get_by_test_id("risk-class").inner_text() == "Hohes Risiko"
    reason = verdict.locator("[data-rule=ai-act-annex3-4a-recruiting]")
    reason.locator("summary").click()
    assert "Anhang III" in reason.inner_text()
    assert "Leitplanken-Urteil geändert" in page.locator(".history").inner_text()
    assert Verdict.objects.get(usecase=usecase).risk_class == "high"
    assert page.console_problems == [] and page.foreign_requests == []


def test_governance_reads_the_rules_with_their_tests(page, live_server) -> None:
    call_command("demo", password=DEMO_PASSWORD, verbosity=0)
    _sign_in(page, live_server, "laura.fuchs")
    page.get_by_role("navigation", name="Hauptnavigation").get_by_role("link", name="Leitplanken").click()
    assert page.locator("h1").inner_text() == "Leitplanken"
    rule = page.locator("#rule-ai-act-art5-1f-emotion-work-education")
    rule.locator("summary").click()
    assert "Emotionserkennung am Arbeitsplatz" in rule.inner_text()
    assert "EU AI Act Art. 5(1)(f)" in rule.inner_text()
    # an employee sees the rules but is not offered to publish them
    assert page.get_by_role("link", name="Neue Version veröffentlichen").count() == 0
    assert page.console_problems == [] and page.foreign_requests == []
