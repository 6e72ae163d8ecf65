"""A large import writes in short transactions: another writer gets through while it runs, and an import
that fails half-way leaves nothing behind."""

from __future__ import annotations

import sqlite3

import pytest
from django.db import connection

from leitplanke.audit.models import Event
from leitplanke.common import batches
from leitplanke.common.transactions import WRITE_LOCK_KEY
from leitplanke.org.models import OrgUnit
from leitplanke.usecases.models import UseCase
from leitplanke.usecases.transfer.importing import ImportFailed, usecases_import

pytestmark = pytest.mark.django_db(transaction=True)

ROWS = 60
#: How long the other writer waits for the lock before it gives up: far more than one batch takes,
#: far less than the whole import would hold it in one transaction.
OTHER_WRITER_WAIT_SECONDS = 5


def csv_file(units: list[str]) -> bytes:
    lines = ["title,unit,source_id", *(f"Anwendungsfall {n},{unit},row-{n}" for n, unit in enumerate(units))]
    return ("\n".join(lines) + "\n").encode()


def write_from_another_connection() -> int:
    """One small write through a second database connection that waits a bounded time for the lock;
    returns how many use cases that connection sees."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        other = sqlite3.connect(db["NAME"], timeout=OTHER_WRITER_WAIT_SECONDS, isolation_level=None)
        try:
            other.execute("BEGIN IMMEDIATE")
            other.execute("UPDATE org_orgunit SET name = name || '.' WHERE code = 'mkt'")
            seen = other.execute(f"SELECT count(*) FROM {UseCase._meta.db_table}").fetchone()[0]
            other.execute("COMMIT")
        finally:
            other.close()
        return int(seen)
    import psycopg

    with psycopg.connect(
        dbname=db["NAME"],
        user=db["USER"],
        password=db.get("PASSWORD") or None,
        host=db.get("HOST") or None,
        port=db.get("PORT") or None,
    ) as other:
        other.execute(f"SET lock_timeout = '{OTHER_WRITER_WAIT_SECONDS}s'")
        other.execute("SELECT pg_advisory_xact_lock(%s)", [WRITE_LOCK_KEY])  # as every service's write does
        other.execute("UPDATE org_orgunit SET name = name || '.' WHERE code = 'mkt'")
        row = other.execute(f"SELECT count(*) FROM {UseCase._meta.db_table}").fetchone()
    return int(row[0]) if row else 0


def test_another_writer_gets_through_while_a_large_import_runs(org, monkeypatch) -> None:
    # Given a file of 60 use cases, written at most 10 to a transaction
    monkeypatch.setattr(batches, "MAX_BATCH", 10)
    seen: list[int] = []

    def after_batch(done: int, total: int) -> None:
        if done < total:
            # When someone else writes while the import is under way
            seen.append(write_from_another_connection())

    # (the import as the command line runs it, told of each written batch)
    summary = usecases_import(
        actor=None,
        format="csv",
        data=csv_file(["fin-buha"] * ROWS),
        owner=org.member,
        source="gross.csv",
        progress=after_batch,
    )

    # Then each of those writes went through, seeing the batches written so far and no more
    assert len(seen) >= 2
    assert seen == sorted(set(seen)) and seen[0] > 0 and seen[-1] < ROWS
    assert summary.created == UseCase.objects.count() == ROWS
    assert OrgUnit.objects.get(code="mkt").name == "Marketing" + "." * len(seen)


def test_an_import_that_fails_half_way_leaves_nothing_behind(org, monkeypatch) -> None:
    # Given a file whose first rows go to one unit and the rest to another, the first 10 written in one transaction
    monkeypatch.setattr(batches, "FIRST_BATCH", 10)
    data = csv_file(["fin-buha"] * 15 + ["mkt"] * 15)
    events_before = Event.objects.count()
    removed: list[int] = []

    def after_batch(done: int, total: int) -> None:
        if done == 10:  # someone removes the second unit after the first batch was written
            removed.append(OrgUnit.objects.filter(code="mkt").delete()[1]["org.OrgUnit"])

    # When the import runs and a later batch cannot be written
    with pytest.raises(ImportFailed) as failed:
        usecases_import(actor=None, format="csv", data=data, owner=org.member, source="halb.csv", progress=after_batch)

    # Then the error names the first row of the removed unit, the use cases of the batch written before
    # are gone again, and the audit log says why
    assert [(error.line, error.column) for error in failed.value.errors] == [(17, "unit")]
    assert removed == [1]
    assert not UseCase.objects.exists()
    actions = list(Event.objects.order_by("seq").values_list("action", flat=True)[events_before:])
    assert actions[-1] == "usecases.import.rolled_back"
    rolled_back = Event.objects.get(action="usecases.import.rolled_back")
    assert rolled_back.after["deleted"] == actions.count("usecase.created") >= 10


def test_a_faulty_file_is_reported_whole_before_anything_is_written(org) -> None:
    # Given a file with two rows naming units that do not exist
    data = csv_file(["fin-buha", "nope", "fin-buha", "gibt-es-nicht"])
    # When it is imported, every faulty row is named and nothing is written
    with pytest.raises(ImportFailed) as failed:
        usecases_import(actor=None, format="csv", data=data, owner=org.member, source="falsch.csv")
    assert [error.line for error in failed.value.errors] == [3, 5]
    assert not UseCase.objects.exists()
