"""Fixtures for the audit tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.db import connection

from leitplanke.audit.guard import install_guard, remove_guard
from leitplanke.audit.models import Event

from .support import make_history


@pytest.fixture
def history(db) -> list[Event]:
    """An intact chain of 20 events written by the real org and account services."""
    return make_history()


@pytest.fixture
def attacker(db) -> Iterator[None]:
    """Someone with database access who has dropped the append-only triggers.

    The triggers come back afterwards, so a transactional test cannot leak an unguarded table.
    """
    remove_guard(connection)
    yield
    install_guard(connection)
