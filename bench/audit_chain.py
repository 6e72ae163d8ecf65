"""Benchmark: appending to the audit hash chain and verifying it.

Run by hand, never in the test suite::

    LEITPLANKE_MODE=development LEITPLANKE_DATA_DIR=$(mktemp -d) python bench/audit_chain.py --events 20000
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/lp_bench python bench/audit_chain.py --events 20000

It migrates the database it is pointed at (use a scratch database), appends N events one
transaction each (as services do), then verifies the whole chain, and prints a table.
"""

from __future__ import annotations

import argparse
import os
import time


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=20_000)
    args = parser.parse_args()
    os.environ.setdefault("LEITPLANKE_MODE", "development")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "leitplanke.config.settings")

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from leitplanke.audit.services import event_record, verify

    call_command("migrate", verbosity=0)
    start = time.perf_counter()
    for number in range(args.events):
        event_record(
            actor=None,
            action="bench.appended",
            object_type="bench.item",
            object_id=str(number),
            after={"n": number, "text": "Prüfung"},
        )
    appended = time.perf_counter() - start
    start = time.perf_counter()
    result = verify()
    verified = time.perf_counter() - start

    print("| database | events | append total | appends/s | verify whole chain | chain ok |")
    print("|---|---|---|---|---|---|")
    print(
        f"| {connection.vendor} | {result.checked} | {appended:.1f} s | {args.events / appended:.0f} "
        f"| {verified:.2f} s | {result.ok} |"
    )


if __name__ == "__main__":
    main()
