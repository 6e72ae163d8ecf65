"""``leitplanke export inventory --format csv|xlsx|json [--output FILE]``: the AI inventory for auditors.

The command line exports every use case, confidential ones included: it is run by operators. The
UI exports what the person signed in may see. Without ``--output`` CSV and JSON go to standard
output; XLSX is binary and needs ``--output``.
"""

from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from leitplanke.usecases.models import UseCase
from leitplanke.usecases.transfer import exporting


class Command(BaseCommand):
    help = "Export the AI inventory (every use case) as CSV, XLSX or JSON."

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="what", required=True, metavar="{inventory}")
        inventory = sub.add_parser(
            "inventory",
            help="Every use case with the fields an auditor asks for.",
            description="Every use case with the fields an auditor asks for.",
        )
        inventory.add_argument("--format", required=True, choices=exporting.FORMATS, help="The file format.")
        inventory.add_argument("--output", help="The file to write (default: standard output; XLSX needs a file).")

    def handle(self, *args: Any, **options: Any) -> None:
        fmt, output = options["format"], options["output"]
        usecases = UseCase.objects.all()
        if output is None:
            if fmt == exporting.XLSX:
                raise CommandError("XLSX is binary: name a file with --output.")
            pieces = exporting.write_csv(usecases) if fmt == exporting.CSV else exporting.write_json(usecases)
            for piece in pieces:
                self.stdout.write(piece, ending="")
            return
        path = Path(output)
        try:
            if fmt == exporting.XLSX:
                with path.open("wb") as handle:
                    exporting.write_xlsx(usecases, handle)
            else:
                pieces = exporting.write_csv(usecases) if fmt == exporting.CSV else exporting.write_json(usecases)
                with path.open("w", encoding="utf-8", newline="") as handle:
                    for piece in pieces:
                        handle.write(piece)
        except OSError as exc:
            raise CommandError(f"Cannot write {output}: {exc.strerror or exc}") from exc
        self.stderr.write(f"{UseCase.objects.count()} use cases written to {output}.")
