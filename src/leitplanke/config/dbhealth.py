"""Is the database intact? A quick integrity check for start-up, ``/readyz`` and ``leitplanke check``.

On SQLite, ``PRAGMA quick_check`` reads every page of the file and checks the b-trees (it skips
only the comparison of indexes with their tables, which ``integrity_check`` adds); it takes about
a second per few hundred megabytes, so ``/readyz`` runs it when a process answers its first probe
and then at most every ``LEITPLANKE_INTEGRITY_CHECK_MINUTES``, and ``leitplanke check`` (also run
before ``leitplanke serve`` starts) every time.

On PostgreSQL the server protects its own files (write-ahead log, crash recovery); the cheap
equivalent is the count of data-checksum failures the server has seen in this database
(``pg_stat_database.checksum_failures``, NULL when the cluster runs without data checksums).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from typing import Any

from django.apps import AppConfig
from django.conf import settings
from django.core import checks
from django.db import DatabaseError, connections

logger = logging.getLogger(__name__)

#: At most this many problems are read from SQLite's check (the first ones say enough).
MAX_PROBLEMS = 20


def integrity_problems(using: str = "default", *, table: str | None = None) -> list[str]:
    """What is damaged in the database (empty when it is intact); an unreadable database is a problem too.

    With ``table``, SQLite checks that table and its indexes thoroughly (``integrity_check``),
    otherwise the whole file quickly (``quick_check``).
    """
    connection = connections[using]
    try:
        with connection.cursor() as cursor:
            if connection.vendor == "sqlite":
                if table is None:
                    cursor.execute(f"PRAGMA quick_check({MAX_PROBLEMS})")
                else:
                    quoted = connection.ops.quote_name(table)
                    cursor.execute(f"PRAGMA integrity_check({quoted})")
                rows = [str(row[0]) for row in cursor.fetchall()]
                return [] if rows == ["ok"] else rows[:MAX_PROBLEMS]
            if connection.vendor == "postgresql":
                cursor.execute(
                    "SELECT checksum_failures FROM pg_stat_database WHERE datname = current_database()"
                )
                row = cursor.fetchone()
                failures = row[0] if row else None
                return [f"{failures} data checksum failures"] if failures else []
            cursor.execute("SELECT 1")
            return []
    except DatabaseError as exc:
        return [f"the database cannot be read: {exc}"]


class _Cached:
    """The last result of the integrity check in this process, shared by its threads."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.checked_at: float | None = None
        self.problems: list[str] = []


_cache = _Cached()


def cached_integrity_problems(using: str = "default") -> list[str]:
    """The integrity check's problems, run again only when the last result is older than the setting."""
    max_age = settings.INTEGRITY_CHECK_MINUTES * 60
    with _cache.lock:
        now = time.monotonic()
        if _cache.checked_at is None or now - _cache.checked_at >= max_age:
            _cache.problems = integrity_problems(using)
            _cache.checked_at = now
            if _cache.problems:
                logger.critical("The database is damaged: %s", "; ".join(_cache.problems))
        return list(_cache.problems)


def forget_cached_result() -> None:
    """Make the next ``cached_integrity_problems`` check again (for tests and after a repair)."""
    with _cache.lock:
        _cache.checked_at = None
        _cache.problems = []


@checks.register()
def check_database_integrity(
    app_configs: Sequence[AppConfig] | None = None, databases: Sequence[str] | None = None, **kwargs: Any
) -> list[checks.CheckMessage]:
    """System check: every configured database can be read and is intact."""
    errors: list[checks.CheckMessage] = []
    for alias in databases or []:
        problems = integrity_problems(alias)
        if problems:
            errors.append(
                checks.Error(
                    f"The database {alias!r} is damaged: {'; '.join(problems)}",
                    hint="Stop Leitplanke and restore the last backup (docs/operations.md, 'Backups').",
                    id="leitplanke.E001",
                )
            )
    return errors
