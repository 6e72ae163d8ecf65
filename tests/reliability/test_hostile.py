"""The reliability suite's hostile mode, bounded for CI: the real server and worker with the static rule limits
switched off and a short evaluator time limit, three clients reading and writing in the background. A deeply
nested rule is refused at validation, naming it; a published rule that runs away for the guarded unit's use
cases is stopped, and the use case its member submits is answered and needs review by AI governance; a
what-if of it is refused; no answer 500, no request without an answer, no gunicorn worker killed by its
timeout. ``scripts/reliability hostile`` runs the full version with ten clients (docs/reliability.md).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from django.db import connection

from tests.reliability import driver
from tests.reliability.test_crash import _postgres_url

pytestmark = pytest.mark.reliability


def test_a_hostile_rule_is_refused_or_stopped_and_the_server_keeps_answering(tmp_path: Path) -> None:
    kind = "postgres" if connection.vendor == "postgresql" else "sqlite"
    run = driver.Run.prepare(
        kind=kind, clients=3, postgres_url=_postgres_url() if kind == "postgres" else None, lease=5,
        data_dir=tmp_path, env=driver.lifted_env(500),
    )  # fmt: skip
    try:
        report = driver.hostile(
            run, seed=20261207, clients=3, timeout_ms=500, submissions=1, log=lambda line: None,
            bundles=("guarded-exponential", "deep-nesting"), pool_size=5, baseline=1.0, lifted_only=True,
        )  # fmt: skip
    finally:
        run.close(keep=False)
    outcomes = [(s["step"], s["bundle"], s["status"]) for s in report["steps"] if s["status"] is not None]
    assert outcomes == [
        ("publish", "guarded-exponential", 201),
        ("create and submit", "guarded-exponential", 201),
        ("verdict", "guarded-exponential", 200),
        ("validate", "deep-nesting", 200),
        ("what-if", "deep-nesting", 422),
        ("publish", "deep-nesting", 422),
    ]
    assert report["background"]["all"]["requests"] > 0
    assert driver.hostile_failures(report, latency=False) == [], driver.hostile_table(report)
