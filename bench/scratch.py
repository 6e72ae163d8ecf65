"""Pointing a benchmark at a scratch database before Django starts (shared by the benchmarks)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def configure(database_url: str | None, data_dir: str | None, prefix: str) -> str:
    """Development settings on the PostgreSQL database ``database_url``, or on a SQLite file in
    ``data_dir`` (a new temporary folder named after ``prefix`` if none); returns where it is."""
    os.environ["LEITPLANKE_MODE"] = "development"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "leitplanke.config.settings")
    if database_url:
        os.environ["DATABASE_URL"] = database_url
        return database_url.rsplit("@", 1)[-1]
    os.environ.pop("DATABASE_URL", None)
    folder = data_dir or tempfile.mkdtemp(prefix=prefix)
    os.environ["LEITPLANKE_DATA_DIR"] = folder
    return str(Path(folder) / "leitplanke.sqlite3")


def store_verdicts() -> int:
    """Evaluate every use case without a verdict under the active bundle and store the verdicts in bulk.

    For benchmark data made with ``bulk_create``: no audit events (it makes data, it does not test
    the write path). Returns how many verdicts were stored.
    """
    from django.utils import timezone

    from leitplanke.guardrails import selectors, services
    from leitplanke.guardrails.engine import input_digest, normalise_input, summary_digest
    from leitplanke.guardrails.models import Verdict
    from leitplanke.usecases.models import UseCase

    row = services.bundle_ensure_active()
    evaluator = selectors.evaluator_for(row)
    missing = list(UseCase.objects.filter(verdict__isnull=True).order_by("pk").values_list("pk", flat=True))
    now = timezone.now()
    batch: list[Verdict] = []
    for item in selectors.portfolio(missing):
        summary = evaluator.evaluate_checked(normalise_input(item.input)).summary()
        batch.append(
            Verdict(
                usecase_id=item.key,
                bundle=row,
                input=item.input,
                input_digest=input_digest(item.input),
                summary=summary,
                summary_digest=summary_digest(summary),
                risk_class=summary["risk_class"],
                decision=summary["decision"],
                evaluated_at=now,
            )
        )
        if len(batch) == 2000:
            Verdict.objects.bulk_create(batch)
            batch.clear()
    Verdict.objects.bulk_create(batch)
    return len(missing)
