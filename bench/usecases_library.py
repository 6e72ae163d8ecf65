"""Benchmark: server time and SQL queries of the use-case library and the detail page at enterprise size.

Run by hand, never in the test suite::

    python bench/usecases_library.py                     # SQLite file in a new temporary folder
    python bench/usecases_library.py --database-url postgres://postgres@127.0.0.1:5432/lp_bench

It points Leitplanke at a scratch database (a SQLite file in a temporary folder, or the empty
PostgreSQL database named by ``--database-url``), migrates it, generates a synthetic enterprise with
``bulk_create`` (default: 100,000 use cases across about 300 units, 1,000 people, 40 tools) and
builds their search index in one go (``search.index_rebuild``: ``bulk_create`` bypasses the services
that keep it current), then requests the library (``usecases:library``: unfiltered, filtered,
searched for a word in most use cases and for a rare one, page 2 where given) and the detail
page (``usecases:detail``) N times each with Django's test client, signed in as an employee of one
team (the visibility rule at its most expensive) and as an auditor (sees everything). It prints p50
and p95 of the server time and the SQL queries per request, with 25 and 100 rows per page: the
query count must not grow with the page size. A database that already holds the generated
enterprise is reused (``--usecases`` must match).
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

BENCH_COMPANY = "bench-enterprise"
#: Django's mark of a password nobody can sign in with (the benchmark signs in with force_login).
UNUSABLE = "!"
STAGES = ("idea", "pilot", "production", "retired")
WORDS = [
    "Rechnungen", "Verträge", "Angebote", "Kundenanfragen", "Protokolle", "Berichte", "Bewerbungen", "Schichtpläne",
    "Wartung", "Prognosen", "Übersetzungen", "Zusammenfassungen", "Texte", "Code", "Tickets", "Lieferanten",
    "Risiken", "Audits", "Schulungen", "Richtlinien",
]  # fmt: skip
VERBS = ["prüfen", "klassifizieren", "zusammenfassen", "übersetzen", "entwerfen", "vorhersagen", "priorisieren"]


def generate(usecase_count: int, seed: int) -> None:
    """A synthetic enterprise: 1 company, 20 departments, 280 teams, 1,000 people, 40 tools, the use cases."""
    from django.db import connection, transaction

    from leitplanke.accounts.models import User
    from leitplanke.catalog.models import Tool
    from leitplanke.org.models import Membership, OrgUnit
    from leitplanke.usecases.facts import FACTS
    from leitplanke.usecases.models import UseCase

    rng = random.Random(seed)  # noqa: S311 (synthetic data, not secrets)
    started = time.perf_counter()
    with transaction.atomic():
        company = OrgUnit.objects.create(code=BENCH_COMPANY, name="Bench AG", kind="company")
        company.path, company.depth = f"/{company.pk}/", 0
        company.save(update_fields=["path", "depth"])
        departments = OrgUnit.objects.bulk_create(
            OrgUnit(code=f"bench-d{n}", name=f"Abteilung {n}", kind="department", parent=company) for n in range(20)
        )
        for unit in departments:
            unit.path, unit.depth = f"{company.path}{unit.pk}/", 1
        OrgUnit.objects.bulk_update(departments, ["path", "depth"])
        teams = OrgUnit.objects.bulk_create(
            OrgUnit(code=f"bench-t{n}", name=f"Team {n}", kind="team", parent=departments[n % 20]) for n in range(280)
        )
        for number, unit in enumerate(teams):
            unit.path, unit.depth = f"{departments[number % 20].path}{unit.pk}/", 2
        OrgUnit.objects.bulk_update(teams, ["path", "depth"], batch_size=500)
        people = User.objects.bulk_create(
            User(username=f"bench{n}", display_name=f"Person {n}", email=f"bench{n}@bench.example", password=UNUSABLE)
            for n in range(1000)
        )
        Membership.objects.bulk_create(
            Membership(person=person, unit=teams[n % 280]) for n, person in enumerate(people)
        )
        tools = Tool.objects.bulk_create(
            Tool(
                name=f"Bench-Tool {n}",
                hosting_region="eu",
                status=("approved", "approved_with_conditions", "in_evaluation", "not_allowed")[n % 4],
                max_classification="internal",
            )
            for n in range(40)
        )
        single = [fact for fact in FACTS if not fact.multiple]
        batch: list[UseCase] = []
        through = UseCase.tools.through
        links: list[Any] = []

        def flush() -> None:
            created = UseCase.objects.bulk_create(batch)
            for usecase in created:
                for tool in rng.sample(tools, rng.randint(1, 3)):
                    links.append(through(usecase_id=usecase.pk, tool_id=tool.pk))
            through.objects.bulk_create(links)
            batch.clear()
            links.clear()

        for n in range(usecase_count):
            team = teams[rng.randrange(280)]
            batch.append(
                UseCase(
                    title=f"{rng.choice(WORDS)} {rng.choice(VERBS)} #{n}",
                    summary=" ".join(rng.choices(WORDS, k=25)),
                    unit=team,
                    owner=people[rng.randrange(1000)],
                    stage=rng.choice(STAGES),
                    status="submitted" if rng.random() < 0.7 else "draft",
                    confidential=rng.random() < 0.1,
                    purposes=["productivity"],
                    affected_people=["employees"],
                    **{fact.name: rng.choice(fact.all_choices)[0] for fact in single},
                )
            )
            if len(batch) == 2000:
                flush()
        if batch:
            flush()
    print(f"generated {usecase_count} use cases in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    # bulk_create bypasses the services, which keep the search index current: build it in one go.
    from leitplanke.usecases.search import index_rebuild

    started = time.perf_counter()
    indexed = index_rebuild()
    print(f"indexed {indexed} use cases for search in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    started = time.perf_counter()
    evaluated = scratch.store_verdicts()
    print(f"stored {evaluated} guardrail verdicts in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    # A production database has planner statistics (autovacuum, or SQLite's optimize); a freshly
    # bulk-loaded one does not, and PostgreSQL then picks poor plans for the prefetch queries.
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--usecases", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=30, help="Requests per page and page size.")
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
    from django.urls import NoReverseMatch, reverse

    from leitplanke.org import services as org_services
    from leitplanke.org.models import OrgUnit, Role
    from leitplanke.usecases import views
    from leitplanke.usecases.models import UseCase

    try:
        reverse("usecases:library")
        reverse("usecases:detail", args=[1])
    except NoReverseMatch:
        raise SystemExit(
            "The library views (usecases:library, usecases:detail) do not exist yet; nothing to measure."
        ) from None
    if not hasattr(views, "PAGE_SIZE"):
        raise SystemExit("usecases.views.PAGE_SIZE is gone; the benchmark sets it to compare page sizes.")

    setup_test_environment()
    call_command("migrate", verbosity=0)
    existing = UseCase.objects.filter(unit__path__startswith=company_path()).count()
    if existing == 0:
        generate(args.usecases, args.seed)
    elif existing != args.usecases:
        raise SystemExit(f"{where} holds {existing} generated use cases, not {args.usecases}: use a new database.")

    from leitplanke.accounts.models import User
    from leitplanke.web.runtime import tune_garbage_collector

    tune_garbage_collector()  # as `leitplanke serve` does in each worker
    employee = User.objects.get(username="bench1")
    auditor, created = User.objects.get_or_create(username="bench-auditor", defaults={"display_name": "Auditor"})
    if created:
        org_services.role_assign(actor=None, person=auditor, role=Role.AUDITOR)
    department = OrgUnit.objects.get(code="bench-d3")
    tool_id = UseCase.tools.through.objects.values_list("tool_id", flat=True).first()
    rng = random.Random(args.seed)  # noqa: S311 (which use case to open)
    visible = list(UseCase.objects.visible_to(employee).values_list("pk", flat=True)[:5000])
    pages: list[tuple[str, Callable[[], str]]] = [
        ("library", lambda: reverse("usecases:library")),
        ("library, filtered", lambda: f"{reverse('usecases:library')}?unit={department.pk}&stage=production"
                                      f"&tool={tool_id}&sort=-updated&page=2"),
        ("library, search", lambda: f"{reverse('usecases:library')}?q=Rechnungen&status=submitted&page=2"),
        # A word in a few use cases, as most searches are ("Rechnungen" is in 74 % of the summaries).
        ("library, search (rare)", lambda: f"{reverse('usecases:library')}?q=4711"),
        ("detail", lambda: reverse("usecases:detail", args=[rng.choice(visible)])),
    ]  # fmt: skip

    print(f"\n{connection.vendor} ({where}), {UseCase.objects.count()} use cases, {args.requests} requests each\n")
    print("| page | viewer | rows per page | p50 | p95 | SQL queries per request |")
    print("|---|---|---|---|---|---|")
    for viewer_name, viewer in (("employee", employee), ("auditor", auditor)):
        client = Client()
        client.force_login(viewer)
        for name, url in pages:
            for size in (25, 100):
                if name == "detail" and size == 100:
                    continue
                views.PAGE_SIZE = size
                p50, p95, queries = _measure(client, url, args.requests)
                counts = f"{min(queries)}" if min(queries) == max(queries) else f"{min(queries)}–{max(queries)}"
                rows = "—" if name == "detail" else str(size)
                print(f"| {name} | {viewer_name} | {rows} | {p50:.1f} ms | {p95:.1f} ms | {counts} |")


def _measure(client: Any, url: Callable[[], str], requests: int) -> tuple[float, float, list[int]]:
    """p50 and p95 in milliseconds, and the query count of every request (``url`` is asked anew each time)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(url())
    timings: list[float] = []
    queries: list[int] = []
    for _ in range(requests):
        # Timed without capturing the queries (capturing formats and keeps every statement, which
        # costs time the server does not spend); the next request of the same kind counts them.
        target = url()
        started = time.perf_counter()
        response = client.get(target)
        timings.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            raise SystemExit(f"{target} answered {response.status_code}")
        with CaptureQueriesContext(connection) as captured:
            client.get(url())
        queries.append(len(captured.captured_queries))
    timings.sort()
    p95 = timings[min(len(timings) - 1, round(0.95 * (len(timings) - 1)))]
    return statistics.median(timings), p95, queries


def company_path() -> str:
    from leitplanke.org.models import OrgUnit

    company = OrgUnit.objects.filter(code=BENCH_COMPANY).first()
    return company.path if company else "/no-bench-company/"


if __name__ == "__main__":
    main()
