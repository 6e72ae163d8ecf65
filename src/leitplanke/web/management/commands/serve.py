"""``leitplanke serve``: run Leitplanke under gunicorn, a production-grade WSGI server.

The gunicorn master never opens the database: Django's system checks (one of which opens a
connection) run in a short-lived child process first, and the hooks of
:mod:`leitplanke.web.server` make sure no connection or database file crosses a fork.
"""

from __future__ import annotations

import os
import subprocess
import sys
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError


def run_checks_in_child() -> int:
    """Run ``leitplanke check`` (with the database integrity check) in its own process; its exit code."""
    settings_module = os.environ.get("DJANGO_SETTINGS_MODULE", "leitplanke.config.settings")
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": settings_module}
    return subprocess.run([sys.executable, "-m", "leitplanke.config.cli", "check"], env=env, check=False).returncode


class Command(BaseCommand):
    help = "Serve Leitplanke with gunicorn (threads per worker; put a reverse proxy with TLS in front)."
    # The checks run in a child process (see run_checks_in_child), never in the server's master.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--host", default=os.environ.get("LEITPLANKE_HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("LEITPLANKE_PORT", "8000")))
        parser.add_argument(
            "--workers",
            type=int,
            default=int(os.environ.get("LEITPLANKE_WORKERS", "2")),
            help="Worker processes (default 2, or LEITPLANKE_WORKERS).",
        )
        parser.add_argument(
            "--threads",
            type=int,
            default=int(os.environ.get("LEITPLANKE_THREADS", "4")),
            help="Threads per worker (default 4, or LEITPLANKE_THREADS).",
        )
        parser.add_argument(
            "--skip-checks",
            action="store_true",
            help="Start without the system checks and the database integrity check.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        from gunicorn.app.base import BaseApplication

        from leitplanke.web.server import assert_master_holds_no_database, gunicorn_config

        if not 1 <= options["port"] <= 65535:
            raise CommandError("--port must be between 1 and 65535.")
        if options["workers"] < 1 or options["threads"] < 1:
            raise CommandError("--workers and --threads must be at least 1.")
        if not options["skip_checks"] and run_checks_in_child() != 0:
            raise CommandError("The system checks failed (see above); the server does not start.")
        assert_master_holds_no_database()
        bind = (
            f"[{options['host']}]:{options['port']}"
            if ":" in options["host"]
            else (f"{options['host']}:{options['port']}")
        )
        config = gunicorn_config(bind=bind, workers=options["workers"], threads=options["threads"])

        class _Gunicorn(BaseApplication):
            def load_config(self) -> None:
                for key, value in config.items():
                    self.cfg.set(key, value)

            def load(self) -> Any:
                from django.core.wsgi import get_wsgi_application

                from leitplanke.web.runtime import tune_garbage_collector

                tune_garbage_collector()
                return get_wsgi_application()

        self.stdout.write(f"Leitplanke listens on http://{bind}/ (Ctrl+C stops it)")
        self.stdout.flush()
        _Gunicorn().run()
