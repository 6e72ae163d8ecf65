"""Playwright driving Debian's Chromium (installed by scripts/test, never by 'playwright install')."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

# Playwright's sync API runs an event loop in this thread; Django's ORM calls made by the test
# itself (setting up data) are still synchronous and safe here.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


@pytest.fixture(scope="session")
def chromium_path() -> str:
    """The path of Debian's Chromium; missing is a failure in CI and a skip elsewhere."""
    path = shutil.which("chromium")
    if path is None:
        if os.environ.get("CI") == "true":
            pytest.fail("Chromium is not installed; scripts/test installs Debian's 'chromium' package.")
        pytest.skip("Chromium is not installed (apt-get install --no-install-recommends chromium)")
    return path


@pytest.fixture(scope="session")
def browser(chromium_path: str) -> Iterator[object]:
    """One headless Chromium for the session."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=chromium_path, headless=True, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@contextmanager
def browser_page(browser, live_server) -> Iterator[object]:
    """A fresh page in a fresh context (one person's browser), German locale, that records console
    errors and requests to other hosts in ``page.console_problems`` and ``page.foreign_requests``."""
    context = browser.new_context(locale="de-DE", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.console_problems, page.foreign_requests = [], []
    origin = live_server.url

    def on_console(message) -> None:
        if message.type in {"error", "warning"}:
            page.console_problems.append(f"{message.type}: {message.text}")

    def on_request(request) -> None:
        if not request.url.startswith((origin + "/", "data:")):
            page.foreign_requests.append(request.url)

    page.on("console", on_console)
    page.on("pageerror", lambda error: page.console_problems.append(f"pageerror: {error}"))
    page.on("request", on_request)
    page.set_default_timeout(15_000)
    try:
        yield page
    finally:
        context.close()


@pytest.fixture
def page(browser, live_server) -> Iterator[object]:
    """The browser of the test's first person."""
    with browser_page(browser, live_server) as page:
        yield page
