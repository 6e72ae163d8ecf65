"""A person creates an API token on their token page in German, copies it with the button and revokes it;
the browser sees no console error and no request to another host (the copy script is a static file)."""

from __future__ import annotations

import pytest

from leitplanke.api.models import AccessToken
from leitplanke.api.tokens import token_hash

from ..api.conftest import org
from ..factories import DEFAULT_PASSWORD

__all__ = ["org"]

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SIGN_IN_BUTTON = "form:has(input[name=password]) button[type=submit]"


def test_a_person_creates_copies_and_revokes_a_token(page, live_server, org) -> None:
    # Given Max, signed in to the German UI
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    page.goto(live_server.url + "/account/login/")
    assert page.locator("html").get_attribute("lang") == "de"
    page.get_by_label("Benutzername").fill(org.member.username)
    page.get_by_label("Passwort").fill(DEFAULT_PASSWORD)
    page.locator(SIGN_IN_BUTTON).click()
    page.wait_for_url(live_server.url + "/")

    # When he opens his token page from his profile and creates a read token
    page.locator(".user-link").click()
    page.get_by_test_id("tokens-link").click()
    page.wait_for_url(live_server.url + "/account/tokens/")
    assert page.locator("#id_scope_0").is_checked()
    page.locator("#id_name").fill("Power BI")
    page.get_by_test_id("token-form").locator("button[type=submit]").click()
    page.wait_for_load_state()

    # Then the page shows the whole token once, and the button copies it
    plain = page.get_by_test_id("new-token").inner_text()
    token = AccessToken.objects.get()
    assert token.secret_hash == token_hash(plain)
    page.get_by_test_id("copy-token").click()
    page.locator("[data-copy-status]").filter(has_text=".").wait_for()
    assert page.evaluate("navigator.clipboard.readText()") == plain

    # and after a reload of the list it is gone
    page.goto(live_server.url + "/account/tokens/")
    assert page.get_by_test_id("new-token").count() == 0
    assert page.get_by_test_id(f"token-{token.prefix}").is_visible()

    # When he revokes it and confirms, it stays listed as revoked
    page.get_by_test_id(f"token-{token.prefix}").get_by_role("link").click()
    page.get_by_test_id("confirm-revoke").locator("button[type=submit]").click()
    page.wait_for_url(live_server.url + "/account/tokens/")
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert page.get_by_test_id(f"token-{token.prefix}").locator(".badge--rejected").is_visible()

    # and the browser reported nothing wrong and asked no other host for anything
    assert page.console_problems == []
    assert page.foreign_requests == []
