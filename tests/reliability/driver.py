"""The reliability suite's driver: Leitplanke's real processes under crashes and load.

It prepares a fresh data directory on SQLite or a fresh PostgreSQL database, migrates it, creates
the people and API tokens it needs through Leitplanke's own services, starts the real
``leitplanke serve`` (2 workers) and ``leitplanke worker``, and then runs one of three modes:

* ``crash``: API clients create and change use cases and keep a ledger of every acknowledged (2xx)
  answer, while the driver sends ``kill -9`` at random moments to the server's master, to one of
  its workers or to the background worker, restarting what died as a process supervisor would.
  After each round: every acknowledged write is there with its acknowledged content,
  ``PRAGMA integrity_check`` is ok (SQLite), ``leitplanke audit verify`` passes, no background task
  stays running past its lease.
* ``load``: 20 clients × 60 s of mixed reads and writes (90 % and 50 % writes) on a shared set of
  use cases, with ``If-Match``; reports the answers by status, the 500s, lost updates, slow lock
  waits, throughput and p95.
* ``hostile``: the hostile rule bundles of ``tests/guardrails/hostile.py`` sent by AI governance to
  validation and publication (refused by the static limits), then, with the static limits off and a
  short evaluator time limit, published behind a unit's guard, met by that unit's submissions (the
  verdict "needs review by AI governance") and by a what-if and publication (refused, the rule named);
  all the while 10 background clients read and write, their latencies reported by segment.

Run it with ``scripts/reliability`` (see docs/reliability.md); the pytest entries
``tests/reliability/test_crash.py`` and ``test_hostile.py`` run bounded versions. Clients talk to
127.0.0.1 only.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import random
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[2]
TASK_TABLE = "django_tasks_database_dbtaskresult"
#: The answers that make a use case submittable with the least risk (fact name -> answer).
LOW_RISK_FACTS: dict[str, Any] = {
    "purposes": ["productivity"],
    "affected_people": ["employees"],
    "interacts_with_people": "staff",
    "generated_content": "text",
    "personal_data": "none",
    "data_classification": "internal",
    "monitors_employees": "no",
    "decision_role": "none",
    "human_review": "always",
    "scale": "small",
    "prohibited_practices": [],
}

SETUP_SCRIPT = r"""
import json
from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import timezone
from leitplanke.api.services import token_create
from leitplanke.decisions.selectors import required_qualification
from leitplanke.guardrails.services import bundle_ensure_active
from leitplanke.literacy.models import Course
from leitplanke.literacy.services import completion_record, course_create
from leitplanke.org.services import membership_add, person_create, role_assign, unit_create

count = int(__COUNT__)
lead = person_create(actor=None, username="rel.lead", display_name="Reliability Lead", email="rel.lead@example.com")
bundle_ensure_active()  # the shipped rules, as the first verdict would publish them
qualification = required_qualification()
if qualification:  # the lead may approve, so a submitted use case notifies them (an e-mail for the worker)
    course = Course.objects.filter(code=qualification).first() or course_create(
        actor=None, code=qualification, title="AI literacy")
    completion_record(actor=None, person=lead, course=course, completed_on=timezone.localdate())
company = unit_create(actor=None, code="rel", name="Reliability AG", kind="company")
department = unit_create(actor=None, code="rel-dep", name="Reliability department", kind="department", parent=company)
team = unit_create(actor=None, code="rel-team", name="Reliability team", kind="team", parent=department, lead=lead)
tokens = []
for number in range(count):
    person = person_create(
        actor=None, username=f"rel.client{number}", display_name=f"Client {number}",
        email=f"rel.client{number}@example.com",
    )
    membership_add(actor=None, person=person, unit=team)
    tokens.append(token_create(actor=None, user=person, name="reliability", scope="read-write").plain)
# the hostile mode: AI governance (checks and publishes rules), and a second unit whose code the hostile
# rules of tests/guardrails/hostile.py guard their costly part with, with one member
governance = person_create(actor=None, username="rel.governance", display_name="Reliability AI governance",
                           email="rel.governance@example.com", preferred_language="en")
role_assign(actor=None, person=governance, role="ai_governance")
guarded = unit_create(actor=None, code="mkt", name="Reliability marketing", kind="team", parent=department, lead=lead)
member = person_create(actor=None, username="rel.member", display_name="Reliability member",
                       email="rel.member@example.com", preferred_language="en")
membership_add(actor=None, person=member, unit=guarded)
print("RELIABILITY-SETUP " + json.dumps({
    "tokens": tokens, "unit": team.code, "lease": int(getattr(settings, "TASK_LEASE_SECONDS", 300)),
    "governance": token_create(actor=None, user=governance, name="reliability", scope="read-write").plain,
    "guarded_unit": guarded.code,
    "member": token_create(actor=None, user=member, name="reliability", scope="read-write").plain,
}))
"""


# --- processes ---------------------------------------------------------------------------------


def free_port() -> int:
    """A free TCP port on the loopback interface."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def children_of(pid: int) -> list[int]:
    """The direct children of process ``pid`` (from /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # the command name may contain spaces and parentheses: the fields after its last ')'
        fields = stat[stat.rindex(")") + 2 :].split()
        if int(fields[1]) == pid:
            found.append(int(entry.name))
    return found


def group_alive(pgid: int) -> list[int]:
    """The processes still in process group ``pgid``."""
    alive = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        if int(fields[2]) == pgid and fields[0] != "Z":
            alive.append(int(entry.name))
    return alive


def kill_group(pgid: int, sig: int = signal.SIGKILL) -> None:
    """Send ``sig`` to every process of a group (what a supervisor does to a unit that lost its main process)."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, sig)


@dataclass
class Stack:
    """Leitplanke's processes on one database: the server (gunicorn) and the background worker."""

    data_dir: Path
    database_url: str | None
    lease_seconds: int
    port: int = field(default_factory=free_port)
    server: subprocess.Popen[bytes] | None = None
    worker: subprocess.Popen[bytes] | None = None
    restarts: Counter[str] = field(default_factory=Counter)
    #: Settings of this start on top of the driver's (the hostile mode lifts the static rule limits).
    extra_env: dict[str, str] = field(default_factory=dict)

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "XDG_RUNTIME_DIR"}}
        env.update(
            LEITPLANKE_MODE="development",
            LEITPLANKE_DATA_DIR=str(self.data_dir),
            DJANGO_SETTINGS_MODULE="leitplanke.config.settings",
            LEITPLANKE_TASK_LEASE_SECONDS=str(self.lease_seconds),
            HOME=str(self.data_dir),
            LOG_LEVEL="WARNING",
        )
        if self.database_url:
            env["DATABASE_URL"] = self.database_url
        env.update(self.extra_env)
        return env

    def leitplanke(self, *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "leitplanke.config.cli", *args],
            env=self.env(), cwd=self.data_dir, capture_output=True, text=True, timeout=timeout, check=False,
        )  # fmt: skip

    def _spawn(self, name: str, *args: str) -> subprocess.Popen[bytes]:
        log = (self.data_dir / f"{name}.log").open("ab")
        return subprocess.Popen(
            [sys.executable, "-m", "leitplanke.config.cli", *args],
            env=self.env(), cwd=self.data_dir, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip

    def start_server(self) -> None:
        self.server = self._spawn("serve", "serve", "--port", str(self.port), "--workers", "2", "--threads", "4")
        self.wait_ready()

    def start_worker(self) -> None:
        self.worker = self._spawn("worker", "worker", "--interval", "0.5", "--no-periodic")

    def wait_ready(self, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.server is not None and self.server.poll() is not None:
                raise RuntimeError(f"the server exited with {self.server.returncode}; see {self.data_dir}/serve.log")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                conn.request("GET", "/readyz")
                status = conn.getresponse().status
                conn.close()
                if status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError("the server did not become ready")

    def server_workers(self) -> list[int]:
        return children_of(self.server.pid) if self.server else []

    def worker_processes(self) -> list[int]:
        return group_alive(self.worker.pid) if self.worker else []

    def crash(self, target: str, rng: random.Random) -> str:
        """``kill -9`` the target, then restart what died as a supervisor would; what was killed."""
        assert self.server is not None and self.worker is not None
        if target == "master":
            victim = self.server.pid
            os.kill(victim, signal.SIGKILL)
            self.server.wait()
            # a supervisor (systemd's KillMode=control-group) stops what is left of the unit, then starts it again
            deadline = time.monotonic() + 5
            while group_alive(self.server.pid) and time.monotonic() < deadline:
                time.sleep(0.1)
            kill_group(self.server.pid)
            while group_alive(self.server.pid):
                time.sleep(0.05)
            self.restarts["server"] += 1
            self.start_server()
            return f"server master {victim}"
        if target == "server-worker":
            workers = self.server_workers()
            if not workers:
                return "no server worker to kill"
            victim = rng.choice(workers)
            os.kill(victim, signal.SIGKILL)
            self.wait_ready()
            return f"server worker {victim}"
        processes = self.worker_processes()
        victim = rng.choice(processes) if processes else self.worker.pid
        with contextlib.suppress(ProcessLookupError):
            os.kill(victim, signal.SIGKILL)
        if victim == self.worker.pid:
            self.worker.wait()
            kill_group(self.worker.pid)
            self.restarts["worker"] += 1
            self.start_worker()
            return f"background worker supervisor {victim}"
        return f"background worker child {victim}"

    def restart(self, extra_env: dict[str, str]) -> None:
        """Stop the server and the worker, then start both again with ``extra_env``."""
        self.stop()
        self.extra_env = dict(extra_env)
        self.start_server()
        self.start_worker()

    def stop(self) -> None:
        for process in (self.server, self.worker):
            if process is None:
                continue
            kill_group(process.pid, signal.SIGTERM)
        for process in (self.server, self.worker):
            if process is None:
                continue
            try:
                process.wait(timeout=25)
            except subprocess.TimeoutExpired:
                kill_group(process.pid)
                process.wait()
            kill_group(process.pid)


# --- the database ------------------------------------------------------------------------------


class Database:
    """The fresh database of a run, and the checks the driver makes on it directly."""

    def __init__(self, kind: str, data_dir: Path, postgres_url: str | None) -> None:
        self.kind = kind
        self.data_dir = data_dir
        self.url = postgres_url if kind == "postgres" else None

    def create(self) -> None:
        if self.url is None:
            return
        import psycopg

        name = urlsplit(self.url).path.lstrip("/")
        with psycopg.connect(self._maintenance_url(), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')

    def drop(self) -> None:
        if self.url is None:
            return
        import psycopg

        name = urlsplit(self.url).path.lstrip("/")
        with psycopg.connect(self._maintenance_url(), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def _maintenance_url(self) -> str:
        assert self.url is not None
        return urlunsplit(urlsplit(self.url)._replace(path="/postgres"))

    def integrity_problems(self) -> list[str]:
        """SQLite's full ``PRAGMA integrity_check`` (PostgreSQL: not applicable, empty)."""
        if self.url is not None:
            return []
        try:
            conn = sqlite3.connect(f"file:{self.data_dir / 'leitplanke.sqlite3'}?mode=ro", uri=True, timeout=30)
            try:
                rows = [row[0] for row in conn.execute("PRAGMA integrity_check(50)")]
            finally:
                conn.close()
        except sqlite3.DatabaseError as exc:
            return [f"cannot be read: {exc}"]
        return [] if rows == ["ok"] else rows

    def task_counts(self) -> dict[str, int]:
        """Background tasks by status."""
        query = f"SELECT status, count(*) FROM {TASK_TABLE} GROUP BY status"
        if self.url is not None:
            import psycopg

            with psycopg.connect(self.url) as conn:
                return {str(status): int(count) for status, count in conn.execute(query)}
        conn = sqlite3.connect(f"file:{self.data_dir / 'leitplanke.sqlite3'}?mode=ro", uri=True, timeout=30)
        try:
            return {str(status): int(count) for status, count in conn.execute(query)}
        finally:
            conn.close()

    def tasks_running_longer_than(self, seconds: float) -> list[tuple[Any, ...]]:
        """Background tasks still marked running that were claimed more than ``seconds`` ago."""
        if self.url is not None:
            import psycopg

            with psycopg.connect(self.url) as conn:
                return list(
                    conn.execute(
                        f"SELECT id, task_path, started_at FROM {TASK_TABLE} WHERE status = 'RUNNING' "
                        "AND started_at < now() - make_interval(secs => %s)",
                        (seconds,),
                    )
                )
        conn = sqlite3.connect(f"file:{self.data_dir / 'leitplanke.sqlite3'}?mode=ro", uri=True, timeout=30)
        try:
            return list(
                conn.execute(
                    f"SELECT id, task_path, started_at FROM {TASK_TABLE} WHERE status = 'RUNNING' "
                    "AND started_at < strftime('%Y-%m-%d %H:%M:%f', 'now', ?)",
                    (f"-{int(seconds)} seconds",),
                )
            )
        finally:
            conn.close()


# --- API clients -------------------------------------------------------------------------------


@dataclass
class Entry:
    """What a client was told about one use case: the acknowledged state and writes left without an answer."""

    title: str
    summary: str
    version: int
    etag: str
    unanswered: set[str] = field(default_factory=set)


@dataclass
class Stats:
    """Answers seen by the clients."""

    statuses: Counter[str] = field(default_factory=Counter)
    latencies: list[float] = field(default_factory=list)
    slow: int = 0  # answers later than 10 s
    busy_without_retry_after: int = 0
    server_errors: list[str] = field(default_factory=list)
    #: Answers slower than 2 s: (when it ended on the monotonic clock, seconds, "METHOD path", status).
    slow_answers: list[tuple[float, float, str, str]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(
        self, status: str, seconds: float, body: bytes = b"", headers: dict[str, str] | None = None, what: str = ""
    ) -> None:
        with self.lock:
            self.statuses[status] += 1
            self.latencies.append(seconds)
            if seconds > 2:
                self.slow_answers.append((time.monotonic(), seconds, what, status))
            if seconds > 10:
                self.slow += 1
            if status == "503" and "retry-after" not in (headers or {}):
                self.busy_without_retry_after += 1
            if status == "500" and len(self.server_errors) < 10:
                self.server_errors.append(body[:300].decode(errors="replace"))


class Api:
    """A minimal API client over ``http.client`` (loopback only), one connection per thread."""

    def __init__(self, port: int, token: str, stats: Stats, timeout: float = 30) -> None:
        self.port = port
        self.token = token
        self.stats = stats
        self.timeout = timeout
        self.conn: http.client.HTTPConnection | None = None

    def request(
        self, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None
    ) -> tuple[int | None, dict[str, str], Any]:
        """``(status, headers, json)``; status None when no answer came (the server died meanwhile)."""
        all_headers = {"Authorization": f"Bearer {self.token}", "Accept": "application/json", **(headers or {})}
        payload = None
        if body is not None:
            payload = json.dumps(body).encode()
            all_headers["Content-Type"] = "application/json"
        started = time.monotonic()
        try:
            if self.conn is None:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
            self.conn.request(method, path, body=payload, headers=all_headers)
            response = self.conn.getresponse()
            raw = response.read()
            answer_headers = {k.lower(): v for k, v in response.getheaders()}
            if answer_headers.get("connection", "").lower() == "close":
                self.close()
        except (OSError, http.client.HTTPException):
            self.close()
            self.stats.record("no answer", time.monotonic() - started, what=f"{method} {path}")
            return None, {}, None
        self.stats.record(str(response.status), time.monotonic() - started, raw, answer_headers, f"{method} {path}")
        try:
            data = json.loads(raw) if raw else None
        except ValueError:
            data = None
        return response.status, answer_headers, data

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None


class CrashClient(threading.Thread):
    """Creates and changes its own use cases, keeping a ledger of what the server acknowledged."""

    def __init__(self, number: int, api: Api, unit: str, stop: threading.Event, seed: int) -> None:
        super().__init__(daemon=True, name=f"client-{number}")
        self.number = number
        self.api = api
        self.unit = unit
        self.stop_event = stop
        self.rng = random.Random(seed)  # noqa: S311 - a reproducible schedule, not a secret
        self.ledger: dict[int, Entry] = {}
        self.touched: set[int] = set()
        self.sequence = 0
        self.acknowledged = 0
        self.submitted = 0

    def run(self) -> None:
        while not self.stop_event.is_set():
            self.sequence += 1
            if not self.ledger or self.rng.random() < 0.3:
                self.create()
            else:
                self.change(self.rng.choice(list(self.ledger)))

    def create(self) -> None:
        title = f"Reliability c{self.number} n{self.sequence}"
        summary = f"created c{self.number} n{self.sequence}"
        body: dict[str, Any] = {"title": title, "unit": self.unit, "summary": summary}
        if self.rng.random() < 0.25:  # submitted: the routing writes notifications for the worker
            body.update(facts=LOW_RISK_FACTS, submit=True)
        status, headers, data = self.api.request("POST", "/api/v1/usecases", body)
        if status == 201 and data:
            self.ledger[data["id"]] = Entry(title, summary, data["version"], headers.get("etag", ""))
            self.touched.add(data["id"])
            self.acknowledged += 1
            self.submitted += bool(body.get("submit"))
        elif status is None:
            time.sleep(0.2)  # the server is restarting

    def change(self, pk: int) -> None:
        entry = self.ledger[pk]
        summary = f"changed c{self.number} n{self.sequence}"
        status, headers, data = self.api.request(
            "PATCH", f"/api/v1/usecases/{pk}", {"summary": summary}, {"If-Match": entry.etag}
        )
        self.touched.add(pk)
        if status == 200 and data:
            entry.summary, entry.version, entry.etag = summary, data["version"], headers.get("etag", "")
            entry.unanswered.clear()
            self.acknowledged += 1
        elif status is None or status >= 500:
            entry.unanswered.add(summary)  # it may or may not have been applied
            time.sleep(0.2)
        elif status == 412:
            self.refresh(pk)

    def refresh(self, pk: int) -> None:
        """After a 412 (an unanswered write of ours was applied): adopt what the server has, if it is ours."""
        entry = self.ledger[pk]
        status, headers, data = self.api.request("GET", f"/api/v1/usecases/{pk}")
        if status == 200 and data and (data["summary"] in entry.unanswered or data["version"] == entry.version):
            entry.summary, entry.version, entry.etag = data["summary"], data["version"], headers.get("etag", "")
            entry.unanswered.clear()


def check_ledger(api: Api, ledgers: list[dict[int, Entry]], ids: set[int] | None = None) -> list[str]:
    """Every acknowledged write is there with its acknowledged content (or a later write of the same client)."""
    lost = []
    for ledger in ledgers:
        for pk, entry in ledger.items():
            if ids is not None and pk not in ids:
                continue
            status, _headers, data = None, {}, None
            for _attempt in range(5):
                status, _headers, data = api.request("GET", f"/api/v1/usecases/{pk}")
                if status is not None and status < 500:
                    break
                time.sleep(1)
            if status != 200 or not data:
                lost.append(f"use case {pk} ({entry.title!r}) acknowledged, now answers {status}")
                continue
            if data["title"] != entry.title:
                lost.append(f"use case {pk}: title {data['title']!r}, acknowledged {entry.title!r}")
            if data["version"] < entry.version:
                lost.append(f"use case {pk}: version {data['version']} < acknowledged {entry.version}")
            elif data["version"] == entry.version and data["summary"] != entry.summary:
                lost.append(f"use case {pk}: summary {data['summary']!r}, acknowledged {entry.summary!r}")
            elif data["version"] > entry.version and data["summary"] not in entry.unanswered:
                lost.append(f"use case {pk}: summary {data['summary']!r} was never written by its client")
    return lost


# --- the runs ----------------------------------------------------------------------------------


@dataclass
class Run:
    """A prepared installation: database, data directory, tokens, processes."""

    database: Database
    stack: Stack
    tokens: list[str]
    unit: str
    lease: int
    governance: str = ""  # the token of AI governance
    guarded_unit: str = ""  # the unit the hostile rules guard their costly part with
    member: str = ""  # the token of that unit's member

    @classmethod
    def prepare(
        cls, *, kind: str, clients: int, postgres_url: str | None, lease: int, data_dir: Path,
        env: dict[str, str] | None = None,
    ) -> Run:  # fmt: skip
        """``env``: settings for the server and the worker on top of the driver's."""
        database = Database(kind, data_dir, postgres_url)
        database.create()
        stack = Stack(data_dir=data_dir, database_url=database.url, lease_seconds=lease, extra_env=dict(env or {}))
        for args in (("migrate", "--verbosity", "0"), ("shell", "-c", SETUP_SCRIPT.replace("__COUNT__", str(clients)))):
            result = stack.leitplanke(*args)
            if result.returncode != 0:
                raise RuntimeError(f"leitplanke {args[0]} failed:\n{result.stdout}\n{result.stderr}")
        line = next(line for line in result.stdout.splitlines() if line.startswith("RELIABILITY-SETUP "))
        setup = json.loads(line.split(" ", 1)[1])
        stack.start_server()
        stack.start_worker()
        return cls(
            database, stack, setup["tokens"], setup["unit"], setup["lease"],
            setup["governance"], setup["guarded_unit"], setup["member"],
        )  # fmt: skip

    def close(self, *, keep: bool) -> None:
        self.stack.stop()
        if not keep:
            self.database.drop()


def audit_verify(stack: Stack) -> str | None:
    """None when ``leitplanke audit verify`` passes, else what it said."""
    result = stack.leitplanke("audit", "verify", timeout=120)
    if result.returncode == 0:
        return None
    return (result.stderr or result.stdout).strip()[-500:]


#: What the crash mode kills, in turn for the first rounds, then at random.
TARGETS = ("master", "server-worker", "background-worker")


def crash(
    run: Run, *, rounds: int, round_seconds: float, seed: int, log: Any = print, targets: tuple[str, ...] = TARGETS
) -> dict[str, Any]:
    """The crash mode: ``rounds`` rounds of writes and one ``kill -9`` each; the checks after each round."""
    rng = random.Random(seed)  # noqa: S311 - a reproducible schedule, not a secret
    stats = Stats()
    results: list[dict[str, Any]] = []
    clients: list[CrashClient] = []
    stuck_after = run.lease * 1.5 + 15  # the lease, the healing interval (half the lease), a margin
    checker = Api(run.stack.port, run.tokens[0], Stats())
    for number in range(rounds):
        target = targets[number] if number < len(targets) else rng.choice(targets)
        stop = threading.Event()
        apis = [Api(run.stack.port, token, stats) for token in run.tokens]
        batch = [CrashClient(i, api, run.unit, stop, seed * 1000 + number * 50 + i) for i, api in enumerate(apis)]
        for i, client in enumerate(batch):  # each client keeps its ledger across rounds
            if clients:
                previous = clients[i]
                client.ledger, client.sequence = previous.ledger, previous.sequence
                client.acknowledged, client.submitted = previous.acknowledged, previous.submitted
        clients = batch
        for client in clients:
            client.start()
        time.sleep(rng.uniform(0.3, round_seconds))
        killed = run.stack.crash(target, rng)
        time.sleep(min(1.0, round_seconds / 2))  # writes go on against the restarted processes
        stop.set()
        for client in clients:
            client.join(timeout=60)
        for api in apis:
            api.close()
        touched = set().union(*(client.touched for client in clients))
        lost = check_ledger(checker, [client.ledger for client in clients], touched)
        integrity = run.database.integrity_problems()
        verify = audit_verify(run.stack)
        stuck = run.database.tasks_running_longer_than(stuck_after)
        acknowledged_before = sum(result["acknowledged"] for result in results)
        result = {
            "round": number + 1,
            "killed": killed,
            "acknowledged": sum(client.acknowledged for client in clients) - acknowledged_before,
            "checked": len(touched),
            "lost": lost,
            "integrity": integrity,
            "audit_verify": verify,
            "stuck_tasks": [list(map(str, row)) for row in stuck],
        }
        results.append(result)
        ok = not (lost or integrity or verify or stuck)
        log(
            f"round {number + 1:3}/{rounds}: killed {killed:40} acknowledged {result['acknowledged']:4} "
            f"checked {len(touched):4} lost {len(lost)} integrity {'ok' if not integrity else 'BROKEN'} "
            f"audit {'ok' if verify is None else 'BROKEN'} stuck tasks {len(stuck)}"
            + ("" if ok else f"\n  {json.dumps({k: result[k] for k in ('lost', 'integrity', 'audit_verify')})[:800]}")
        )
        if integrity:
            break  # a damaged file makes every later round meaningless
    # the whole ledger once more, and the queue after a lease has certainly passed
    final_lost = check_ledger(checker, [client.ledger for client in clients])
    waited = 0.0
    while waited < stuck_after and run.database.tasks_running_longer_than(0):
        time.sleep(1)
        waited += 1
    final_stuck = run.database.tasks_running_longer_than(stuck_after)
    checker.close()
    return {
        "mode": "crash",
        "database": run.database.kind,
        "rounds": results,
        "acknowledged_writes": sum(c.acknowledged for c in clients),
        "use_cases": sum(len(c.ledger) for c in clients),
        "submitted": sum(c.submitted for c in clients),
        "final_lost": final_lost,
        "final_stuck_tasks": [list(map(str, row)) for row in final_stuck],
        "restarts": dict(run.stack.restarts),
        "tasks": run.database.task_counts(),
        "statuses": dict(stats.statuses),
        "server_errors": stats.server_errors,
    }


def crash_failures(report: dict[str, Any]) -> list[str]:
    """What a crash run found wrong (empty: it passed)."""
    failures = []
    for result in report["rounds"]:
        for key in ("lost", "integrity", "stuck_tasks"):
            failures += [f"round {result['round']} {key}: {item}" for item in result[key]]
        if result["audit_verify"]:
            failures.append(f"round {result['round']} audit verify: {result['audit_verify']}")
    failures += [f"final ledger: {item}" for item in report["final_lost"]]
    failures += [f"task running past its lease at the end: {row}" for row in report["final_stuck_tasks"]]
    return failures


class LoadClient(threading.Thread):
    """Mixed reads and writes on a shared set of use cases, each write with ``If-Match``."""

    def __init__(
        self, number: int, api: Api, unit: str, pool: list[int], writes: float, until: float, seed: int,
        acks: dict[int, list[tuple[int, str]]], unanswered: dict[int, set[str]], lock: threading.Lock,
    ) -> None:  # fmt: skip
        super().__init__(daemon=True, name=f"load-{number}")
        self.number, self.api, self.unit, self.pool, self.writes, self.until = number, api, unit, pool, writes, until
        self.rng = random.Random(seed)  # noqa: S311 - a reproducible schedule, not a secret
        self.etags: dict[int, str] = {}
        self.acks, self.unanswered, self.lock = acks, unanswered, lock
        self.conflicts = 0
        self.sequence = 0

    def run(self) -> None:
        while time.monotonic() < self.until:
            self.sequence += 1
            pk = self.rng.choice(self.pool)
            if self.rng.random() >= self.writes:
                if self.rng.random() < 0.5:
                    self.api.request("GET", "/api/v1/usecases?limit=20")
                else:
                    self.read(pk)
            elif self.rng.random() < 0.2:
                self.api.request(
                    "POST", "/api/v1/usecases",
                    {"title": f"Load c{self.number} n{self.sequence}", "unit": self.unit, "summary": "load"},
                )  # fmt: skip
            else:
                if pk not in self.etags:
                    self.read(pk)
                summary = f"load c{self.number} n{self.sequence}"
                status, headers, data = self.api.request(
                    "PATCH", f"/api/v1/usecases/{pk}", {"summary": summary}, {"If-Match": self.etags.get(pk, '"x"')}
                )
                if status == 200 and data:
                    self.etags[pk] = headers.get("etag", "")
                    with self.lock:
                        self.acks[pk].append((data["version"], summary))
                elif status in (409, 412):
                    self.conflicts += 1
                    self.etags.pop(pk, None)
                elif status is None or status >= 500:
                    with self.lock:
                        self.unanswered[pk].add(summary)
                    self.etags.pop(pk, None)

    def read(self, pk: int) -> None:
        status, headers, _data = self.api.request("GET", f"/api/v1/usecases/{pk}")
        if status == 200:
            self.etags[pk] = headers.get("etag", "")


def percentile(values: list[float], share: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def load(run: Run, *, seconds: float, writes: float, seed: int, pool_size: int = 40) -> dict[str, Any]:
    """The load mode at one write share: clients × ``seconds`` against the running server."""
    creator = Api(run.stack.port, run.tokens[0], Stats())
    pool = []
    for number in range(pool_size):
        status, _headers, data = creator.request(
            "POST", "/api/v1/usecases", {"title": f"Shared {writes:.0%} {number}", "unit": run.unit, "summary": "new"}
        )
        if status == 201 and data:
            pool.append(data["id"])
    creator.close()
    stats = Stats()
    acks: dict[int, list[tuple[int, str]]] = {pk: [] for pk in pool}
    unanswered: dict[int, set[str]] = {pk: set() for pk in pool}
    lock = threading.Lock()
    started = time.monotonic()
    until = started + seconds
    clients = [
        LoadClient(
            i, Api(run.stack.port, token, stats), run.unit, pool, writes, until, seed + i, acks, unanswered, lock
        )
        for i, token in enumerate(run.tokens)
    ]
    for client in clients:
        client.start()
    for client in clients:
        client.join()
        client.api.close()
    elapsed = time.monotonic() - started
    checker = Api(run.stack.port, run.tokens[0], Stats())
    lost = []
    for pk in pool:
        versions = Counter(version for version, _summary in acks[pk])
        lost += [f"use case {pk}: version {v} acknowledged to {n} writes" for v, n in versions.items() if n > 1]
        status, _headers, data = checker.request("GET", f"/api/v1/usecases/{pk}")
        if status != 200 or not data:
            lost.append(f"use case {pk} answers {status}")
            continue
        if acks[pk]:
            top_version, top_summary = max(acks[pk])
            if data["version"] == top_version and data["summary"] != top_summary:
                lost.append(f"use case {pk}: {data['summary']!r} instead of the last acknowledged {top_summary!r}")
            elif data["version"] < top_version:
                lost.append(f"use case {pk}: version {data['version']} < acknowledged {top_version}")
            elif data["version"] > top_version and data["summary"] not in unanswered[pk]:
                lost.append(f"use case {pk}: {data['summary']!r} was never written")
    checker.close()
    total = sum(stats.statuses.values())
    return {
        "mode": "load",
        "database": run.database.kind,
        "writes": writes,
        "clients": len(clients),
        "seconds": round(elapsed, 1),
        "requests": total,
        "throughput": round(total / elapsed, 1) if elapsed else 0.0,
        "p50_ms": round(percentile(stats.latencies, 0.5) * 1000),
        "p95_ms": round(percentile(stats.latencies, 0.95) * 1000),
        "max_ms": round(max(stats.latencies, default=0) * 1000),
        "statuses": dict(sorted(stats.statuses.items())),
        "server_errors_500": stats.statuses.get("500", 0),
        "busy_503_without_retry_after": stats.busy_without_retry_after,
        "slower_than_10s": stats.slow,
        "conflicts_refused": sum(client.conflicts for client in clients),
        "acknowledged_changes": sum(len(v) for v in acks.values()),
        "lost_updates": lost,
        "server_error_samples": stats.server_errors,
    }


def load_failures(report: dict[str, Any]) -> list[str]:
    failures = [f"lost update: {item}" for item in report["lost_updates"]]
    if report["server_errors_500"]:
        failures.append(f"{report['server_errors_500']} answers 500")
    if report["slower_than_10s"]:
        failures.append(f"{report['slower_than_10s']} answers took longer than 10 s")
    if report["busy_503_without_retry_after"]:
        failures.append(f"{report['busy_503_without_retry_after']} answers 503 without Retry-After")
    return failures


# --- the hostile rules mode --------------------------------------------------------------------

#: Answers of the background clients slower than this count against the acceptance of the hostile mode.
HOSTILE_SLOW_SECONDS = 2.0


def hostile_rules() -> Any:
    """``tests/guardrails/hostile.py``: the hostile bundles of the guardrails' own tests (one definition)."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from tests.guardrails import hostile as rules

    return rules


class Background:
    """``clients`` load clients (the load mode's mixed reads and writes) on their own statistics, kept by
    segment (:meth:`segment`: the background alone, then during each phase of hostile requests)."""

    def __init__(self, run: Run, *, clients: int, writes: float, seed: int, pool_size: int = 20) -> None:
        self.run, self.writes, self.seed = run, writes, seed
        self.tokens = run.tokens[:clients]
        self.stats = Stats()
        self.segments: dict[str, Stats] = {}
        self.pool: list[int] = []
        creator = Api(run.stack.port, run.tokens[0], Stats())
        for number in range(pool_size):
            status, _headers, data = creator.request(
                "POST", "/api/v1/usecases", {"title": f"Background {number}", "unit": run.unit, "summary": "new"}
            )
            if status == 201 and data:
                self.pool.append(data["id"])
        creator.close()
        self.acks: dict[int, list[tuple[int, str]]] = {pk: [] for pk in self.pool}
        self.unanswered: dict[int, set[str]] = {pk: set() for pk in self.pool}
        self.lock = threading.Lock()
        self.clients: list[LoadClient] = []
        self.seconds = 0.0
        self.started = 0.0
        #: Untimed warm-up requests sent after each (re)start of the server, before a segment is measured.
        self.warm_up_requests = 0

    def warm_up(self) -> None:
        """Untimed, after a (re)start of the server: each client at once reads a few times and registers one
        use case (its verdict is evaluated) and reads that verdict, so every server worker has loaded its
        code, connections and rules before the measured segment begins."""
        stats = Stats()

        def warm(number: int, token: str) -> None:
            api = Api(self.run.stack.port, token, stats)
            try:
                api.request("GET", "/api/v1/usecases?limit=20")
                for pk in self.pool[number % max(1, len(self.pool)) :][:2]:
                    api.request("GET", f"/api/v1/usecases/{pk}")
                body = {"title": f"Warm-up c{number}", "unit": self.run.unit, "summary": "warm"}
                status, _headers, data = api.request("POST", "/api/v1/usecases", body)
                if status == 201 and data:
                    api.request("GET", f"/api/v1/usecases/{data['id']}/verdict")
            finally:
                api.close()

        threads = [threading.Thread(target=warm, args=(i, token), daemon=True) for i, token in enumerate(self.tokens)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        self.warm_up_requests += sum(stats.statuses.values())

    def start(self) -> None:
        """Start the clients (again, after a restart of the server); they run until :meth:`stop`."""
        self.seed += 100
        self.clients = [
            LoadClient(
                i, Api(self.run.stack.port, token, self.stats), self.run.unit, self.pool, self.writes,
                time.monotonic() + 3600, self.seed + i, self.acks, self.unanswered, self.lock,
            )
            for i, token in enumerate(self.tokens)
        ]  # fmt: skip
        self.started = time.monotonic()
        for client in self.clients:
            client.start()

    def segment(self, name: str) -> None:
        """Count the answers from now on under ``name`` (an answer is counted where its request ended)."""
        self.stats = self.segments[name] = Stats()
        for client in self.clients:
            client.api.stats = self.stats

    def stop(self) -> None:
        for client in self.clients:
            client.until = 0.0  # each finishes the request it is waiting for
        for client in self.clients:
            client.join()
            client.api.close()
        self.seconds += time.monotonic() - self.started
        self.stats = Stats()  # what a stopping client still records is not part of a segment

    def summary(self) -> dict[str, Any]:
        """Every segment, then all of them together (``all``)."""
        merged = Stats()
        for stats in self.segments.values():
            merged.statuses.update(stats.statuses)
            merged.latencies += stats.latencies
            merged.server_errors += stats.server_errors
        return {name: self._summary(stats) for name, stats in [*self.segments.items(), ("all", merged)]}

    def _summary(self, stats: Stats) -> dict[str, Any]:
        latencies = stats.latencies
        return {
            "clients": len(self.tokens),
            "writes": self.writes,
            "requests": sum(stats.statuses.values()),
            "statuses": dict(sorted(stats.statuses.items())),
            "p50_ms": round(percentile(latencies, 0.5) * 1000),
            "p95_ms": round(percentile(latencies, 0.95) * 1000),
            "max_ms": round(max(latencies, default=0) * 1000),
            "over_2s": sum(1 for seconds in latencies if seconds > HOSTILE_SLOW_SECONDS),
            "server_errors_500": stats.statuses.get("500", 0),
            "no_answer": stats.statuses.get("no answer", 0),
            "server_error_samples": stats.server_errors,
        }


def _problems_name_rule(data: Any, rule_id: str) -> str | None:
    """The first problem that names the hostile rule's file or id, or None."""
    for problem in (data or {}).get("problems") or []:
        if problem.get("file") == "rules/99-hostile.yaml" or rule_id in str(problem.get("message", "")):
            return f"{problem.get('file')}:{problem.get('line')}: {problem.get('message', '')}"
    return None


def hostile(
    run: Run, *, seed: int, writes: float = 0.5, clients: int = 10, timeout_ms: int = 1500, submissions: int = 3,
    log: Any = print, bundles: tuple[str, ...] | None = None, pool_size: int = 20, baseline: float = 10.0,
    lifted_only: bool = False,
) -> dict[str, Any]:  # fmt: skip
    """The hostile mode: the hostile bundles against validation, what-if, publication and later verdicts,
    while ``clients`` background clients keep reading and writing (first ``baseline`` seconds alone, to
    compare their answers with and without hostile requests on the same machine).

    Phase 1 runs the server as shipped (static limits on): each bundle is refused at validation and at
    publication, naming the rule, and the active bundle stays. Phase 2 restarts the server and worker with
    the static limits switched off and an evaluator time limit of ``timeout_ms``, so that only the runtime
    limit stands: a bundle whose runaway rule is guarded by a unit without use cases is published; the
    unit's member then registers and submits use cases there, each answered with the verdict "needs review
    by AI governance"; a what-if and a publication of a bundle whose runaway rule meets those use cases are
    refused with the rule named (deep nesting already at validation: the parser's own depth limit).

    ``bundles`` chooses the hostile bundles of phase 1 and of phase 2's refusals (default: all three).
    ``lifted_only`` skips phase 1 and the restart: the caller started the stack with ``lifted_env()``.
    """
    rules = hostile_rules()
    names = bundles or tuple(rules.HOSTILE)
    load_before = os.getloadavg()
    background = Background(run, clients=clients, writes=writes, seed=seed, pool_size=pool_size)
    governance = Api(run.stack.port, run.governance, Stats(), timeout=60)
    member = Api(run.stack.port, run.member, Stats(), timeout=60)
    steps: list[dict[str, Any]] = []
    origin = time.monotonic()

    def step(phase: str, what: str, bundle: str, method: str, path: str, body: Any, expected: str,
             check: Any, api: Api = governance) -> tuple[int | None, Any]:  # fmt: skip
        api.close()  # a fresh connection: the server closes one left idle past its keep-alive
        started = time.monotonic()
        status, _headers, data = api.request(method, path, body)
        seconds = time.monotonic() - started
        outcome, ok = check(status, data)
        steps.append({"phase": phase, "step": what, "bundle": bundle, "status": status, "outcome": outcome,
                      "expected": expected, "ms": round(seconds * 1000), "ok": ok,
                      "at": [round(started - origin, 1), round(started + seconds - origin, 1)]})  # fmt: skip
        log(f"  {phase} {what} {bundle}: {status} {outcome[:160]} ({seconds:.2f} s) {'ok' if ok else 'UNEXPECTED'}")
        return status, data

    def refused(status: int | None, data: Any) -> tuple[str, bool]:
        named = _problems_name_rule(data, rules.RULE_ID)
        if status == 200 and data and data.get("ok") is False:
            return f"ok: false — {named or (data.get('problems') or [{}])[0]}", named is not None
        if status is not None and 400 <= status < 500:
            text = named or str((data or {}).get("detail", ""))
            return f"{(data or {}).get('code', '')} — {text}", named is not None or rules.RULE_ID in text
        return f"not refused: {json.dumps(data)[:200] if data else ''}", False

    def active_version() -> str | None:
        governance.close()
        _status, _headers, data = governance.request("GET", "/api/v1/rules/bundles/active")
        return (data or {}).get("version")

    def unchanged(phase: str, expected_version: str | None) -> None:
        version = active_version()
        steps.append({"phase": phase, "step": "active bundle", "bundle": "", "status": None,
                      "outcome": f"version {version}", "expected": f"version {expected_version}", "ms": 0,
                      "ok": version == expected_version})  # fmt: skip
        log(f"  {phase} active bundle: {version} (expected {expected_version})")

    if not lifted_only:  # phase 1: the server as shipped
        shipped = active_version()
        background.warm_up()
        background.start()
        try:
            background.segment("background alone")
            time.sleep(baseline)
            background.segment("static limits")
            for name in names:
                files = rules.hostile_bundle(rules.HOSTILE[name])
                for operation in ("validate", "publish"):
                    step("static limits", operation, name, "POST", f"/api/v1/rules/{operation}", {"files": files},
                         "refused, naming the rule", refused)  # fmt: skip
            unchanged("static limits", shipped)
        finally:
            background.stop()
        # phase 2: only the time limit stands
        run.stack.restart(lifted_env(timeout_ms))
        governance.close()
        member.close()
    phase = f"time limit {timeout_ms} ms"
    background.warm_up()
    background.start()
    try:
        if lifted_only:
            background.segment("background alone")
            time.sleep(baseline)
        background.segment(phase)
        guarded = rules.GUARDED_EXPONENTIAL.replace('"mkt"', json.dumps(run.guarded_unit))
        step(phase, "publish", "guarded-exponential", "POST", "/api/v1/rules/publish",
             {"files": rules.hostile_bundle(guarded, version="2026.12.9")}, "201 (no use case of the unit yet)",
             lambda status, data: (f"version {(data or {}).get('version')}", status == 201))  # fmt: skip
        unchanged(phase, "2026.12.9")

        def answered(status: int | None, data: Any) -> tuple[str, bool]:
            if status != 201 or not data:
                return f"not created: {json.dumps(data)[:200] if data else ''}", False
            return f"use case {data['id']}, status {data.get('status')}, decision {data.get('decision')}", True

        for number in range(submissions):
            status, data = step(
                phase, "create and submit", "guarded-exponential", "POST", "/api/v1/usecases",
                {"title": f"Hostile c{number}", "unit": run.guarded_unit, "summary": "hostile",
                 "facts": LOW_RISK_FACTS, "submit": True},
                "201, answered", answered, api=member,
            )  # fmt: skip
            if status == 201 and data:

                def needs_governance(status: int | None, data: Any) -> tuple[str, bool]:
                    reviews = [review.get("code") for review in (data or {}).get("reviews") or []]
                    text = f"decision {(data or {}).get('decision')}, reviews {reviews}"
                    return text, status == 200 and (data or {}).get("decision") == "review" and reviews == [
                        "ai_governance"
                    ]

                step(phase, "verdict", "guarded-exponential", "GET", f"/api/v1/usecases/{data['id']}/verdict", None,
                     "needs review by AI governance", needs_governance, api=member)  # fmt: skip
        for name in (name for name in names if name != "guarded-exponential"):
            guarded = rules.HOSTILE[name].replace('"mkt"', json.dumps(run.guarded_unit))
            files = rules.hostile_bundle(guarded, version="2026.12.10")
            # with the static limits off only the parser's depth limit refuses a bundle at validation
            for operation in (("validate",) if name == "deep-nesting" else ()) + ("what-if", "publish"):
                step(phase, operation, name, "POST", f"/api/v1/rules/{operation}", {"files": files},
                     "refused, naming the rule", refused)  # fmt: skip
        unchanged(phase, "2026.12.9")
    finally:
        background.stop()
        governance.close()
        member.close()
    log_text = (run.stack.data_dir / "serve.log").read_text(errors="replace")
    return {
        "mode": "hostile",
        "database": run.database.kind,
        "timeout_ms": timeout_ms,
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
        "background": background.summary(),
        "background_seconds": round(background.seconds, 1),
        "warm_up_requests": background.warm_up_requests,
        # when each background answer over 2 s ended (seconds since the start), how long it took, what it was
        "background_slow": sorted(
            (round(end - origin, 1), round(seconds, 2), what, status)
            for stats in background.segments.values()
            for end, seconds, what, status in stats.slow_answers
        ),
        "steps": steps,
        "worker_timeouts": log_text.count("WORKER TIMEOUT"),
        "server_up": run.stack.server is not None and run.stack.server.poll() is None,
    }


def lifted_env(timeout_ms: int) -> dict[str, str]:
    """The settings of the hostile mode's second phase: the static limits off, a short evaluator time limit."""
    return {"LEITPLANKE_RULE_STATIC_LIMITS": "0", "LEITPLANKE_EVALUATOR_TIMEOUT_MS": str(timeout_ms)}


def hostile_failures(report: dict[str, Any], *, latency: bool = True) -> list[str]:
    """What a hostile run found wrong; ``latency``: also background answers over 2 s (the acceptance)."""
    failures = [f"{s['phase']} {s['step']} {s['bundle']}: {s['status']} {s['outcome']}" for s in report["steps"]
                if not s["ok"]]  # fmt: skip
    background = report["background"]["all"]
    if background["server_errors_500"]:
        failures.append(f"background: {background['server_errors_500']} answers 500")
    if background["no_answer"]:
        failures.append(f"background: {background['no_answer']} requests without an answer")
    if report["worker_timeouts"]:
        failures.append(f"serve.log: {report['worker_timeouts']} × WORKER TIMEOUT")
    if not report["server_up"]:
        failures.append("the server is down")
    if latency and background["over_2s"]:
        failures.append(f"background: {background['over_2s']} answers took longer than 2 s")
    return failures


def hostile_table(report: dict[str, Any]) -> str:
    before, after = (" / ".join(map(str, report[key])) for key in ("load_average_before", "load_average_after"))
    first = report["background"]["all"]
    lines = [
        f"{report['database']}: {first['clients']} background clients at {first['writes']:.0%} writes for "
        f"{report['background_seconds']:.0f} s; load average (1/5/15 min) {before} before, {after} after; "
        f"'WORKER TIMEOUT' in the server's log: {report['worker_timeouts']}; server up at the end: "
        f"{'yes' if report['server_up'] else 'NO'}; after each (re)start of the server, before the measured "
        f"segment, each background client warmed it up at once with a few reads, one registration (its verdict "
        f"evaluated) and that verdict's read, untimed ({report.get('warm_up_requests', 0)} requests, not counted)",
        "",
        "| background clients | requests | p50 ms | p95 ms | max ms | > 2 s | 500 | no answer | statuses |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for name, b in report["background"].items():
        statuses = ", ".join(f"{k}: {v}" for k, v in b["statuses"].items())
        lines.append(
            f"| {name} | {b['requests']} | {b['p50_ms']} | {b['p95_ms']} | {b['max_ms']} | {b['over_2s']} "
            f"| {b['server_errors_500']} | {b['no_answer']} | {statuses} |"
        )
    lines += [
        "",
        "| phase | step | bundle | status | outcome | ms | as expected |",
        "|---|---|---|---|---|---|---|",
    ]
    for s in report["steps"]:
        outcome = s["outcome"].replace("|", "\\|").replace("\n", " ")
        if len(outcome) > 140:
            outcome = outcome[:140] + "…"
        lines.append(
            f"| {s['phase']} | {s['step']} | {s['bundle']} | {s['status'] or ''} | {outcome} | {s['ms']} "
            f"| {'yes' if s['ok'] else 'NO: ' + s['expected']} |"
        )
    return "\n".join(lines)


# --- reporting and the command line ------------------------------------------------------------


def lost_use_cases(report: dict[str, Any]) -> set[str]:
    """The use cases (by id) of which an acknowledged write was found missing, in any round or at the end."""
    findings = [item for r in report["rounds"] for item in r["lost"]] + list(report["final_lost"])
    return {item.split(" ")[2].rstrip(":") for item in findings}


def crash_table(report: dict[str, Any]) -> str:
    rounds = report["rounds"]
    stuck_at_end = report["final_stuck_tasks"]
    kills = Counter(r["killed"].split(" ", 2)[0] + " " + r["killed"].split(" ", 2)[1] for r in rounds)
    failures = crash_failures(report)
    rows = [
        ("database", report["database"]),
        ("rounds", str(len(rounds))),
        ("kill -9 of", ", ".join(f"{name}: {count}" for name, count in sorted(kills.items()))),
        ("acknowledged writes", str(report["acknowledged_writes"])),
        ("use cases in the ledger (submitted)", f"{report['use_cases']} ({report['submitted']})"),
        ("use cases with a lost acknowledged write", str(len(lost_use_cases(report)))),
        ("rounds with integrity_check not ok", str(sum(bool(r["integrity"]) for r in rounds))),
        ("rounds where audit verify failed", str(sum(bool(r["audit_verify"]) for r in rounds))),
        ("tasks running past their lease", str(sum(len(r["stuck_tasks"]) for r in rounds) + len(stuck_at_end))),
        ("background tasks by status", ", ".join(f"{k}: {v}" for k, v in sorted(report["tasks"].items()))),
        ("answers by status", ", ".join(f"{k}: {v}" for k, v in sorted(report["statuses"].items()))),
        ("result", "PASSED" if not failures else f"FAILED ({len(failures)} findings)"),
    ]
    return "\n".join(["| crash | |", "|---|---|", *(f"| {k} | {v} |" for k, v in rows)])


def load_table(reports: list[dict[str, Any]]) -> str:
    head = (
        "| database | writes | clients × s | requests | req/s | p50 ms | p95 ms | max ms | 500 | 503 (no Retry-After) "
        "| > 10 s | conflicts 409/412 | lost updates | statuses |"
    )
    lines = [head, "|" + "---|" * 14]
    for r in reports:
        busy = r["statuses"].get("503", 0)
        lines.append(
            f"| {r['database']} | {r['writes']:.0%} | {r['clients']} × {r['seconds']:.0f} | {r['requests']} "
            f"| {r['throughput']} | {r['p50_ms']} | {r['p95_ms']} | {r['max_ms']} | {r['server_errors_500']} "
            f"| {busy} ({r['busy_503_without_retry_after']}) | {r['slower_than_10s']} | {r['conflicts_refused']} "
            f"| {len(r['lost_updates'])} | {', '.join(f'{k}: {v}' for k, v in r['statuses'].items())} |"
        )
    return "\n".join(lines)


def default_postgres_url() -> str:
    return os.environ.get("LEITPLANKE_RELIABILITY_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/lp_reliability")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="scripts/reliability", description=__doc__.split("\n\n")[0])
    parser.add_argument("mode", choices=["crash", "load", "hostile"])
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--postgres-url", default=default_postgres_url(),
                        help="A database the run may drop and create (default: %(default)s).")  # fmt: skip
    parser.add_argument("--rounds", type=int, default=5, help="Crash rounds (default 5; 50 for the full suite).")
    parser.add_argument("--round-seconds", type=float, default=3.0, help="Longest wait before the kill of a round.")
    parser.add_argument("--clients", type=int, default=None,
                        help="API clients (crash: 6, load: 20, hostile: 10 in the background).")  # fmt: skip
    parser.add_argument("--seconds", type=float, default=60.0, help="Load: seconds per write share (default 60).")
    parser.add_argument(
        "--writes", default=None, help="Load: write shares to run (default 0.9,0.5); hostile: the background's (0.5)."
    )
    parser.add_argument(
        "--timeout-ms",
        type=int,
        default=1500,
        help="Hostile: the evaluator's time limit once the static limits are off (default 1500).",
    )
    parser.add_argument(
        "--submissions",
        type=int,
        default=3,
        help="Hostile: use cases the guarded unit's member registers and submits (default 3).",
    )
    parser.add_argument("--lease", type=int, default=10, help="LEITPLANKE_TASK_LEASE_SECONDS for the run (default 10).")
    parser.add_argument("--targets", default=",".join(TARGETS),
                        help="Crash: what to kill, comma-separated (default: %(default)s).")  # fmt: skip
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--report", type=Path, help="Write the full report as JSON to this file.")
    parser.add_argument("--keep", action="store_true", help="Keep the data directory and the PostgreSQL database.")
    args = parser.parse_args(argv)
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(1_000_000)
    clients = args.clients or {"crash": 6, "load": 20, "hostile": 10}[args.mode]
    writes = args.writes or ("0.5" if args.mode == "hostile" else "0.9,0.5")
    if not 1 <= clients <= 50 or not 1 <= args.rounds <= 500 or not 1 <= args.seconds <= 600:
        parser.error("--clients 1–50, --rounds 1–500, --seconds 1–600")
    data_dir = Path(tempfile.mkdtemp(prefix=f"leitplanke-reliability-{args.mode}-"))
    print(f"{args.mode} on {args.database}, seed {seed}, data directory {data_dir}", flush=True)
    started = time.monotonic()
    run = Run.prepare(
        kind=args.database, clients=clients, postgres_url=args.postgres_url, lease=args.lease, data_dir=data_dir
    )
    print(f"migrated, {clients} people with tokens, server and worker running after {time.monotonic() - started:.0f} s")
    try:
        if args.mode == "crash":
            targets = tuple(args.targets.split(","))
            if not set(targets) <= set(TARGETS):
                parser.error(f"--targets: choose from {', '.join(TARGETS)}")
            report: Any = crash(run, rounds=args.rounds, round_seconds=args.round_seconds, seed=seed,
                                log=lambda line: print(line, flush=True), targets=targets)  # fmt: skip
            failures = crash_failures(report)
            print("\n" + crash_table(report))
        elif args.mode == "hostile":
            report = hostile(run, seed=seed, writes=float(writes), clients=clients, timeout_ms=args.timeout_ms,
                             submissions=args.submissions, log=lambda line: print(line, flush=True))  # fmt: skip
            failures = hostile_failures(report)
            print("\n" + hostile_table(report))
        else:
            report = [load(run, seconds=args.seconds, writes=float(share), seed=seed) for share in writes.split(",")]
            failures = [f for r in report for f in load_failures(r)]
            print("\n" + load_table(report))
    finally:
        run.close(keep=args.keep)
    if args.report:
        args.report.write_text(json.dumps(report, indent=2, default=str))
    for failure in failures[:50]:
        print(f"FAILED: {failure}")
    verdict = "PASSED" if not failures else f"FAILED: {len(failures)} findings"
    print(f"{verdict} after {time.monotonic() - started:.0f} s", flush=True)
    return 0 if not failures else 1


if __name__ == "__main__":
    sys.exit(main())
