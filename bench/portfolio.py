"""Portfolio page and JSON export: server time (p50, p95) and SQL queries per request at scale.

The synthetic enterprise of ``usecases_library.py`` (1 company, 20 departments, 280 teams, 1,000
people, the use cases), plus four objectives served by a tenth of the use cases each, one KPI for
every use case in pilot or production and ``--measurements`` measurements per KPI (monthly, back
from today), written with ``bulk_create`` (no services, no audit: it makes data, it does not test
the write path). Measured with Django's test client in this process, as leadership (the whole
company), as the lead of one department (its subtree) and as an employee (aggregates only), for the
page, the page filtered to one department, and ``report.json``.

    .venv/bin/python bench/portfolio.py                                   # SQLite, a new file
    .venv/bin/python bench/portfolio.py --database-url postgres://postgres@127.0.0.1:5432/lp_bench

Defaults: 100,000 use cases and 1,000,000 measurements in all (``--measurements`` per KPI is
derived from that unless given). Prints a Markdown table and the load average.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import sys
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import scratch  # the benchmarks' shared set-up, next to this file
import usecases_library

OBJECTIVES = (
    "Durchlaufzeit im Backoffice bis Ende 2027 halbieren",
    "Erstlösungsquote im Kundenservice +15 %",
    "Entwicklungszeit pro Feature −20 %",
    "90 % der Führungskräfte mit KI-Grundschulung",
)


def generate_impact(measurements_total: int, seed: int) -> tuple[int, int]:
    """Objectives, one KPI per use case in pilot or production, and their measurements; returns the counts."""
    from django.db import transaction

    from leitplanke.accounts.models import User
    from leitplanke.impact.models import Kpi, KpiKind, Measurement, Objective
    from leitplanke.usecases.models import Stage, UseCase

    rng = random.Random(seed)  # noqa: S311 (synthetic data, not secrets)
    owner = User.objects.get(username="bench1")
    from django.utils import timezone

    today = timezone.localdate()
    with transaction.atomic():
        objectives = [
            Objective.objects.create(
                title=title, owner=owner, metric="Wert", metric_unit="%", baseline=Decimal(0),
                target_value=Decimal(100), target_date=today + dt.timedelta(days=365),
            )
            for title in OBJECTIVES
        ]  # fmt: skip
        ids = list(UseCase.objects.values_list("pk", flat=True))
        for objective in objectives[:3]:  # the fourth stays a gap
            objective.usecases.add(*rng.sample(ids, len(ids) // 10))
        running = list(UseCase.objects.filter(stage__in=[Stage.PILOT, Stage.PRODUCTION]).values_list("pk", flat=True))
        if not running:
            raise SystemExit("no use case in pilot or production to give a KPI")
        Kpi.objects.bulk_create(
            [
                Kpi(usecase_id=pk, name="Eingesparte Stunden", kind=KpiKind.HOURS_SAVED_PER_MONTH,
                    baseline=Decimal(0), target=Decimal(rng.randint(10, 80)))
                for pk in running
            ],
            batch_size=5000,
        )  # fmt: skip
    kpis = list(Kpi.objects.values_list("pk", "target"))
    per_kpi = max(1, measurements_total // len(kpis))
    batch: list[Any] = []
    written = 0
    for pk, target in kpis:
        reach = rng.uniform(0.2, 1.1)
        for month in range(per_kpi):
            day = today - dt.timedelta(days=30 * month)
            value = Decimal(str(round(float(target) * reach * (per_kpi - month) / per_kpi, 2)))
            batch.append(Measurement(kpi_id=pk, measured_on=day, value=value))
        if len(batch) >= 20_000:
            Measurement.objects.bulk_create(batch, batch_size=5000)
            written += len(batch)
            batch.clear()
    Measurement.objects.bulk_create(batch, batch_size=5000)
    written += len(batch)
    return len(kpis), written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--usecases", type=int, default=100_000)
    parser.add_argument("--measurements-total", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=20, help="Requests per page and viewer.")
    parser.add_argument("--database-url", help="An empty PostgreSQL database (default: a new SQLite file).")
    parser.add_argument("--data-dir", help="Folder of the SQLite file (default: a new temporary folder).")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    where = scratch.configure(args.database_url, args.data_dir, "leitplanke-bench-")

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_test_environment

    from leitplanke.accounts.models import User
    from leitplanke.impact.models import Measurement
    from leitplanke.org import services as org_services
    from leitplanke.org.models import OrgUnit, Role
    from leitplanke.usecases.models import UseCase
    from leitplanke.web.runtime import tune_garbage_collector

    setup_test_environment()
    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    existing = UseCase.objects.filter(unit__path__startswith=usecases_library.company_path()).count()
    if existing == 0:
        usecases_library.generate(args.usecases, args.seed)
    elif existing != args.usecases:
        raise SystemExit(f"{where} holds {existing} generated use cases, not {args.usecases}: use a new database.")
    if not Measurement.objects.exists():
        kpis, measurements = generate_impact(args.measurements_total, args.seed)
        print(f"generated {kpis} KPIs and {measurements} measurements in {time.perf_counter() - started:.0f} s")

    tune_garbage_collector()  # as `leitplanke serve` does in each worker
    leader, created = User.objects.get_or_create(username="bench-leadership", defaults={"display_name": "Leitung"})
    if created:
        org_services.role_assign(actor=None, person=leader, role=Role.LEADERSHIP)
    department = OrgUnit.objects.get(code="bench-d3")
    department_lead = department.lead or User.objects.get(username="bench1")
    employee = User.objects.get(username="bench2")
    pages = [
        ("page", "/portfolio/"),
        ("page, one department", f"/portfolio/?unit={department.pk}"),
        ("report.json", "/portfolio/report.json"),
    ]
    print(
        f"\n{connection.vendor} ({where}), {UseCase.objects.count()} use cases, "
        f"{Measurement.objects.count()} measurements, {args.requests} requests each\n"
    )
    print("| request | viewer | p50 | p95 | SQL queries per request |")
    print("|---|---|---|---|---|")
    for viewer_name, viewer in (("leadership", leader), ("department lead", department_lead), ("employee", employee)):
        client = Client()
        client.force_login(viewer)
        for name, url in pages:
            p50, p95, queries = usecases_library._measure(client, lambda url=url: url, args.requests)
            counts = f"{min(queries)}" if min(queries) == max(queries) else f"{min(queries)}–{max(queries)}"
            print(f"| {name} | {viewer_name} | {p50:.1f} ms | {p95:.1f} ms | {counts} |")
    print(f"\nload average: {' '.join(f'{value:.2f}' for value in os.getloadavg())}")


if __name__ == "__main__":
    main()
