"""Benchmark: requests per second and latency of the REST API under gunicorn, against the raw driver.

Run by hand, never in the test suite::

    python bench/api_throughput.py --data-dir /tmp/lp-bench          # SQLite
    python bench/api_throughput.py --database-url postgres://postgres@127.0.0.1:5432/lp_bench

It prepares the same synthetic enterprise as ``usecases_library.py`` (100,000 use cases; reused when
the database already holds it), gives an employee of one team a read token (the visibility rule at
its most expensive) and starts ``leitplanke serve`` (gunicorn, 2 workers, as in production) on a free
port of 127.0.0.1. ``wrk`` (Debian package ``wrk``) then loads, over keep-alive connections,

- ``GET /api/v1/usecases?stage=production&limit=50`` (a page of 50, one filter), and
- ``GET /api/v1/usecases/{id}`` (a use case the employee may read, a different one per request),

for ``--duration`` seconds each after a warm-up, and reports requests per second, p50, p95 and p99.
For the ratio, the SQL statements of one such request (captured with Django's test client) are run
again through the bare driver (``sqlite3`` or ``psycopg``) on one connection, as fast as it goes:
that is what the database alone costs for the same answer. The last column divides the API's
requests per second (2 workers) by the driver's (1 connection, no HTTP, no Python objects): the share
of the database's own speed that reaches the caller.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import scratch
import usecases_library

ROOT = Path(__file__).resolve().parent.parent
LIST = "/api/v1/usecases?stage=production&limit=50"
#: wrk's Lua hooks: a different use case per request (``ids.txt``), and the percentiles at the end.
LUA = """
local ids = {}
local path = os.getenv("LP_PATHS")
for line in io.lines(path) do ids[#ids + 1] = line end
local n = 0
request = function()
  n = n + 1
  return wrk.format("GET", ids[(n % #ids) + 1], {["Authorization"] = "Bearer " .. os.getenv("LP_TOKEN")})
end
done = function(summary, latency, requests)
  io.write(string.format("RESULT %d %d %d %.3f %.3f %.3f %d\\n", summary.requests, summary.duration,
    summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write
      + summary.errors.timeout,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000, summary.bytes))
end
"""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_ready(port: int, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit("leitplanke serve stopped before it was ready")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise SystemExit("leitplanke serve was not ready within 60 s")


def _wrk(port: int, token: str, paths: list[str], duration: int, connections: int, folder: Path) -> dict[str, float]:
    listing = folder / "paths.txt"
    listing.write_text("\n".join(f"http://127.0.0.1:{port}{path}" for path in paths) + "\n")
    script = folder / "bench.lua"
    script.write_text(LUA)
    env = {**os.environ, "LP_PATHS": str(listing), "LP_TOKEN": token}
    command = [
        "wrk", "--threads", "1", "--connections", str(connections), "--duration", f"{duration}s",
        "--timeout", "10s", "--script", str(script), f"http://127.0.0.1:{port}/",
    ]  # fmt: skip
    output = subprocess.run(command, env=env, capture_output=True, text=True, check=True).stdout  # noqa: S603
    line = next(line for line in output.splitlines() if line.startswith("RESULT "))
    requests, micros, errors, p50, p95, p99, _bytes = line.split()[1:]
    seconds = int(micros) / 1_000_000
    return {
        "rps": int(requests) / seconds, "errors": int(errors), "p50": float(p50), "p95": float(p95),
        "p99": float(p99),
    }  # fmt: skip


def _captured(client: Any, path: str, token: str) -> list[str]:
    """The SQL statements (with their parameters inlined) of one request, as the server ran them."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        response = client.get(path, headers={"Authorization": f"Bearer {token}"})
    if response.status_code != 200:
        raise SystemExit(f"{path} answered {response.status_code}: {response.content[:300]!r}")
    return [query["sql"] for query in captured.captured_queries]


def _raw(statements_for: list[list[str]], seconds: float) -> tuple[float, float]:
    """Requests' worth of statements per second through the bare driver on one connection, and p50 in ms."""
    from django.conf import settings

    database = settings.DATABASES["default"]
    if database["ENGINE"].endswith("sqlite3"):
        import sqlite3

        connection: Any = sqlite3.connect(database["NAME"])
    else:
        import psycopg

        connection = psycopg.connect(
            dbname=database["NAME"], user=database["USER"], host=database["HOST"], port=database["PORT"] or 5432,
            autocommit=True,
        )  # fmt: skip
    timings: list[float] = []
    deadline = time.perf_counter() + seconds
    n = 0
    while time.perf_counter() < deadline:
        statements = statements_for[n % len(statements_for)]
        n += 1
        started = time.perf_counter()
        cursor = connection.cursor()
        for sql in statements:
            if sql.lstrip().upper().startswith(("SELECT", "WITH")):
                cursor.execute(sql)
                cursor.fetchall()
        timings.append((time.perf_counter() - started) * 1000)
    connection.close()
    return len(timings) / sum(t / 1000 for t in timings), statistics.median(timings)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--usecases", type=int, default=100_000)
    parser.add_argument("--database-url", help="An empty PostgreSQL database (default: a new SQLite file).")
    parser.add_argument("--data-dir", help="Folder of the SQLite file (default: a new temporary folder).")
    parser.add_argument("--duration", type=int, default=20, help="Seconds of load per endpoint (default 20).")
    parser.add_argument("--connections", type=int, default=8, help="Concurrent keep-alive connections (default 8).")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is missing: apt-get install -y --no-install-recommends wrk")
    where = scratch.configure(args.database_url, args.data_dir, "leitplanke-bench-")

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_test_environment

    from leitplanke.accounts.models import User
    from leitplanke.api import services as api_services
    from leitplanke.api.models import Scope
    from leitplanke.usecases.models import UseCase

    setup_test_environment()
    call_command("migrate", verbosity=0)
    existing = UseCase.objects.filter(unit__path__startswith=usecases_library.company_path()).count()
    if existing == 0:
        usecases_library.generate(args.usecases, args.seed)
    elif existing != args.usecases:
        raise SystemExit(f"{where} holds {existing} generated use cases, not {args.usecases}: use a new database.")

    employee = User.objects.get(username="bench1")
    token = api_services.token_create(
        actor=None, user=employee, name="Benchmark", scope=Scope.READ, expires_in_days=1
    ).plain
    rng = random.Random(args.seed)  # noqa: S311 (which use cases to open)
    visible = list(UseCase.objects.visible_to(employee).values_list("pk", flat=True)[:20_000])
    details = [f"/api/v1/usecases/{pk}" for pk in rng.sample(visible, 2000)]

    client = Client()
    client.get(LIST, headers={"Authorization": f"Bearer {token}"})  # the token's first use is recorded
    list_sql = [_captured(client, LIST, token)]
    detail_sql = [_captured(client, path, token) for path in details[:200]]
    connection.close()

    port = _free_port()
    env = {**os.environ, "LEITPLANKE_MODE": "development", "DJANGO_SETTINGS_MODULE": "leitplanke.config.settings"}
    server = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "leitplanke.config.cli", "serve", "--port", str(port), "--workers", "2"],
        env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    rows: list[tuple[str, dict[str, float], tuple[float, float], int]] = []
    try:
        _wait_ready(port, server)
        with tempfile.TemporaryDirectory(prefix="leitplanke-wrk-") as folder:
            for name, paths, sql in (("list, 50 per page, stage filter", [LIST], list_sql),
                                     ("detail", details, detail_sql)):  # fmt: skip
                _wrk(port, token, paths, 5, args.connections, Path(folder))  # warm-up: caches, plans, workers
                result = _wrk(port, token, paths, args.duration, args.connections, Path(folder))
                rows.append((name, result, _raw(sql, args.duration / 2), len(sql[0])))
    finally:
        server.terminate()
        server.wait(timeout=30)

    print(
        f"\n{connection.vendor} ({where}), {UseCase.objects.count()} use cases; gunicorn 2 workers × 4 threads; "
        f"wrk 1 thread, {args.connections} connections, {args.duration} s per endpoint\n"
    )
    print("| endpoint | requests/s | p50 | p95 | p99 | errors | SQL per request | raw driver: requests/s | raw p50 "
          "| API ÷ raw (requests/s) |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|---|---|")
    for name, result, (raw_rps, raw_p50), statements in rows:
        print(
            f"| {name} | {result['rps']:.0f} | {result['p50']:.1f} ms | {result['p95']:.1f} ms | "
            f"{result['p99']:.1f} ms | {result['errors']:.0f} | {statements} | {raw_rps:.0f} | {raw_p50:.2f} ms | "
            f"{result['rps'] / raw_rps:.0%} |"
        )


if __name__ == "__main__":
    main()
