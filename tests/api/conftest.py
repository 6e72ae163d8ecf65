"""Fixtures of the API tests: the registry's small company, and callers with tokens or sessions."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from leitplanke.api import services
from leitplanke.api.models import Scope

from ..usecases.conftest import COMPLETE_FACTS, Org, client_for, make_usecase, org, tools

__all__ = ["COMPLETE_FACTS", "Org", "client_for", "make_usecase", "org", "tools"]


@pytest.fixture
def token_for() -> Callable[..., str]:
    """The plain text of a new token of ``person`` (read scope unless told otherwise)."""

    def make(person: Any, *, scope: str = Scope.READ, days: int = 30, name: str = "Skript") -> str:
        return services.token_create(actor=person, user=person, name=name, scope=scope, expires_in_days=days).plain

    return make


@pytest.fixture
def api_for(token_for: Callable[..., str]) -> Callable[..., Client]:
    """A client that sends a new token of ``person`` as ``Authorization: Bearer`` (anonymous for ``None``)."""

    def make(person: Any, *, scope: str = Scope.READ) -> Client:
        if person is None:
            return Client()
        return Client(headers={"Authorization": f"Bearer {token_for(person, scope=scope)}"})

    return make


def problem(response: Any, status: int) -> dict[str, Any]:
    """The problem document of ``response``, after checking its status and content type."""
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    body: dict[str, Any] = json.loads(response.content)
    assert body["status"] == status
    assert body["type"] == f"urn:leitplanke:problem:{body['code']}"
    assert body["title"]
    return body
