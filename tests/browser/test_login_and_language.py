"""A demo user signs in, switches to English and back, and the browser sees nothing wrong."""

from __future__ import annotations

import pytest
from django.core.management import call_command

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DEMO_PASSWORD = "Browser-Test-Passwort-1"


def test_demo_user_signs_in_and_switches_language(page, live_server) -> None:
    # Given the demo company
    call_command("demo", password=DEMO_PASSWORD, verbosity=0)

    # When a team lead opens Leitplanke, the sign-in page is German
    page.goto(live_server.url + "/")
    assert page.locator("h1").inner_text() == "Bei Leitplanke anmelden"
    assert page.locator("html").get_attribute("lang") == "de"

    # She signs in with her demo login
    page.get_by_label("Benutzername").fill("nina.scholz")
    page.get_by_label("Passwort").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Anmelden").click()
    page.wait_for_url(live_server.url + "/")
    assert page.locator("h1").inner_text() == "Willkommen, Nina Scholz"
    assert page.get_by_role("navigation", name="Hauptnavigation").is_visible()

    # keyboard users reach the skip link first
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"

    # switches to English
    page.get_by_test_id("lang-en").click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "Welcome, Nina Scholz"
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_test_id("lang-en").get_attribute("aria-pressed") == "true"

    # the choice sticks when she opens another page
    page.get_by_role("link", name="Organisation").click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "Organisation"
    assert page.get_by_role("columnheader", name="Lead").is_visible()

    # and back to German
    page.get_by_test_id("lang-de").click()
    page.wait_for_load_state()
    assert page.get_by_role("columnheader", name="Leitung").is_visible()
    page.goto(live_server.url + "/")
    assert page.locator("h1").inner_text() == "Willkommen, Nina Scholz"

    # Then the browser reported no console error and asked no other host for anything
    assert page.console_problems == []
    assert page.foreign_requests == []


def test_wrong_password_shows_an_error_without_console_problems(page, live_server) -> None:
    call_command("demo", password=DEMO_PASSWORD, verbosity=0)

    page.goto(live_server.url + "/account/login/")
    page.get_by_label("Benutzername").fill("nina.scholz")
    page.get_by_label("Passwort").fill("falsch")
    page.get_by_role("button", name="Anmelden").click()

    assert page.get_by_role("alert").inner_text().startswith("Bitte Benutzername und Passwort eingeben")
    assert page.console_problems == []
    assert page.foreign_requests == []
