"""How ``leitplanke serve`` runs gunicorn without endangering the database.

SQLite forbids carrying an open database across ``fork()`` ("How To Corrupt An SQLite Database
File", section 2.6): a parent and child that share the descriptors of the database, its ``-wal``
and ``-shm`` files lose each other's locks and corrupt the file when one of them is killed. So the
gunicorn master opens no database connection at all: the system checks run in a short-lived child
process before gunicorn starts, and the hooks below close whatever connection might exist before
each fork and refuse to start workers if the master still holds a database file.

The server's own error answers (a request line or headers over gunicorn's limits, answered before
Django sees the request) are RFC 9457 problem documents like every other error of the API.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from gunicorn import util
from gunicorn.workers.gthread import ThreadWorker


def database_files() -> set[str]:
    """The files of the configured SQLite databases (with their ``-wal`` and ``-shm``); none for a server database."""
    from django.db import connections

    files: set[str] = set()
    for alias in connections:
        settings_dict = connections.settings[alias]
        if settings_dict.get("ENGINE") == "django.db.backends.sqlite3":
            name = str(Path(str(settings_dict["NAME"])).resolve())
            files.update({name, f"{name}-wal", f"{name}-shm", f"{name}-journal"})
    return files


def open_database_files(pid: int | str = "self") -> list[str]:
    """The database files process ``pid`` holds open, read from ``/proc/<pid>/fd`` (empty where there is no /proc)."""
    wanted = database_files()
    found: list[str] = []
    fd_dir = Path(f"/proc/{pid}/fd")
    try:
        entries = list(fd_dir.iterdir())
    except OSError:
        return found
    for entry in entries:
        try:
            target = os.readlink(entry)
        except OSError:
            continue  # closed in between
        if target in wanted:
            found.append(target)
    return sorted(found)


def open_connections() -> list[str]:
    """The aliases of the database connections this process has open."""
    from django.db import connections

    return [conn.alias for conn in connections.all(initialized_only=True) if conn.connection is not None]


def close_database_connections() -> None:
    """Close every database connection of this process (before a fork, in the process that forks)."""
    from django.db import connections

    for conn in connections.all(initialized_only=True):
        conn.close()


class DatabaseOpenInMaster(RuntimeError):
    """The server's master process holds a database connection or file, which a fork would hand to workers."""


def assert_master_holds_no_database() -> None:
    """Raise :class:`DatabaseOpenInMaster` if this process holds a database connection or file."""
    close_database_connections()
    held = open_connections() + open_database_files()
    if held:
        raise DatabaseOpenInMaster(
            "The server's master process holds the database open ("
            + ", ".join(held)
            + "); starting workers now would corrupt it. This is a bug in Leitplanke."
        )


def when_ready(server: Any) -> None:
    """Gunicorn hook, in the master once it listens: it must hold no database."""
    try:
        assert_master_holds_no_database()
    except DatabaseOpenInMaster as exc:
        server.log.critical("%s", exc)
        raise SystemExit(1) from exc


def pre_fork(server: Any, worker: Any) -> None:
    """Gunicorn hook, in the master before each fork: close every connection; no fork while a database is open."""
    try:
        assert_master_holds_no_database()
    except DatabaseOpenInMaster as exc:
        server.log.critical("%s", exc)
        # gunicorn stops when a hook raises: better no server than a worker sharing the database's locks.
        raise


def post_fork(server: Any, worker: Any) -> None:
    """Gunicorn hook, in a new worker: never use (nor close) a connection object inherited from the master."""
    from django.db import connections

    for conn in connections.all(initialized_only=True):
        if conn.connection is not None:
            # Closing it here could checkpoint or unlink the parent's WAL; forget it instead.
            conn.connection = None


#: Titles of the server's own error answers, by status.
_TITLES = {
    400: "Bad Request",
    403: "Forbidden",
    414: "URI Too Long",
    417: "Expectation Failed",
    431: "Request Header Fields Too Large",
    500: "Internal Server Error",
    501: "Not Implemented",
}
_CODES = {
    400: "bad_request",
    403: "forbidden",
    414: "uri_too_long",
    417: "expectation_failed",
    431: "header_fields_too_large",
    500: "server_error",
    501: "not_implemented",
}


def problem_response(status: int, reason: str) -> bytes:
    """A complete HTTP/1.1 answer with an RFC 9457 problem document, closing the connection."""
    code = _CODES.get(status, "bad_request" if status < 500 else "server_error")
    body = json.dumps(
        {"type": f"urn:leitplanke:problem:{code}", "title": _TITLES.get(status, reason), "status": status, "code": code}
    ).encode()
    head = (
        f"HTTP/1.1 {status} {reason}\r\n"
        "Connection: close\r\n"
        "Content-Type: application/problem+json\r\n"
        "X-Content-Type-Options: nosniff\r\n"
        "Cache-Control: no-store\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    )
    return head.encode("latin-1") + body


class _CapturedSocket:
    """Stands in for the client socket while gunicorn writes its HTML error page, to learn its status."""

    def __init__(self) -> None:
        self.data = b""

    def gettimeout(self) -> float:
        return 0.0

    def sendall(self, data: bytes) -> None:
        self.data += data


class ProblemJsonThreadWorker(ThreadWorker):
    """gunicorn's threaded worker, answering its own errors (400, 414, 431, 500, …) as problem+json."""

    def handle_error(self, req: Any, client: Any, addr: Any, exc: BaseException) -> None:
        """Let gunicorn decide status and logging, then send a problem document instead of its HTML page."""
        captured = _CapturedSocket()
        super().handle_error(req, captured, addr, exc)
        status_line = captured.data.split(b"\r\n", 1)[0].decode("latin-1")
        parts = status_line.split(" ", 2)
        if len(parts) < 3 or not parts[1].isdigit():
            return  # gunicorn sent nothing (it could not): neither do we
        try:
            util.write_nonblock(client, problem_response(int(parts[1]), parts[2]))
        except Exception:  # noqa: BLE001 - the client may be gone; gunicorn ignores this too
            self.log.debug("Failed to send error message.")


def gunicorn_config(*, bind: str, workers: int, threads: int) -> dict[str, Any]:
    """The gunicorn settings of ``leitplanke serve``."""
    return {
        "bind": bind,
        "workers": workers,
        "threads": threads,
        "worker_class": "leitplanke.web.server.ProblemJsonThreadWorker",
        "accesslog": "-",
        "errorlog": "-",
        "timeout": 60,
        "graceful_timeout": 20,
        "forwarded_allow_ips": os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1"),
        # The app is loaded in each worker after the fork, never in the master.
        "preload_app": False,
        # gunicorn's control socket defaults to one shared path per user (~/.gunicorn/gunicorn.ctl),
        # so two instances would take each other's; Leitplanke does not use it.
        "control_socket_disable": True,
        "when_ready": when_ready,
        "pre_fork": pre_fork,
        "post_fork": post_fork,
    }
