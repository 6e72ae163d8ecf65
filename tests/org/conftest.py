"""Fixtures of the organisation tests: an administrator and signed-in browsers."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from leitplanke.org import services
from leitplanke.org.models import Role

from ..factories import PersonFactory


@pytest.fixture
def administrator(db):
    """A person holding the administrator role company-wide."""
    person = PersonFactory(username="admin", display_name="Ada Admin")
    services.role_assign(actor=None, person=person, role=Role.ADMINISTRATOR)
    return person


@pytest.fixture
def admin_client(administrator) -> Client:
    """A browser signed in as the administrator."""
    client = Client()
    client.force_login(administrator)
    return client


@pytest.fixture
def client_as(db) -> Callable[[str | None], Client]:
    """A browser signed in as a new person with the given role (``"employee"``: none; ``None``: anonymous)."""

    def make(role: str | None) -> Client:
        client = Client()
        if role is None:
            return client
        person = PersonFactory()
        if role != "employee":
            services.role_assign(actor=None, person=person, role=role)
        client.force_login(person)
        return client

    return make
