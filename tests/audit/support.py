"""Helpers for the audit tests: a realistic history, an attacker's raw SQL, and the real CLI."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import quote

from django.conf import settings
from django.db import connection

from leitplanke.accounts.services import user_set_language
from leitplanke.audit.models import Event
from leitplanke.org import services as org
from leitplanke.org.models import Role

HISTORY_LENGTH = 20
CLI_TIMEOUT = 60  # seconds; a hung child fails the test instead of hanging the suite


def make_history() -> list[Event]:
    """Record exactly ``HISTORY_LENGTH`` events through the real org and account services."""
    company = org.unit_create(actor=None, code="acme", name="Acme GmbH", kind="company")  # 1
    admin = org.person_create(actor=None, username="ada", display_name="Ada Admin")  # 2
    org.role_assign(actor=None, person=admin, role=Role.ADMINISTRATOR)  # 3
    it = org.unit_create(actor=admin, code="it", name="IT", kind="department", parent=company)  # 4
    hr = org.unit_create(actor=admin, code="hr", name="Personal", kind="department", parent=company)  # 5
    ops = org.unit_create(actor=admin, code="it-ops", name="IT-Betrieb", kind="team", parent=it)  # 6
    people = [
        org.person_create(actor=admin, username=f"p{i}", display_name=name)  # 7 .. 10
        for i, name in enumerate(["Jürgen Groß", "Zoë Çelik", "Łukasz Nowak", "Chloé Dubois"])
    ]
    for person, unit in zip(people, [it, hr, ops, hr], strict=True):
        org.membership_add(actor=admin, person=person, unit=unit)  # 11 .. 14
    org.role_assign(actor=admin, person=people[0], role=Role.DATA_PROTECTION, unit=hr)  # 15
    org.role_assign(actor=admin, person=people[1], role=Role.AUDITOR)  # 16
    org.unit_update(actor=admin, unit=ops, lead=people[2])  # 17
    org.person_update(actor=admin, person=people[3], display_name="Chloé Martin")  # 18
    org.membership_remove(actor=admin, person=people[3], unit=hr)  # 19
    user_set_language(actor=people[0], user=people[0], language="en")  # 20
    events = list(Event.objects.order_by("seq"))
    assert len(events) == HISTORY_LENGTH, f"the history helper is out of date: {len(events)} events"
    return events


def run_sql(statement: str, params: Sequence[Any] = ()) -> None:
    """Execute raw SQL on the default connection, as an attacker with database access would."""
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def swap_seq(first: int, second: int) -> None:
    """Exchange two events' sequence numbers through a temporary value (``seq`` is unique)."""
    run_sql("UPDATE audit_event SET seq = %s WHERE seq = %s", [-first, first])
    run_sql("UPDATE audit_event SET seq = %s WHERE seq = %s", [first, second])
    run_sql("UPDATE audit_event SET seq = %s WHERE seq = %s", [second, -first])


def swap_content(first: int, second: int) -> None:
    """Exchange what two events say while each keeps its place and hashes in the chain."""
    columns = ["action", "object_type", "object_id", "object_label", '"before"', '"after"']
    select = f"SELECT {', '.join(columns)} FROM audit_event WHERE seq = %s"
    with connection.cursor() as cursor:
        cursor.execute(select, [first])
        first_row = cursor.fetchone()
        cursor.execute(select, [second])
        second_row = cursor.fetchone()
    assignments = ", ".join(f"{column} = %s" for column in columns)
    run_sql(f"UPDATE audit_event SET {assignments} WHERE seq = %s", [*second_row, first])
    run_sql(f"UPDATE audit_event SET {assignments} WHERE seq = %s", [*first_row, second])


def child_database_url() -> str:
    """A DATABASE_URL that points another process at the test database this test uses."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    credentials = quote(db["USER"] or "", safe="")
    if db.get("PASSWORD"):
        credentials += ":" + quote(db["PASSWORD"], safe="")
    host = db.get("HOST") or "localhost"
    port = f":{db['PORT']}" if db.get("PORT") else ""
    return f"postgres://{credentials}@{host}{port}/{quote(db['NAME'], safe='')}"


def child_env() -> dict[str, str]:
    """Environment for a child process that works on the test database with the test settings."""
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="leitplanke.config.test_settings",
        DATABASE_URL=child_database_url(),
        LEITPLANKE_DATA_DIR=str(settings.DATA_DIR),
        PYTHONUNBUFFERED="1",
    )
    return env


def leitplanke_executable() -> list[str]:
    """The installed ``leitplanke`` console script, next to the interpreter running the tests."""
    script = Path(sys.executable).with_name("leitplanke")
    return [str(script)] if script.exists() else [sys.executable, "-m", "leitplanke.config.cli"]


def run_leitplanke(*args: str) -> subprocess.CompletedProcess[str]:
    """Run ``leitplanke <args>`` as its own OS process against the test database."""
    return subprocess.run(
        [*leitplanke_executable(), *args],
        env=child_env(),
        capture_output=True,
        text=True,
        timeout=CLI_TIMEOUT,
        check=False,
    )
