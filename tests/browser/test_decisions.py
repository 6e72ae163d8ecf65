"""The acceptance test of the decision workflow, in German, in the browser: the owner submits a use case
that needs a data-protection review, the reviewer approves it with a condition, the owner records the
evidence for that condition, the team lead approves it for production, and it moves into production.
No browser sees a console error or asks another host for anything."""

from __future__ import annotations

import pytest

from leitplanke.audit.models import Event
from leitplanke.audit.services import object_type_of
from leitplanke.catalog import services as catalog
from leitplanke.decisions.models import Obligation, ObligationStatus, Review, ReviewStatus
from leitplanke.usecases.models import Stage, Status, UseCase

from ..decisions.conftest import COMPLETE_FACTS, make_usecase, org, qualified_lead, reviewers, tools
from ..factories import DEFAULT_PASSWORD
from .conftest import browser_page

# The fixtures of the decision tests, used here (the registry's small company and its reviewers).
__all__ = ["make_usecase", "org", "qualified_lead", "reviewers", "tools"]

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TITLE = "Kundenanfragen zu Rechnungen vorsortieren"
#: Customers' personal data in a tool approved for it: the default bundle asks data protection only.
FACTS = {**COMPLETE_FACTS, "personal_data": "personal", "affected_people": ["consumers"]}
CONDITION = "Vor dem Start den Eintrag im Verarbeitungsverzeichnis ergänzen und die Löschfrist auf 90 Tage setzen."
EVIDENCE = "Verarbeitungsverzeichnis Nr. 112 ergänzt, Löschfrist 90 Tage eingerichtet (Ticket DS-481)."
OBLIGATION = "Auflagen der Prüfung durch Datenschutz"
SIGN_IN_BUTTON = "form:has(input[name=password]) button[type=submit]"


def sign_in(page, live_server, username: str) -> None:
    page.goto(live_server.url + "/account/login/")
    assert page.locator("html").get_attribute("lang") == "de"
    page.get_by_label("Benutzername").fill(username)
    page.get_by_label("Passwort").fill(DEFAULT_PASSWORD)
    page.locator(SIGN_IN_BUTTON).click()
    page.wait_for_url(live_server.url + "/")


def badges(page) -> str:
    return page.locator(".usecase-badges").inner_text()


def test_use_case_with_a_data_protection_condition_goes_into_production(
    page, browser, live_server, org, reviewers, qualified_lead, tools, make_usecase, tmp_path
) -> None:
    # Given Enterprise-Chat, approved for personal data with a signed data-processing agreement,
    tool = catalog.tool_update(actor=None, tool=tools["Enterprise-Chat"], dpa_signed=True)
    # and a draft of Max Member (Buchhaltung, below Finanzen) for its pilot, processing customers' data
    usecase = make_usecase(
        title=TITLE,
        summary="Der Chat-Assistent ordnet E-Mails von Kundinnen und Kunden zu Rechnungen vor.",
        status=Status.DRAFT,
        stage=Stage.PILOT,
        tools=[tool],
        **FACTS,
    )
    # the rules ask data protection, and only data protection, for the pilot and for production
    assert usecase.verdict.summary["reviews"] == ["data_protection"]
    usecase_url = f"{live_server.url}/usecases/{usecase.pk}/"

    # When the owner opens his draft and submits it through the last step of the intake
    sign_in(page, live_server, org.member.username)
    page.goto(usecase_url)
    assert "Entwurf" in badges(page)
    page.get_by_role("link", name="Erfassung fortsetzen").click()
    page.get_by_test_id("intake-review").get_by_role("button", name="Anwendungsfall einreichen").click()
    page.wait_for_url(usecase_url)
    # Then it is in review, waiting for data protection
    assert f"„{TITLE}“ ist eingereicht und wartet auf die Prüfungen" in page.locator("main").inner_text()
    assert "In Prüfung" in badges(page)
    panel = page.get_by_test_id("decision-panel")
    assert "Wartet auf 1 Prüfung, bevor die Teamleitung entscheidet." in panel.inner_text()
    assert "Datenschutz" in panel.locator("tbody tr").first.inner_text()
    page.screenshot(path=str(tmp_path / "1-eingereicht.png"), full_page=True)

    with browser_page(browser, live_server) as reviewer:
        # When Dana, data protection for Finanzen, signs in, her inbox names the review requested of her
        sign_in(reviewer, live_server, reviewers.finance_privacy.username)
        reviewer.get_by_test_id("inbox-link").click()
        assert f"Prüfung erbeten: „{TITLE}“" in reviewer.get_by_test_id("notifications").inner_text()
        # she opens the reviews, then this one
        reviewer.get_by_role("navigation", name="Hauptnavigation").get_by_role("link", name="Prüfungen").click()
        reviewer.get_by_role("link", name=TITLE).click()
        assert reviewer.locator("h1").inner_text() == f"Prüfung durch Datenschutz: {TITLE}"
        # and approves it with a condition
        form = reviewer.get_by_test_id("review-form")
        form.get_by_label("Mit Auflagen freigeben").check()
        form.get_by_label("Auflagen", exact=True).fill(CONDITION)
        reviewer.screenshot(path=str(tmp_path / "2-pruefung.png"), full_page=True)
        form.get_by_role("button", name="Entscheidung speichern").click()
        reviewer.wait_for_url(live_server.url + "/reviews/")
        assert "Ihre Entscheidung ist gespeichert" in reviewer.locator("main").inner_text()
        assert "Freigegeben mit Auflagen" in reviewer.locator("main").inner_text()  # decided by her lately
        reviewer_problems = (reviewer.console_problems, reviewer.foreign_requests)

    # When the owner looks again, the condition is his obligation, to be done before production
    page.goto(usecase_url)
    obligations = page.get_by_test_id("obligations")
    row = obligations.locator("tbody tr").filter(has_text=OBLIGATION)
    assert "vor der Produktion" in row.inner_text()
    assert "Offen" in row.inner_text()
    # he records the evidence, a text and the exported register entry
    row.get_by_role("link", name="Nachweis erfassen").click()
    assert page.locator("h1").inner_text() == OBLIGATION
    assert CONDITION in page.locator(".lead").inner_text()
    form = page.get_by_test_id("obligation-form")
    form.get_by_label("Nachweis", exact=True).fill(EVIDENCE)
    form.get_by_label("Datei mit dem Nachweis").set_input_files(
        {"name": "verarbeitungsverzeichnis-112.txt", "mimeType": "text/plain", "buffer": EVIDENCE.encode()}
    )
    page.screenshot(path=str(tmp_path / "3-nachweis.png"), full_page=True)
    form.get_by_role("button", name="Als erledigt markieren").click()
    page.wait_for_url(usecase_url)
    # Then the obligation is done
    assert "Die Auflage ist erledigt." in page.locator("main").inner_text()
    row = page.get_by_test_id("obligations").locator("tbody tr").filter(has_text=OBLIGATION)
    assert "Erledigt" in row.inner_text()

    with browser_page(browser, live_server) as lead:
        # When Lea, the qualified lead of Buchhaltung, finds it waiting for her and approves it for production
        sign_in(lead, live_server, qualified_lead.username)
        lead.get_by_test_id("my-approvals").get_by_role("link", name=TITLE).click()
        lead.wait_for_url(usecase_url)
        approve = lead.get_by_test_id("approve-form")
        approve.get_by_label("Produktion").check()
        approve.get_by_label("Ich habe die Einschätzung und ihre Pflichten gelesen").check()
        lead.screenshot(path=str(tmp_path / "4-freigabe.png"), full_page=True)
        approve.get_by_role("button", name="Freigeben").click()
        lead.wait_for_url(usecase_url)
        # Then it is approved, by her, for production
        assert f"Sie haben „{TITLE}“ freigegeben." in lead.locator("main").inner_text()
        assert "Freigegeben" in badges(lead)
        assert "Freigegeben von Lea Lead für Produktion am" in lead.get_by_test_id("decision-panel").inner_text()
        lead_problems = (lead.console_problems, lead.foreign_requests)

    # When the owner moves it into production
    page.goto(usecase_url)
    page.get_by_test_id("stage-form").get_by_role("button", name="In die Produktion übernehmen").click()
    page.wait_for_url(usecase_url)
    # Then the page shows it approved and in production
    assert "Der Anwendungsfall ist jetzt in der Phase „Produktion“." in page.locator("main").inner_text()
    assert "Freigegeben" in badges(page)
    assert "Produktion" in badges(page)
    assert page.get_by_role("button", name="In die Produktion übernehmen").count() == 0
    page.screenshot(path=str(tmp_path / "5-in-produktion.png"), full_page=True)

    # and the database agrees, with an audit event for every step
    usecase = UseCase.objects.get(pk=usecase.pk)
    assert (usecase.stage, usecase.status) == (Stage.PRODUCTION, Status.APPROVED)
    review = Review.objects.get(usecase=usecase, role="data_protection")
    assert (review.status, review.conditions, review.decided_by) == (
        ReviewStatus.APPROVED_WITH_CONDITIONS,
        CONDITION,
        reviewers.finance_privacy,
    )
    condition = Obligation.objects.get(usecase=usecase, review=review)
    assert (condition.status, condition.evidence, condition.completed_by, condition.blocking) == (
        ObligationStatus.DONE,
        EVIDENCE,
        org.member,
        True,
    )
    assert condition.evidence_file_name == "verarbeitungsverzeichnis-112.txt"
    with condition.evidence_file.open("rb") as stored:
        assert stored.read() == EVIDENCE.encode()
    actions = list(
        Event.objects.filter(
            object_type=object_type_of(usecase),
            object_id=str(usecase.pk),
            action__in=[
                "usecase.submitted",
                "decisions.review.decided",
                "decisions.obligation.completed",
                "decisions.usecase.approved",
                "decisions.usecase.stage_moved",
            ],
        )
        .order_by("seq")
        .values_list("action", "actor")
    )
    assert actions == [
        ("usecase.submitted", org.member.pk),
        ("decisions.review.decided", reviewers.finance_privacy.pk),
        ("decisions.obligation.completed", org.member.pk),
        ("decisions.usecase.approved", qualified_lead.pk),
        ("decisions.usecase.stage_moved", org.member.pk),
    ]

    # No browser reported a console error or asked another host for anything
    assert (page.console_problems, page.foreign_requests) == ([], [])
    assert reviewer_problems == ([], [])
    assert lead_problems == ([], [])
