"""``leitplanke import units|people|usecases|measurements FILE``: import an HR export, a register of use
cases or KPI measurements, all or nothing.

Each kind of file is a subcommand with its own options (use cases: the register's format, the
owner, batches). Every faulty row is printed as ``line N: column: message`` and nothing is
written; ``--dry-run`` checks a file without writing.
"""

from __future__ import annotations

import sys
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from leitplanke.common.errors import DomainError
from leitplanke.impact import importing as measurement_importing
from leitplanke.org import importing
from leitplanke.usecases.transfer import importing as usecase_importing
from leitplanke.usecases.transfer.progress import ProgressBar

_ORG_IMPORTS = {
    importing.UNITS: "Units: code,name,kind,parent (kind is company, department or team).",
    importing.PEOPLE: (
        "People: email,display_name,username,language,units,lead_of,deputy_of,roles "
        "(lists separated by ';', roles as 'role' or 'role@unitcode')."
    ),
}


class Command(BaseCommand):
    help = (
        "Import units or people from a CSV file (UTF-8 or Windows-1252; ',' ';' or tab), or use cases from a "
        "public register or a CSV file. All or nothing."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="kind", required=True, metavar="{units,people,usecases,measurements}")
        for kind, description in _ORG_IMPORTS.items():
            kind_parser = sub.add_parser(kind, help=description, description=description)
            kind_parser.add_argument("file", help="The CSV file, or - to read standard input.")
            kind_parser.add_argument("--dry-run", action="store_true", help="Check the file, write nothing.")
        _add_usecases_parser(sub)
        description = (
            "Measurements of KPIs from a CSV or XLSX file: usecase (id), kpi (name), measured_on (YYYY-MM-DD or "
            "DD.MM.YYYY), value, note."
        )
        measurements = sub.add_parser("measurements", help=description, description=description)
        measurements.add_argument("file", help="The CSV or XLSX file, or - to read standard input.")
        measurements.add_argument("--dry-run", action="store_true", help="Check the file, write nothing.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["kind"] == "usecases":
            self._import_usecases(options)
            return
        if options["kind"] == "measurements":
            self._import_measurements(options)
            return
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

    def _import_usecases(self, options: dict[str, Any]) -> None:
        from django.contrib.auth import get_user_model

        owner = get_user_model().objects.filter(username=options["owner"]).first()
        if owner is None:
            raise CommandError(f"Unknown user name for --owner: {options['owner']}")
        name = options["file"]
        data = self._read(name, limit=usecase_importing.MAX_BYTES)
        where = "record" if options["format"] == usecase_importing.NL_REGISTER else "line"
        try:
            summary = usecase_importing.usecases_import(
                actor=None,
                format=options["format"],
                data=data,
                owner=owner,
                parent_unit=options["parent_unit"],
                source=Path(name).name if name != "-" else "stdin",
                dry_run=options["dry_run"],
                progress=None if options["no_progress"] else ProgressBar(self._write_progress, label="usecases "),
            )
        except usecase_importing.ImportFailed as exc:
            for error in exc.errors:
                # JSON records are numbered by position, not by line.
                self.stderr.write(str(error).replace("line ", f"{where} ", 1) if where != "line" else str(error))
            raise CommandError(exc.message) from exc
        except DomainError as exc:
            raise CommandError(str(exc.message)) from exc
        self.stdout.write(self.style.SUCCESS(summary.message))

    def _import_measurements(self, options: dict[str, Any]) -> None:
        data = self._read(options["file"], limit=measurement_importing.MAX_BYTES)
        try:
            summary = measurement_importing.measurements_import(actor=None, data=data, dry_run=options["dry_run"])
        except measurement_importing.ImportFailed as exc:
            for error in exc.errors:
                self.stderr.write(str(error))
            raise CommandError(exc.message) from exc
        self.stdout.write(self.style.SUCCESS(summary.message))

    def _write_progress(self, text: str) -> None:
        self.stderr.write(text, ending="")
        self.stderr.flush()

    def _read(self, name: str, limit: int = importing.MAX_BYTES) -> bytes:
        if name == "-":
            return sys.stdin.buffer.read(limit + 1)
        path = Path(name)
        try:
            with path.open("rb") as handle:
                # One byte more than the limit is enough for the import to say the file is too large.
                return handle.read(limit + 1)
        except OSError as exc:
            raise CommandError(f"Cannot read {name}: {exc.strerror or exc}") from exc


def _add_usecases_parser(sub: Any) -> None:
    description = (
        "Use cases: a public register (us-federal-2025, us-federal-2024, nl-register) or a generic CSV file "
        "(title,unit,owner,stage,tools,summary,problem,expected_benefit,confidential,source_id and the facts by "
        "name). Units of the registers are created below --parent-unit; importing the same file again updates."
    )
    parser = sub.add_parser("usecases", help=description, description=description)
    parser.add_argument("file", help="The file, or - to read standard input.")
    parser.add_argument(
        "--format", required=True, choices=[code for code, _label in usecase_importing.FORMATS], help="The format."
    )
    parser.add_argument("--owner", required=True, help="User name of the owner of the imported use cases.")
    parser.add_argument(
        "--parent-unit", default=None, help="Code of the unit the agencies go below (default: the company)."
    )
    parser.add_argument("--dry-run", action="store_true", help="Check the file, write nothing.")
    parser.add_argument("--no-progress", action="store_true", help="Do not draw a progress bar.")
