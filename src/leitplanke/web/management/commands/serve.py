"""``leitplanke serve``: run Leitplanke under gunicorn, a production-grade WSGI server."""

from __future__ import annotations

import os
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Serve Leitplanke with gunicorn (threads per worker; put a reverse proxy with TLS in front)."

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

    def handle(self, *args: Any, **options: Any) -> None:
        from gunicorn.app.base import BaseApplication

        if not 1 <= options["port"] <= 65535:
            raise CommandError("--port must be between 1 and 65535.")
        if options["workers"] < 1 or options["threads"] < 1:
            raise CommandError("--workers and --threads must be at least 1.")
        bind = f"[{options['host']}]:{options['port']}" if ":" in options["host"] else (
            f"{options['host']}:{options['port']}"
        )
        config = {
            "bind": bind,
            "workers": options["workers"],
            "threads": options["threads"],
            "worker_class": "gthread",
            "accesslog": "-",
            "errorlog": "-",
            "timeout": 60,
            "graceful_timeout": 20,
            "forwarded_allow_ips": os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1"),
        }

        class _Gunicorn(BaseApplication):  # type: ignore[misc]
            def load_config(self) -> None:
                for key, value in config.items():
                    self.cfg.set(key, value)

            def load(self) -> Any:
                from leitplanke.config.runtime import tune_garbage_collector
                from leitplanke.config.wsgi import application

                tune_garbage_collector()
                return application

        self.stdout.write(f"Leitplanke listens on http://{bind}/ (Ctrl+C stops it)")
        _Gunicorn().run()
