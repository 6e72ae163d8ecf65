"""Append audit events from a separate OS process, for the concurrency tests.

Usage: ``python append_worker.py NAME COUNT`` with ``DJANGO_SETTINGS_MODULE`` and ``DATABASE_URL``
pointing at the test database (see ``support.child_env``).

The start is a barrier over pipes: the worker connects to the database, prints ``ready``, and
waits for the line ``go`` on stdin, so that the test releases all workers at the same moment.
It then appends COUNT events through ``event_record`` and prints ``done``.
"""

from __future__ import annotations

import sys


def main(name: str, count: int) -> int:
    """Append ``count`` events labelled ``name`` once the test says go."""
    import django

    django.setup()
    from django.db import connection

    from leitplanke.audit.services import event_record

    connection.ensure_connection()
    print("ready", flush=True)
    if sys.stdin.readline().strip() != "go":
        print(f"worker {name}: no start signal", file=sys.stderr, flush=True)
        return 2
    try:
        for number in range(count):
            event_record(
                actor=None,
                action="test.appended",
                object_type="test.worker",
                object_id=f"{name}-{number}",
                object_label=name,
                after={"worker": name, "number": number},
            )
    finally:
        connection.close()
    print("done", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], int(sys.argv[2])))
