"""Opening a write: the write lock first, bounded retries, and a busy database answered with 503."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg.errors
import pytest
from django.db import IntegrityError, OperationalError, connection, transaction
from django.urls import reverse

import leitplanke
from leitplanke.api.models import Scope
from leitplanke.audit.models import Event
from leitplanke.audit.services import event_record
from leitplanke.common.transactions import (
    RETRY_AFTER_SECONDS,
    WRITE_ATTEMPTS,
    WRITE_LOCK_KEY,
    is_busy,
    write_atomic,
    write_lock_held,
)
from leitplanke.usecases.models import UseCase
from leitplanke.web.middleware import server_error

from ..api.conftest import api_for, token_for
from ..usecases.conftest import COMPLETE_FACTS, org, tools

__all__ = ["api_for", "org", "token_for", "tools"]

on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="lock_timeout, deadlocks and transaction ids are PostgreSQL's"
)


def deadlock() -> None:
    """Fail the current statement as PostgreSQL fails the victim of a deadlock (SQLite: the same error)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "DO $$ BEGIN RAISE EXCEPTION 'deadlock detected' USING ERRCODE = 'deadlock_detected'; END $$"
            )
    raise OperationalError("deadlock detected") from psycopg.errors.DeadlockDetected("deadlock detected")


def record(name: str) -> None:
    event_record(actor=None, action="test.written", object_type="test.write", object_id=name)


# --- retries ------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_write_that_deadlocks_once_is_run_again_and_leaves_one_change() -> None:
    # Given a write that the database picks as a deadlock victim on its first attempt
    attempts = []

    @write_atomic
    def write() -> str:
        attempts.append(1)
        record(f"attempt-{len(attempts)}")
        if len(attempts) == 1:
            deadlock()
        return "saved"

    # When it runs, Then it is run again and succeeds, and only the second attempt's change stays
    assert write() == "saved"
    assert len(attempts) == 2
    assert list(Event.objects.filter(object_type="test.write").values_list("object_id", flat=True)) == ["attempt-2"]


@pytest.mark.django_db
def test_a_permanent_deadlock_gives_up_after_the_bounded_attempts_and_counts_as_busy() -> None:
    # Given a write inside another write, failing with a deadlock every time
    inner_calls, outer_calls = [], []

    @write_atomic
    def inner() -> None:
        inner_calls.append(1)
        record("inner")
        deadlock()

    @write_atomic
    def outer() -> None:
        outer_calls.append(1)
        inner()

    # When it runs, Then the error escapes after WRITE_ATTEMPTS runs of the outermost write only
    with pytest.raises(OperationalError) as raised:
        outer()
    assert len(outer_calls) == len(inner_calls) == WRITE_ATTEMPTS == 3
    assert is_busy(raised.value)
    # And nothing of any attempt was kept
    assert not Event.objects.filter(object_type="test.write").exists()


@pytest.mark.django_db
def test_other_errors_are_not_run_again() -> None:
    calls = []

    @write_atomic
    def write() -> None:
        calls.append(1)
        raise IntegrityError("duplicate key value violates unique constraint")

    with pytest.raises(IntegrityError):
        write()
    assert len(calls) == 1


def caused_by(error: Exception, cause: Exception) -> Exception:
    """``error`` as Django raises it, wrapping the driver's exception."""
    error.__cause__ = cause
    return error


@pytest.mark.parametrize(
    "error",
    [
        OperationalError("database is locked"),
        caused_by(OperationalError("canceling statement due to lock timeout"), psycopg.errors.LockNotAvailable()),
        caused_by(OperationalError("deadlock detected"), psycopg.errors.DeadlockDetected()),
        caused_by(OperationalError("could not serialize access"), psycopg.errors.SerializationFailure()),
    ],
)
def test_lock_waits_and_deadlocks_count_as_a_busy_database(error: Exception) -> None:
    assert is_busy(error)


@pytest.mark.parametrize(
    "error",
    [
        IntegrityError("UNIQUE constraint failed: audit_event.seq"),
        OperationalError("no such table: usecases_usecase"),
        caused_by(OperationalError("connection refused"), psycopg.errors.ConnectionException()),
        ValueError("database is locked"),
    ],
)
def test_other_errors_are_not_a_busy_database(error: Exception) -> None:
    assert not is_busy(error)


# --- the lock order -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_write_holds_the_write_lock_from_its_start() -> None:
    assert not write_lock_held()
    with write_atomic():
        assert write_lock_held()
        with write_atomic():  # a savepoint inside keeps it
            assert write_lock_held()
        assert write_lock_held()
    assert not write_lock_held()


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_an_event_after_rows_were_locked_without_the_write_lock_is_refused(org) -> None:
    # Given a transaction opened without write_atomic that already locked a use case row
    usecase = UseCase.objects.create(title="Fall", unit=org.team, owner=org.member, **COMPLETE_FACTS)
    before = Event.objects.count()
    # When it records an event (which would take the write lock only now, after the row)
    with pytest.raises(RuntimeError, match="write_atomic"), transaction.atomic():
        UseCase.objects.select_for_update().get(pk=usecase.pk)
        record("late")
    # Then nothing was recorded
    assert Event.objects.count() == before


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_a_plain_transaction_whose_first_write_took_the_lock_keeps_it_for_the_next() -> None:
    # Given a plain transaction (a script's) whose first statement is a write
    with transaction.atomic():
        record("first")
        # When it writes again, Then the lock it holds since the first write is enough
        assert write_lock_held()
        record("second")
    assert Event.objects.filter(object_type="test.write").count() == 2


SOURCE = Path(leitplanke.__file__).parent
ATOMIC = re.compile(r"\btransaction\.atomic\b|from django\.db\.transaction import atomic")
#: A plain transaction is allowed where the line says why it needs no write lock.
EXEMPT = "# no write lock:"


def test_every_write_in_the_product_opens_its_transaction_with_write_atomic() -> None:
    offenders = [
        f"{path.relative_to(SOURCE)}:{number}: {line.strip()}"
        for path in sorted(SOURCE.rglob("*.py"))
        if path.name != "transactions.py" or path.parent.name != "common"
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if ATOMIC.search(line) and EXEMPT not in line and not line.lstrip().startswith("#")
    ]
    assert offenders == [], (
        "Open a write with leitplanke.common.transactions.write_atomic (the write lock before any row), "
        f"or say on the line why it takes no row another writer waits for ('{EXEMPT} …'):\n" + "\n".join(offenders)
    )


# --- a lock wait past the lock timeout: 503 with Retry-After, in the API and on the pages -------------


@contextmanager
def write_lock_taken_elsewhere() -> Iterator[None]:
    """Another connection holds the write lock, and this one waits at most 0.2 s for a lock."""
    other = connection.copy()
    postgresql = connection.vendor == "postgresql"
    busy_timeout = int(connection.settings_dict["OPTIONS"].get("timeout", 5) * 1000)
    try:
        with other.cursor() as cursor:
            if postgresql:
                cursor.execute("SELECT pg_advisory_lock(%s)", [WRITE_LOCK_KEY])
            else:  # SQLite: the database's write lock, as every write takes it at BEGIN IMMEDIATE
                cursor.execute("BEGIN IMMEDIATE")
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '200ms'" if postgresql else "PRAGMA busy_timeout = 200")
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET lock_timeout" if postgresql else f"PRAGMA busy_timeout = {busy_timeout:d}")
        other.close()


@pytest.mark.django_db(transaction=True)
def test_the_api_answers_a_lock_timeout_with_503_and_retry_after(org, tools, api_for) -> None:
    # Given a member with a token, while another process holds the write lock
    writer = api_for(org.member, scope=Scope.READ_WRITE)
    before = UseCase.objects.count()

    # When she registers a use case and the write waits longer than the lock timeout
    with write_lock_taken_elsewhere():
        response = writer.post(
            "/api/v1/usecases",
            data=json.dumps({"title": "Mahnungen", "summary": "Entwürfe", "unit": "fin-buha"}),
            content_type="application/json",
        )

    # Then the answer is a 503 problem that says when to try again, and nothing was saved
    assert response.status_code == 503, response.content
    assert response["Content-Type"] == "application/problem+json"
    assert response["Retry-After"] == str(RETRY_AFTER_SECONDS)
    body: dict[str, Any] = json.loads(response.content)
    assert (body["code"], body["type"]) == ("unavailable", "urn:leitplanke:problem:unavailable")
    assert UseCase.objects.count() == before


@pytest.mark.django_db(transaction=True)
def test_a_page_answers_a_lock_timeout_with_a_translated_503(org, client) -> None:
    # Given a person who reads German, while another process holds the write lock
    client.force_login(org.member)
    assert org.member.preferred_language == "de"

    # When she switches the language, which writes her preference, and the write waits too long
    with write_lock_taken_elsewhere():
        response = client.post(reverse("accounts:language"), {"language": "en"})

    # Then the page says, in German, that the server is busy, and when to try again; nothing changed
    assert response.status_code == 503
    assert response["Retry-After"] == str(RETRY_AFTER_SECONDS)
    assert "Gerade ausgelastet" in response.content.decode()
    org.member.refresh_from_db()
    assert org.member.preferred_language == "de"


@pytest.mark.django_db(transaction=True)
def test_a_busy_database_met_outside_a_view_is_answered_with_503_too(rf) -> None:
    # Given a write (a session saved by a middleware, say) that waited too long for the lock
    request = rf.get("/")
    with write_lock_taken_elsewhere():
        try:
            with write_atomic():
                UseCase.objects.filter(pk=0).update(title="x")
        except OperationalError:
            # When Django asks for the page of an error it met outside any view
            busy = server_error(request)
    # Then it is the busy page with Retry-After; any other error stays a 500
    assert (busy.status_code, busy["Retry-After"]) == (503, str(RETRY_AFTER_SECONDS))
    try:
        raise OperationalError("no such table: usecases_usecase")
    except OperationalError:
        assert server_error(request).status_code == 500
