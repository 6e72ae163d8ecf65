"""Shared fixtures: people and units made through the real services, audit-safe flushing, data
built once per module, and the compiled translations."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable, Iterator
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connections, transaction
from django.db.backends.base.operations import BaseDatabaseOperations

from leitplanke.audit.guard import install_guard, remove_guard
from leitplanke.org.selectors import forget_unit_options

from . import profiles  # noqa: F401 (loads the Hypothesis profile before any test module is imported)
from .factories import PersonFactory, UnitFactory
from .usecases.conftest import Org, make_tools

LOCALE = Path(__file__).resolve().parents[1] / "src" / "leitplanke" / "locale"


def pytest_configure(config: pytest.Config) -> None:
    """Compile the translation catalogues that are missing or older than their ``.po`` file.

    A fresh clone has no ``.mo`` files (they are built, not kept); without them every German text
    in the tests would be English. Django may have read the old catalogue while it set up (before
    this hook); after compiling, its loaded catalogues are dropped so the new one is read.
    """
    compiled = False
    for po in LOCALE.glob("*/LC_MESSAGES/*.po"):
        mo = po.with_suffix(".mo")
        if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        partial = mo.with_name(f"{mo.name}.{os.getpid()}")  # other test runs may be reading the old file
        try:
            subprocess.run(["msgfmt", "--check", "--output-file", str(partial), str(po)], check=True)
        except FileNotFoundError:
            raise pytest.UsageError("msgfmt is missing: install gettext (apt-get install gettext)") from None
        except subprocess.CalledProcessError as error:
            raise pytest.UsageError(f"{po} does not compile (msgfmt exit code {error.returncode})") from None
        partial.replace(mo)
        compiled = True
    if compiled:
        from asgiref.local import Local
        from django.utils.translation import trans_real

        trans_real._translations = {}
        trans_real._default = None
        trans_real._active = Local()


#: The tests whose behaviour depends on the database: locks, concurrency, crashes, the audit guard's
#: triggers, full-text search, batched imports, servers and workers on a real database file. They
#: carry the ``both_databases`` mark; ``scripts/test`` runs them on SQLite too and everything on
#: PostgreSQL. A path ending in ``/`` names a directory.
BOTH_DATABASES = (
    "tests/reliability/",
    "tests/audit/test_chain.py",
    "tests/audit/test_clock.py",
    "tests/audit/test_concurrency.py",
    "tests/audit/test_guard.py",
    "tests/audit/test_verify.py",
    "tests/api/test_token_use.py",
    "tests/common/test_transactions.py",
    "tests/common/test_write_order.py",
    "tests/decisions/test_concurrency.py",
    "tests/guardrails/test_refresh_crash.py",
    "tests/notifications/test_worker.py",
    "tests/usecases/test_import_batches.py",
    "tests/usecases/test_search.py",
    "tests/web/test_serve.py",
    "tests/webhooks/test_recovery.py",
)
ROOT = Path(__file__).resolve().parents[1]


@pytest.hookimpl(tryfirst=True)  # before ``-m`` selects by it
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        path = item.path.relative_to(ROOT).as_posix()
        if any(path == name or (name.endswith("/") and path.startswith(name)) for name in BOTH_DATABASES):
            item.add_marker(pytest.mark.both_databases)


_current_test: dict[str, pytest.Item] = {}


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    _current_test["item"] = item


def _is_transactional(item: pytest.Item) -> bool:
    """Whether ``item`` commits (as pytest-django decides it: the marker or the fixtures)."""
    marker = item.get_closest_marker("django_db")
    if marker is not None and (marker.kwargs.get("transaction") or marker.kwargs.get("reset_sequences")):
        return True
    return bool({"transactional_db", "live_server"} & set(getattr(item, "fixturenames", ())))


class ModuleData:
    """An outer transaction around the database tests of one module, for data they all start from.

    pytest-django runs all tests that roll back before those that commit, so the tests of a module
    that reach this fixture together either all roll back or all commit. For those that roll back,
    data is built once inside this transaction and each test's own transaction is a savepoint within
    it: a test changes what it likes and the next one finds the data as built. For those that
    commit, nothing is kept and each test builds its own.
    """

    def __init__(self) -> None:
        self.shared = False

    def keep(self, build: Callable[[], Any]) -> Any:
        """What ``build`` returns, built now for the module's tests; ``None`` where they commit."""
        return build() if self.shared else None


@pytest.fixture(scope="module")
def module_data(django_db_setup: None, django_db_blocker: Any) -> Iterator[ModuleData]:
    """Data built once for the tests of a module that roll back (see :class:`ModuleData`).

    Use it from a module fixture (pytest sets those up before a test's own database transaction),
    and let the test's fixture build its own where :meth:`ModuleData.keep` gave ``None``::

        @pytest.fixture(scope="module")
        def _kept_org(module_data):
            return module_data.keep(Org)

        @pytest.fixture
        def org(_kept_org, db):
            return _kept_org.fresh() if _kept_org else Org()
    """
    data = ModuleData()
    item = _current_test.get("item")
    if item is None or _is_transactional(item):
        yield data
        return
    with django_db_blocker.unblock():
        atomics = {alias: transaction.atomic(using=alias) for alias in connections}
        for atomic in atomics.values():
            atomic.__enter__()
            atomic._from_testcase = True  # type: ignore[attr-defined]  # services may open durable blocks
        data.shared = True
        try:
            yield data
        finally:
            for alias, atomic in reversed(atomics.items()):
                transaction.set_rollback(True, using=alias)
                atomic.__exit__(None, None, None)


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


@pytest.fixture(scope="module")
def _kept_org(module_data: ModuleData) -> Org | None:
    """The registry's small company (``org``), built once for the module's tests that roll back."""
    return module_data.keep(Org)


@pytest.fixture(scope="module")
def _kept_tools(module_data: ModuleData) -> dict[str, Any] | None:
    """The registry's three catalogue tools (``tools``), built once for the module's tests that roll back."""
    return module_data.keep(make_tools)


#: The password of every demo person in the tests.
DEMO_TEST_PASSWORD = "Demo-Passwort-Test-1"


def load_demo() -> str:
    """Load the demo company through ``leitplanke demo``; returns what the command printed."""
    out = StringIO()
    call_command("demo", password=DEMO_TEST_PASSWORD, stdout=out)
    return out.getvalue()


@pytest.fixture(scope="module")
def _kept_demo(module_data: ModuleData) -> str | None:
    return module_data.keep(load_demo)


@pytest.fixture
def demo_company(_kept_demo: str | None, db: None) -> str:
    """The demo company Beispiel AG (loaded once for the module's tests that roll back); returns
    what ``leitplanke demo`` printed when it loaded it."""
    return _kept_demo if _kept_demo is not None else load_demo()
