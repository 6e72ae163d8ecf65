"""The reliability suite's crash mode, bounded for CI: the real server and worker on a fresh database of the
kind the suite runs on, ``kill -9`` of the server's master, one of its workers and the background worker
under a write load; no acknowledged write lost, the database intact, the audit trail verified, no task
left running past its lease. ``scripts/reliability`` runs the full version (docs/reliability.md).
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.db import connection

from tests.reliability import driver

pytestmark = pytest.mark.reliability


def _postgres_url() -> str:
    """A database of its own beside the suite's, named after it, which the run creates and drops."""
    settings = connection.settings_dict
    user, host, port = settings["USER"] or "postgres", settings["HOST"] or "127.0.0.1", settings["PORT"] or 5432
    base = urlsplit(f"postgres://{user}@{host}:{port}/")
    return urlunsplit(base._replace(path=f"/{settings['NAME']}_reliability"))


def test_no_acknowledged_write_is_lost_and_nothing_is_damaged_when_processes_are_killed(tmp_path: Path) -> None:
    kind = "postgres" if connection.vendor == "postgresql" else "sqlite"
    run = driver.Run.prepare(
        kind=kind, clients=3, postgres_url=_postgres_url() if kind == "postgres" else None, lease=5, data_dir=tmp_path
    )
    try:
        report = driver.crash(run, rounds=5, round_seconds=1.5, seed=20261207, log=lambda line: None)
    finally:
        run.close(keep=False)
    assert [r["killed"].split(" ")[0] for r in report["rounds"][:3]] == ["server", "server", "background"]
    assert report["acknowledged_writes"] > 0
    assert driver.crash_failures(report) == [], driver.crash_table(report)
