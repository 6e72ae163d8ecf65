"""Shared fixtures: people and units made through the real services, and audit-safe flushing."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.db.backends.base.operations import BaseDatabaseOperations

from leitplanke.audit.guard import install_guard, remove_guard
from leitplanke.org.selectors import forget_unit_options

from .factories import PersonFactory, UnitFactory


@pytest.fixture(scope="session", autouse=True)
def _flush_past_the_audit_guard() -> Iterator[None]:
    """Let the test runner empty the audit table between transactional tests.

    The append-only triggers refuse DELETE and TRUNCATE, as they should in production; Django's
    test flush needs both. The guard is lifted for exactly the flush and put back right after.
    """
    original = BaseDatabaseOperations.execute_sql_flush

    def execute_sql_flush(self: BaseDatabaseOperations, sql_list: list[str]) -> None:
        remove_guard(self.connection)
        try:
            original(self, sql_list)
        finally:
            install_guard(self.connection)

    BaseDatabaseOperations.execute_sql_flush = execute_sql_flush  # type: ignore[method-assign]
    yield
    BaseDatabaseOperations.execute_sql_flush = original  # type: ignore[method-assign]


@pytest.fixture(autouse=True)
def _forget_kept_unit_options() -> Iterator[None]:
    """Each test starts without the unit options an earlier test's (rolled-back) units left."""
    forget_unit_options()
    yield
    forget_unit_options()


@pytest.fixture
def company(db):
    """The root unit of a small company."""
    return UnitFactory(code="acme", name="Acme GmbH", kind="company", parent=None)


@pytest.fixture
def person(db):
    """An ordinary employee without roles."""
    return PersonFactory()
