"""The append-only guard: with the migration's triggers in place the database refuses to change events."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.db import DatabaseError, connection, transaction

from leitplanke.audit.guard import MESSAGE
from leitplanke.audit.models import Event
from leitplanke.org.models import OrgUnit
from leitplanke.org.services import unit_create

from .support import HISTORY_LENGTH, run_sql


def snapshot() -> list[tuple[object, ...]]:
    """Every stored column of every event, to prove nothing changed."""
    return list(Event.objects.order_by("seq").values_list())


def orm_queryset_update() -> None:
    Event.objects.filter(seq=7).update(action="org.role.revoked")


def orm_instance_save() -> None:
    event = Event.objects.get(seq=7)
    event.after = {"username": "mallory"}
    event.save()


def orm_queryset_delete() -> None:
    Event.objects.filter(seq__gte=18).delete()


def orm_instance_delete() -> None:
    Event.objects.get(seq=20).delete()


def raw_update() -> None:
    run_sql("UPDATE audit_event SET action = %s WHERE seq = 7", ["org.role.revoked"])


def raw_update_all() -> None:
    run_sql("UPDATE audit_event SET request_id = 'forged'")


def raw_delete() -> None:
    run_sql("DELETE FROM audit_event WHERE seq = 7")


def raw_delete_all() -> None:
    run_sql("DELETE FROM audit_event")


@pytest.mark.parametrize(
    "tamper",
    [
        orm_queryset_update,
        orm_instance_save,
        orm_queryset_delete,
        orm_instance_delete,
        raw_update,
        raw_update_all,
        raw_delete,
        raw_delete_all,
    ],
    ids=lambda tamper: tamper.__name__,
)
def test_database_refuses_to_change_or_remove_events(history, tamper: Callable[[], None]):
    # Given an intact log, guarded by the triggers the migration installed
    before = snapshot()
    # When someone updates or deletes events
    # Then the database refuses with the guard's message
    with pytest.raises(DatabaseError, match=MESSAGE), transaction.atomic():
        tamper()
    # And every event is exactly as it was
    assert snapshot() == before
    assert len(before) == HISTORY_LENGTH


@pytest.mark.skipif(connection.vendor != "postgresql", reason="TRUNCATE exists on PostgreSQL only")
@pytest.mark.django_db(transaction=True)
def test_postgres_refuses_to_truncate_the_log(history):
    # Given an intact, committed log (TRUNCATE inside the test's own transaction would be refused
    # for pending foreign-key checks instead, proving nothing about the guard)
    before = snapshot()
    # When someone truncates the table
    # Then PostgreSQL refuses with the guard's message
    with pytest.raises(DatabaseError, match=MESSAGE):
        run_sql("TRUNCATE audit_event")
    # And every event is still there, unchanged
    assert snapshot() == before


def test_database_still_accepts_new_events(history):
    # Given the guarded log
    # When the services append another event
    unit_create(actor=None, code="sales", name="Vertrieb", kind="department", parent=OrgUnit.objects.get(code="acme"))
    # Then it is stored as the next event
    assert Event.objects.order_by("-seq").values_list("seq", flat=True).first() == HISTORY_LENGTH + 1


def test_guard_triggers_are_installed_by_the_migration(db):
    # Given a database migrated from scratch (the test database)
    # When its triggers are listed
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT tgname FROM pg_trigger WHERE tgrelid = 'audit_event'::regclass AND NOT tgisinternal")
        else:
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit_event'")
        names = {row[0] for row in cursor.fetchall()}
    # Then the append-only triggers are there
    expected = (
        {"audit_event_no_change", "audit_event_no_truncate"}
        if connection.vendor == "postgresql"
        else {"audit_event_no_update", "audit_event_no_delete"}
    )
    assert names == expected
