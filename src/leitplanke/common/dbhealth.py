"""Reading the database's own integrity check: SQLite's ``quick_check``/``integrity_check``,
PostgreSQL's count of data-checksum failures.

Low in the layers so that the audit trail's check can ask whether its table can be trusted at all;
``leitplanke.web.dbhealth`` builds the start-up check and ``/readyz`` on it.
"""

from __future__ import annotations

from django.db import DatabaseError, connections

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
                cursor.execute("SELECT checksum_failures FROM pg_stat_database WHERE datname = current_database()")
                row = cursor.fetchone()
                failures = row[0] if row else None
                return [f"{failures} data checksum failures"] if failures else []
            cursor.execute("SELECT 1")
            return []
    except DatabaseError as exc:
        return [f"the database cannot be read: {exc}"]
