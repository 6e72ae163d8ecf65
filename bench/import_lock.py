"""Benchmark: how long a large use-case import holds other writers up.

Run by hand, never in the test suite::

    python bench/import_lock.py                      # SQLite in a new temporary folder, 10,000 rows
    python bench/import_lock.py --rows 2000 --database-url postgres://postgres@127.0.0.1:5432/lp_bench

It makes a company with one team and an employee of that team, writes a generic CSV file of
``--rows`` use cases for the team, and imports it as that employee (as the upload page does).
Meanwhile a second process, with its own database connection, changes a person's display name
through the service every ``--every`` seconds, and reports how long each of those single writes
took. The table shows the import's total time and the other writer's writes: how many, the median,
the longest wait, and how many failed (SQLite gives up after its 20 s busy timeout).
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import scratch


def _setup() -> None:
    import django

    django.setup()


def writer(every: float, stop_file: str) -> int:
    """The other writer: one small write every ``every`` seconds until ``stop_file`` exists; prints each duration."""
    _setup()
    from django.contrib.auth import get_user_model

    from leitplanke.org import services as org

    person = get_user_model().objects.get(username="bystander")
    print("ready", flush=True)
    number = 0
    while not os.path.exists(stop_file):
        number += 1
        started = time.monotonic()
        try:
            org.person_update(actor=None, person=person, display_name=f"Bystander {number}")
            print(f"ok {time.monotonic() - started:.4f}", flush=True)
        except Exception as exc:  # noqa: BLE001 - counted as a failed write
            print(f"failed {time.monotonic() - started:.4f} {type(exc).__name__}", flush=True)
        time.sleep(every)
    return 0


def _prepare(rows: int) -> tuple[object, bytes]:
    from django.core.management import call_command

    from leitplanke.org import services as org

    call_command("migrate", verbosity=0)
    company = org.unit_create(actor=None, code="acme", name="Acme", kind="company")
    team = org.unit_create(actor=None, code="ops", name="Operations", kind="department", parent=company)
    employee = org.person_create(
        actor=None, username="importer", display_name="Ines Importer", email="importer@example.com"
    )
    org.membership_add(actor=None, person=employee, unit=team)
    org.person_create(actor=None, username="bystander", display_name="Bystander", email="by@example.com")
    out = io.StringIO()
    table = csv.writer(out)
    table.writerow(["title", "unit", "summary", "source_id"])
    for number in range(rows):
        table.writerow([f"Use case {number}", "ops", f"What use case {number} does, in a sentence.", f"r{number}"])
    return employee, out.getvalue().encode()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--every", type=float, default=0.2, help="Seconds between the other writer's writes.")
    parser.add_argument("--database-url")
    parser.add_argument("--data-dir")
    parser.add_argument("--batch-seconds", type=float, help="Override BATCH_SECONDS of leitplanke.common.batches.")
    parser.add_argument("--pause", type=float, help="Override SQLITE_PAUSE of leitplanke.common.batches.")
    parser.add_argument("--writer", metavar="STOP_FILE", help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.writer:
        return writer(options.every, options.writer)

    where = scratch.configure(options.database_url, options.data_dir, "lp-import-lock-")
    _setup()
    from leitplanke.usecases.transfer import importing

    batches: Any
    try:
        from leitplanke.common import batches
    except ImportError:  # a version from before the batched import
        batches = None
    if batches is not None and options.batch_seconds is not None:
        batches.BATCH_SECONDS = options.batch_seconds
    if batches is not None and options.pause is not None:
        batches.SQLITE_PAUSE = options.pause

    employee, data = _prepare(options.rows)
    stop_file = os.path.join(tempfile.mkdtemp(prefix="lp-import-stop-"), "stop")
    other = subprocess.Popen(  # noqa: S603 - this script itself, with its own arguments
        [sys.executable, __file__, "--writer", stop_file, "--every", str(options.every)],
        stdout=subprocess.PIPE,
        text=True,
        env=dict(os.environ),
    )
    if other.stdout is None or other.stdout.readline().strip() != "ready":
        other.kill()
        print("the other writer did not start", file=sys.stderr)
        return 1
    started = time.monotonic()
    summary = importing.generic_csv_import(actor=employee, data=data, source="bench.csv")
    took = time.monotonic() - started
    Path(stop_file).touch()
    output, _ = other.communicate(timeout=120)
    waits, failed = [], 0
    for line in output.splitlines():
        kind, seconds, *_rest = line.split()
        if kind == "ok":
            waits.append(float(seconds))
        else:
            failed += 1
    print(f"database: {where}")
    if batches is not None:
        print(f"batches: {batches.BATCH_SECONDS} s of work each, {batches.SQLITE_PAUSE} s pause on SQLite")
    print(f"import: {summary.message}")
    print(f"{'rows':>7} {'import s':>9} {'writes':>7} {'median ms':>10} {'max wait ms':>12} {'failed':>7}")
    median = statistics.median(waits) * 1000 if waits else float("nan")
    longest = max(waits) * 1000 if waits else float("nan")
    print(f"{options.rows:>7} {took:>9.1f} {len(waits) + failed:>7} {median:>10.1f} {longest:>12.1f} {failed:>7}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
