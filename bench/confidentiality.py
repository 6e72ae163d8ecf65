"""Benchmark: what the confidentiality rules cost — ``visible_to`` with escalated approvals, and the
audit log read by an administrator (events of confidential use cases sealed) and by an auditor.

Run by hand, never in the test suite::

    python bench/confidentiality.py                      # SQLite file in a new temporary folder
    python bench/confidentiality.py --database-url postgres://postgres@127.0.0.1:5432/lp_bench_conf

It generates the synthetic enterprise of ``usecases_library.py`` (default 20,000 use cases, 10 %
confidential), makes the lead of one department qualified while its team leads are not, and puts
``--escalated`` confidential use cases of that department's teams in "awaiting approval", so their
approval escalates to the department lead. It records ``--events`` audit events on random use cases
through ``event_record``. Then it prints p50/p95 and SQL queries of: counting the use cases
``visible_to`` an employee, the department lead (escalations found) and an auditor; the start page
and the inbox of the department lead; the audit log API (50 per page, newest first, and filtered to
one confidential use case) and the audit page, as an administrator and as an auditor.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import scratch


def _timed(action: Callable[[], Any], runs: int) -> tuple[float, float, int]:
    """p50 and p95 in milliseconds, and the SQL queries of one more run."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    action()
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        timings.append((time.perf_counter() - started) * 1000)
    with CaptureQueriesContext(connection) as captured:
        action()
    timings.sort()
    return (
        statistics.median(timings),
        timings[min(len(timings) - 1, round(0.95 * (len(timings) - 1)))],
        len(captured.captured_queries),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--usecases", type=int, default=20_000)
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--escalated", type=int, default=50)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--database-url", help="An empty PostgreSQL database (default: a new SQLite file).")
    parser.add_argument("--data-dir", help="Folder of the SQLite file (default: a new temporary folder).")
    args = parser.parse_args()
    where = scratch.configure(args.database_url, args.data_dir, "leitplanke-bench-conf-")

    import django

    django.setup()
    import usecases_library
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.test import Client
    from django.test.utils import setup_test_environment
    from django.utils import timezone

    from leitplanke.accounts.models import User
    from leitplanke.audit.services import event_record
    from leitplanke.literacy import services as literacy
    from leitplanke.org import services as org_services
    from leitplanke.org.models import OrgUnit, Role
    from leitplanke.usecases.models import UseCase

    setup_test_environment()
    call_command("migrate", verbosity=0)
    if not UseCase.objects.exists():
        usecases_library.generate(args.usecases, 7)
        department = OrgUnit.objects.get(code="bench-d3")
        lead = User.objects.create(
            username="bench-dept-lead", display_name="Department lead", password=usecases_library.UNUSABLE
        )
        OrgUnit.objects.filter(pk=department.pk).update(lead=lead)
        course = literacy.course_create(actor=None, code="ai-literacy-basics", title="KI", validity_months=24)
        literacy.completion_record(actor=None, person=lead, course=course, completed_on=timezone.localdate())
        waiting = list(
            UseCase.objects.filter(unit__path__startswith=department.path, confidential=True)
            .exclude(unit=department)
            .values_list("pk", flat=True)[: args.escalated]
        )
        UseCase.objects.filter(pk__in=waiting).update(status="awaiting_approval")
        for role, name in ((Role.AUDITOR, "bench-auditor"), (Role.ADMINISTRATOR, "bench-admin")):
            person = User.objects.create(username=name, display_name=name, password=usecases_library.UNUSABLE)
            org_services.role_assign(actor=None, person=person, role=role)
        rng = random.Random(7)  # noqa: S311 (which use case an event is about)
        ids = list(UseCase.objects.values_list("pk", flat=True))
        started = time.perf_counter()
        with transaction.atomic():
            for number in range(args.events):
                usecase = UseCase.objects.get(pk=rng.choice(ids))
                event_record(
                    actor=None,
                    action="usecases.usecase.updated",
                    target=usecase,
                    before={"title": usecase.title},
                    after={"title": f"{usecase.title} ({number})"},
                )
        print(f"recorded {args.events} events in {time.perf_counter() - started:.0f} s", file=sys.stderr)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")

    employee = User.objects.get(username="bench1")
    lead = User.objects.get(username="bench-dept-lead")
    auditor = User.objects.get(username="bench-auditor")
    admin = User.objects.get(username="bench-admin")
    secret = UseCase.objects.filter(confidential=True).order_by("pk").first()
    if secret is None:
        raise SystemExit("The generated enterprise has no confidential use case.")
    found = UseCase.objects.visible_to(lead).filter(confidential=True, status="awaiting_approval").count()

    print(
        f"\n{connection.vendor} ({where}), {UseCase.objects.count()} use cases, "
        f"{found} escalated to the department lead, {args.runs} runs each\n"
    )
    print("| what | viewer | p50 | p95 | SQL queries |")
    print("|---|---|---|---|---|")

    def row(what: str, viewer: str, action: Callable[[], Any]) -> None:
        p50, p95, queries = _timed(action, args.runs)
        print(f"| {what} | {viewer} | {p50:.1f} ms | {p95:.1f} ms | {queries} |")

    for name, person in (("employee", employee), ("department lead", lead), ("auditor", auditor)):
        row("visible_to(user).count()", name, lambda person=person: UseCase.objects.visible_to(person).count())
    client = Client()
    client.force_login(lead)
    row("start page", "department lead", lambda: client.get("/"))
    row("inbox", "department lead", lambda: client.get("/notifications/"))
    for name, person in (("administrator", admin), ("auditor", auditor)):
        reader = Client()
        reader.force_login(person)
        row("GET /api/v1/audit/events", name, lambda reader=reader: reader.get("/api/v1/audit/events"))
        row(
            "GET /api/v1/audit/events (one confidential use case)",
            name,
            lambda reader=reader: reader.get(
                "/api/v1/audit/events", {"object_type": "usecases.usecase", "object_id": secret.pk}
            ),
        )
        row("/audit/ page", name, lambda reader=reader: reader.get("/audit/"))


if __name__ == "__main__":
    main()
