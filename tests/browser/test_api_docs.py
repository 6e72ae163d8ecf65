"""The interactive API docs work in a real browser under the site's Content-Security-Policy."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_docs_show_every_operation_with_local_assets_and_no_csp_violation(page, live_server) -> None:
    page.goto(f"{live_server.url}/api/v1/docs")

    page.locator(".opblock").first.wait_for()
    summaries = page.locator(".opblock-summary-path").all_inner_texts()
    assert {"/api/v1/usecases", "/api/v1/usecases/{usecase_id}"} <= {text.replace("\u200b", "") for text in summaries}
    assert page.foreign_requests == []
    assert page.console_problems == []
