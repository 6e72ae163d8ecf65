"""Fixtures of the notification tests: the decision tests' company, and a local SMTP server."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ..decisions.conftest import *  # noqa: F403 (the decision tests' company, reviewers and facts)
from .smtp import SmtpServer


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    """A real SMTP server on a free loopback port, collecting what it receives."""
    server = SmtpServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def smtp_settings(settings, smtp_server):
    """Django's SMTP backend pointed at the local server."""
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": "127.0.0.1",
                "port": smtp_server.port,
                "timeout": 5,
            },
        }
    }
    return smtp_server
