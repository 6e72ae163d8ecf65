"""Fixtures of the catalogue tests: the people who maintain it, tools, requests and signed-in browsers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from leitplanke.catalog import services
from leitplanke.catalog.models import Tool, ToolRequest
from leitplanke.org.models import Role

from ..factories import person_with

#: Everyone the pages are checked against; ``"employee"`` holds no role, ``None`` is not signed in.
VIEWER_ROLES = (Role.AI_GOVERNANCE, Role.ADMINISTRATOR, Role.AUDITOR, Role.DATA_PROTECTION, "employee", None)

#: Those who maintain the catalogue and decide requests.
MAINTAINERS = {Role.AI_GOVERNANCE, Role.ADMINISTRATOR}


def tool_values(**overrides: Any) -> dict[str, Any]:
    """Valid keyword arguments of ``tool_create``."""
    values: dict[str, Any] = {
        "name": "Textassistent",
        "vendor": "Musteranbieter Z GmbH",
        "kind": "chat_assistant",
        "hosting_region": "eu",
        "status": "approved",
        "max_classification": "internal",
        "personal_data_allowed": False,
        "dpa_signed": True,
        "trains_on_inputs": False,
        "usage_guidelines": "Nur für interne Texte.",
        "contact": "ki@example.com",
    }
    values.update(overrides)
    return values


@pytest.fixture
def governance(db) -> Any:
    """A person holding the AI-governance role company-wide."""
    return person_with(Role.AI_GOVERNANCE, username="gov", display_name="Greta Governance")


@pytest.fixture
def governance_client(governance) -> Client:
    client = Client()
    client.force_login(governance)
    return client


@pytest.fixture
def tool(db) -> Tool:
    """An approved tool in the catalogue."""
    return services.tool_create(actor=None, **tool_values())


@pytest.fixture
def requester(db) -> Any:
    """An ordinary employee who reads English."""
    return person_with(username="req", display_name="Rita Requester", preferred_language="en")


@pytest.fixture
def tool_request(requester) -> ToolRequest:
    """An open request by ``requester``."""
    return services.tool_request_create(
        actor=requester, name="Folien-Generator", vendor="Musteranbieter Y GmbH", reason="Spart Zeit."
    )


@pytest.fixture
def client_as(db) -> Callable[[str | None], Client]:
    """A browser signed in as a new person with the given role (``"employee"``: none; ``None``: anonymous)."""

    def make(role: str | None) -> Client:
        client = Client()
        if role is not None:
            client.force_login(person_with(role))
        return client

    return make
