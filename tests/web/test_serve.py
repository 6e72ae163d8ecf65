"""``leitplanke serve``: the master holds no database, the server's own errors are problem+json, a damaged
database is refused at start, reported by /readyz and by ``audit verify``.

The servers here run on a fresh SQLite file of their own (the fork hazard is SQLite's), whatever
database the suite runs on.
"""

from __future__ import annotations

import http.client
import json
import os
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from leitplanke.web.server import DatabaseOpenInMaster, assert_master_holds_no_database, open_database_files

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _env(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(
        LEITPLANKE_MODE="development",
        LEITPLANKE_DATA_DIR=str(data_dir),
        DJANGO_SETTINGS_MODULE="leitplanke.config.settings",
        HOME=str(data_dir),  # gunicorn would put its control socket below HOME
    )
    env.pop("XDG_RUNTIME_DIR", None)
    return env


def _leitplanke(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "leitplanke.config.cli", *args],
        env=_env(data_dir), cwd=ROOT, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip


def _get(port: int, path: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", path, headers=headers or {})
        response = conn.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        conn.close()


class Server:
    def __init__(self, data_dir: Path, *extra: str) -> None:
        self.port = _free_port()
        self.log = (data_dir / "serve.log").open("w")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "leitplanke.config.cli", "serve", "--port", str(self.port),
             "--workers", "2", "--threads", "2", *extra],
            env=_env(data_dir), cwd=ROOT, stdout=self.log, stderr=subprocess.STDOUT,
        )  # fmt: skip

    def wait_until_listening(self) -> None:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            assert self.process.poll() is None, "the server stopped while starting"
            try:
                _get(self.port, "/healthz")
                return
            except OSError:
                time.sleep(0.2)
        raise AssertionError("the server did not start listening")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()


def _damage(database: Path) -> None:
    """A database file whose audit table's b-tree is overwritten in the middle, as a crash left it."""
    with sqlite3.connect(database) as conn:
        conn.execute("CREATE TABLE audit_event (id INTEGER PRIMARY KEY, seq INTEGER, payload TEXT)")
        conn.execute("CREATE INDEX audit_event_seq ON audit_event (seq)")
        conn.executemany("INSERT INTO audit_event (seq, payload) VALUES (?, ?)", [(i, "x" * 200) for i in range(3000)])
    conn.close()
    with database.open("r+b") as handle:
        page_size = 4096
        handle.seek(page_size * 40 + 100)
        handle.write(b"\xff" * 600)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    running = Server(tmp_path_factory.mktemp("serve"))
    running.wait_until_listening()
    yield running
    running.stop()


@pytest.fixture
def damaged_dir(tmp_path: Path) -> Path:
    _damage(tmp_path / "leitplanke.sqlite3")
    return tmp_path


def test_the_master_guard_refuses_to_fork_while_the_process_holds_a_database_file(tmp_path: Path) -> None:
    from django.db import connections

    if connections.settings["default"]["ENGINE"] != "django.db.backends.sqlite3":
        pytest.skip("the suite runs on a server database: there is no database file to hold")
    # Given something in this process holds the SQLite file open (as a system check once did) ...
    raw = sqlite3.connect(connections.settings["default"]["NAME"])
    raw.execute("PRAGMA user_version").fetchone()
    try:
        assert str(Path(connections.settings["default"]["NAME"]).resolve()) in open_database_files()
        # ... the hook gunicorn calls before each fork refuses.
        with pytest.raises(DatabaseOpenInMaster):
            assert_master_holds_no_database()
    finally:
        raw.close()
    assert_master_holds_no_database()


def test_the_server_master_holds_no_database_file_after_workers_used_it(server: Server) -> None:
    status, _, body = _get(server.port, "/readyz")
    assert (status, json.loads(body)) == (200, {"status": "ok", "database": "ok"})
    assert open_database_files(server.process.pid) == []
    # and gunicorn made no control socket shared with other instances
    assert not (Path(server.log.name).parent / ".gunicorn").exists()


@pytest.mark.parametrize(
    ("path", "headers", "status", "code"),
    [
        ("/" + "a" * 5000, {}, 414, "uri_too_long"),
        ("/", {"X-Big": "a" * 9000}, 431, "header_fields_too_large"),
    ],
)
def test_the_servers_own_errors_are_problem_documents(
    server: Server, path: str, headers: dict[str, str], status: int, code: str
) -> None:
    got_status, got_headers, body = _get(server.port, path, headers)
    assert got_status == status
    assert got_headers["content-type"] == "application/problem+json"
    problem = json.loads(body)
    assert (problem["status"], problem["code"], problem["type"]) == (status, code, f"urn:leitplanke:problem:{code}")


def test_the_server_refuses_to_start_on_a_damaged_database(damaged_dir: Path) -> None:
    result = _leitplanke(damaged_dir, "serve", "--port", str(_free_port()))
    assert result.returncode != 0
    assert "leitplanke.E001" in result.stderr + result.stdout
    assert "does not start" in result.stderr


def test_readyz_answers_503_on_a_damaged_database(damaged_dir: Path) -> None:
    running = Server(damaged_dir, "--skip-checks")
    try:
        running.wait_until_listening()
        status, _, body = _get(running.port, "/readyz")
    finally:
        running.stop()
    assert (status, json.loads(body)) == (503, {"status": "unavailable", "database": "damaged"})


def test_audit_verify_says_the_trail_is_unreadable_on_a_damaged_table(damaged_dir: Path) -> None:
    result = _leitplanke(damaged_dir, "audit", "verify")
    assert result.returncode != 0
    assert "UNREADABLE" in result.stderr
    assert "intact" not in result.stdout
