"""Benchmark: what-if and publication of a rule bundle over 100,000 use cases in the database.

Run by hand, never in the test suite::

    .venv/bin/python bench/guardrails_whatif.py                       # SQLite file in a new temporary folder
    .venv/bin/python bench/guardrails_whatif.py --database-url postgres://postgres@127.0.0.1:5432/lp_whatif

It points Leitplanke at a scratch database, generates a company with ``--usecases`` use cases whose
answers and tools follow ``bench/synthetic.py``'s *portfolio* distribution (bulk inserts, no audit
events: it makes data, it does not test the write path), stores each one's verdict under the
shipped bundle, and then measures, as ``leitplanke policy whatif`` and ``publish`` run them:

* the what-if of a changed bundle (deepfakes blocked): reading every use case, evaluating it,
  comparing it with its stored verdict;
* publishing that bundle: the check in a separate process, the what-if, rewriting the changed
  verdicts and recording each change in the audit trail, in one transaction.

It prints a Markdown table.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import scratch
import synthetic

BENCH_COMPANY = "whatif-enterprise"
#: Django's mark of a password nobody can sign in with.
UNUSABLE = "!"


def _generate(count: int, seed: int) -> None:
    """A company of 300 units and 1,000 people, 40 tools, ``count`` use cases and their verdicts."""
    from django.db import connection, transaction

    from leitplanke.accounts.models import User
    from leitplanke.catalog.models import Tool
    from leitplanke.org.models import OrgUnit
    from leitplanke.usecases.models import UseCase

    rng = random.Random(seed)  # noqa: S311 (synthetic data)
    started = time.perf_counter()
    with transaction.atomic():
        company = OrgUnit.objects.create(code=BENCH_COMPANY, name="Was-wäre-wenn AG", kind="company")
        company.path = f"/{company.pk}/"
        company.save(update_fields=["path"])
        teams = OrgUnit.objects.bulk_create(
            OrgUnit(code=f"whatif-t{n}", name=f"Team {n}", kind="team", parent=company, depth=1) for n in range(300)
        )
        for team in teams:
            team.path = f"{company.path}{team.pk}/"
        OrgUnit.objects.bulk_update(teams, ["path"], batch_size=500)
        people = User.objects.bulk_create(
            User(username=f"whatif{n}", display_name=f"Person {n}", password=UNUSABLE) for n in range(1000)
        )
        catalogue = synthetic.catalogue(rng)
        tools = Tool.objects.bulk_create(Tool(**tool) for tool in catalogue)
        by_name = {tool.name: tool for tool in tools}
        through = UseCase.tools.through
        for start in range(0, count, 2000):
            inputs = [synthetic.portfolio_input(rng, catalogue) for _ in range(min(2000, count - start))]
            created = UseCase.objects.bulk_create(
                UseCase(
                    title=f"Anwendungsfall {start + n}",
                    unit=teams[rng.randrange(300)],
                    owner=people[rng.randrange(1000)],
                    stage=data["stage"],
                    status="submitted",
                    **data["facts"],
                )
                for n, data in enumerate(inputs)
            )
            through.objects.bulk_create(
                through(usecase_id=usecase.pk, tool_id=by_name[tool["name"]].pk)
                for usecase, data in zip(created, inputs, strict=True)
                for tool in data["tools"]
            )
    scratch.store_verdicts()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(f"generated {count:,} use cases with verdicts in {time.perf_counter() - started:.0f} s", file=sys.stderr)


def _candidate() -> dict[str, str]:
    from leitplanke.guardrails.engine import default_folder, read_folder

    files = read_folder(default_folder())
    path = "rules/30-ai-act-transparency.yaml"
    files[path] = (
        files[path]
        .replace(
            "      - obligation: ai-act-art50-4-disclose-deepfake\n      - review: legal",
            "      - obligation: ai-act-art50-4-disclose-deepfake\n      - block: true",
        )
        .replace(
            "    expect: {risk_class: limited, decision: review, reviews: [legal], fired: [ai-act-art50-4-deepfake]}",
            "    expect: {risk_class: limited, decision: blocked, fired: [ai-act-art50-4-deepfake]}",
        )
    )
    files["bundle.yaml"] = files["bundle.yaml"].replace('version: "2026.12.1"', 'version: "2026.12.1-bench"')
    return files


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--usecases", type=int, default=100_000)
    parser.add_argument("--database-url", help="An empty PostgreSQL database (default: a new SQLite file).")
    parser.add_argument("--data-dir", help="Folder of the SQLite file (default: a new temporary folder).")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    where = scratch.configure(args.database_url, args.data_dir, "leitplanke-whatif-")

    import django

    django.setup()
    from django.core.management import call_command

    from leitplanke.guardrails import selectors, services
    from leitplanke.guardrails.engine import check_isolated
    from leitplanke.usecases.models import UseCase
    from leitplanke.web.runtime import tune_garbage_collector

    call_command("migrate", verbosity=0)
    if not UseCase.objects.filter(unit__code__startswith="whatif-").exists():
        _generate(args.usecases, args.seed)
    tune_garbage_collector()
    files = _candidate()
    rows: list[tuple[str, Any, float]] = []

    started = time.perf_counter()
    report = check_isolated(files)
    rows.append(("check (separate process: validate, trial evaluation, 57 tests)", "—", time.perf_counter() - started))
    assert report.ok, report.problems  # noqa: S101

    started = time.perf_counter()
    items = list(selectors.portfolio())
    rows.append(("read every use case with its tools and verdict", f"{len(items):,}", time.perf_counter() - started))

    started = time.perf_counter()
    whatif = selectors.what_if(files)
    rows.append(
        (
            f"what-if (read, evaluate, compare): {len(whatif.changes):,} would change",
            f"{whatif.total:,}",
            time.perf_counter() - started,
        )
    )

    started = time.perf_counter()
    publication = services.bundle_publish(actor=None, files=files, checked=report)
    rows.append(
        (
            f"publish (what-if, {len(publication.whatif.changes):,} verdicts rewritten and audited)",
            f"{publication.whatif.total:,}",
            time.perf_counter() - started,
        )
    )

    print(f"Database: {where}\n")
    print("| step | use cases | time |")
    print("|---|---|---|")
    for label, count, seconds in rows:
        print(f"| {label} | {count} | {seconds:.2f} s |")


if __name__ == "__main__":
    main()
