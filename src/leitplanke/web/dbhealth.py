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

from leitplanke.common.dbhealth import integrity_problems

logger = logging.getLogger(__name__)


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
