"""``leitplanke search rebuild``: rebuild the full-text search index of the use cases."""

from __future__ import annotations

import time
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand

from leitplanke.usecases.search import index_rebuild


class Command(BaseCommand):
    help = "Rebuild the full-text search index of the use-case library (after a restore, a bulk load or an upgrade)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("rebuild", help="Index every use case anew from its text, in one transaction.")

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        indexed = index_rebuild()
        self.stdout.write(
            self.style.SUCCESS(f"Search index rebuilt: {indexed} use cases in {time.perf_counter() - started:.1f} s.")
        )
