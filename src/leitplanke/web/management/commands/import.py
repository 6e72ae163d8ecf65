"""``leitplanke import units|people FILE``: import an HR export, all or nothing.

Each kind of file is a subcommand, so that later imports (use cases, course completions) can bring
their own options. Every faulty row is printed as ``line N: column: message`` and nothing is
written; ``--dry-run`` checks a file without writing.
"""

from __future__ import annotations

import sys
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from leitplanke.org import importing

_ORG_IMPORTS = {
    importing.UNITS: "Units: code,name,kind,parent (kind is company, department or team).",
    importing.PEOPLE: (
        "People: email,display_name,username,language,units,lead_of,deputy_of,roles "
        "(lists separated by ';', roles as 'role' or 'role@unitcode')."
    ),
}


class Command(BaseCommand):
    help = "Import units or people from a CSV file (UTF-8 or Windows-1252; ',' ';' or tab). All or nothing."

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="kind", required=True, metavar="{units,people}")
        for kind, description in _ORG_IMPORTS.items():
            kind_parser = sub.add_parser(kind, help=description, description=description)
            kind_parser.add_argument("file", help="The CSV file, or - to read standard input.")
            kind_parser.add_argument("--dry-run", action="store_true", help="Check the file, write nothing.")

    def handle(self, *args: Any, **options: Any) -> None:
        name = options["file"]
        data = self._read(name)
        try:
            summary = importing.org_import(
                actor=None,
                kind=options["kind"],
                data=data,
                source=Path(name).name if name != "-" else "stdin",
                dry_run=options["dry_run"],
            )
        except importing.ImportFailed as exc:
            for error in exc.errors:
                self.stderr.write(str(error))
            raise CommandError(exc.message) from exc
        self.stdout.write(self.style.SUCCESS(summary.message))

    def _read(self, name: str) -> bytes:
        if name == "-":
            return sys.stdin.buffer.read(importing.MAX_BYTES + 1)
        path = Path(name)
        try:
            with path.open("rb") as handle:
                # One byte more than the limit is enough for the import to say the file is too large.
                return handle.read(importing.MAX_BYTES + 1)
        except OSError as exc:
            raise CommandError(f"Cannot read {name}: {exc.strerror or exc}") from exc
