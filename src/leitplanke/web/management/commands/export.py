"""Exports for auditors and the works council, run by operators.

* ``leitplanke export inventory --format csv|xlsx|json [--output FILE]``: the AI inventory (every
  use case). Without ``--output`` CSV and JSON go to standard output; XLSX is binary and needs
  ``--output``.
* ``leitplanke export usecase ID --format pdf|json [--lang de|en] [--output FILE]``: one use case's
  Steckbrief (web/steckbrief.py). JSON goes to standard output without ``--output``; the PDF goes
  to ``--output`` or ``steckbrief-<id>.pdf`` in the current directory.
* ``leitplanke export portfolio --format pdf|json|xlsx [--lang de|en] [--unit CODE] [--output FILE]``:
  the portfolio of the last year (web/portfolio_report.py), for the company or a unit's subtree.
  JSON goes to standard output without ``--output``; the PDF and the workbook to ``--output`` or
  ``portfolio.pdf`` / ``portfolio.xlsx`` (``portfolio-<code>.…`` for a unit) in the current directory.

The command line exports every use case, confidential ones included: it is run by operators. The
UI exports what the person signed in may see.
"""

from __future__ import annotations

import io
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from leitplanke.impact.portfolio import Period, Scope, portfolio
from leitplanke.org.models import OrgUnit
from leitplanke.usecases.models import UseCase
from leitplanke.usecases.transfer import exporting
from leitplanke.web import portfolio_report
from leitplanke.web.pdf import pdf_language
from leitplanke.web.steckbrief import steckbrief_filename, steckbrief_json, steckbrief_pdf, usecase_for_document


class Command(BaseCommand):
    help = (
        "Export the AI inventory (every use case) as CSV, XLSX or JSON, one use case's Steckbrief as PDF or JSON, "
        "or the portfolio as PDF, JSON or XLSX."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="what", required=True, metavar="{inventory,usecase,portfolio}")
        inventory = sub.add_parser(
            "inventory",
            help="Every use case with the fields an auditor asks for.",
            description="Every use case with the fields an auditor asks for.",
        )
        inventory.add_argument("--format", required=True, choices=exporting.FORMATS, help="The file format.")
        inventory.add_argument("--output", help="The file to write (default: standard output; XLSX needs a file).")
        usecase = sub.add_parser(
            "usecase",
            help="One use case's Steckbrief: verdict, reasons, reviews, approval, obligations, history.",
            description="One use case's Steckbrief: verdict, reasons, reviews, approval, obligations, history.",
        )
        usecase.add_argument("id", type=int, help="The use case's number.")
        usecase.add_argument("--format", required=True, choices=("pdf", "json"), help="The file format.")
        usecase.add_argument("--lang", choices=("de", "en"), help="The language (default: the site's default).")
        usecase.add_argument(
            "--output", help="The file to write (default: JSON to standard output, PDF to steckbrief-<id>.pdf)."
        )

        self._add_portfolio_arguments(sub)

    def handle(self, *args: Any, **options: Any) -> None:
        if options["what"] == "portfolio":
            self._portfolio(options["format"], options["lang"], options["unit"], options["output"])
            return
        if options["what"] == "usecase":
            self._usecase(options["id"], options["format"], options["lang"], options["output"])
            return
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

    def _usecase(self, pk: int, fmt: str, lang: str | None, output: str | None) -> None:
        usecase = usecase_for_document(pk)
        if usecase is None:
            raise CommandError(f"No use case with the number {pk}.")
        language = pdf_language(lang or settings.LANGUAGE_CODE)
        if fmt == "json":
            with translation.override(language):
                text = steckbrief_json(usecase)
            if output is None:
                self.stdout.write(text, ending="")
                return
            self._write(Path(output), text.encode("utf-8"))
        else:
            output = output or steckbrief_filename(usecase)
            self._write(Path(output), steckbrief_pdf(usecase, language=language))
        self.stderr.write(f"The Steckbrief of use case {pk} was written to {output}.")

    def _write(self, path: Path, content: bytes) -> None:
        try:
            path.write_bytes(content)
        except OSError as exc:
            raise CommandError(f"Cannot write {path}: {exc.strerror or exc}") from exc

    def _add_portfolio_arguments(self, sub: Any) -> None:
        about = "The portfolio of the last year: objectives, funnel, value, risk classes, waiting, AI literacy."
        report = sub.add_parser("portfolio", help=about, description=about)
        report.add_argument("--format", required=True, choices=portfolio_report.FORMATS, help="The file format.")
        report.add_argument("--lang", choices=("de", "en"), help="The language (default: the site's default).")
        report.add_argument("--unit", help="The code of a unit: its subtree only (default: the whole company).")
        report.add_argument(
            "--output", help="The file to write (default: JSON to standard output, else portfolio.pdf or .xlsx)."
        )

    def _portfolio(self, fmt: str, lang: str | None, code: str | None, output: str | None) -> None:
        unit = None
        if code:
            unit = OrgUnit.objects.filter(code=code).first()
            if unit is None:
                raise CommandError(f"No unit with the code {code}.")
        language = pdf_language(lang or settings.LANGUAGE_CODE)
        figures = portfolio(Scope(None, unit, Period.ending()))
        if fmt == "json":
            text = portfolio_report.portfolio_json(figures)
            if output is None:
                self.stdout.write(text, ending="")
                return
            self._write(Path(output), text.encode("utf-8"))
        elif fmt == "xlsx":
            output = output or portfolio_report.portfolio_filename(figures, fmt)
            buffer = io.BytesIO()
            with translation.override(language):
                portfolio_report.write_portfolio_xlsx(figures, buffer)
            self._write(Path(output), buffer.getvalue())
        else:
            output = output or portfolio_report.portfolio_filename(figures, fmt)
            self._write(Path(output), portfolio_report.portfolio_pdf(figures, language=language))
        self.stderr.write(f"The portfolio was written to {output}.")
