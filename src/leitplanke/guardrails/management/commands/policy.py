"""``leitplanke policy …``: evaluate, test, validate, compare and publish guardrail rule bundles.

* ``eval [--bundle DIR] [--lang de|en] INPUT.json`` prints the verdict of one input (``-`` reads
  standard input). Exit code 0 for any valid input, 2 for an invalid one.
* ``test [DIR]`` runs the bundle's own test cases (the active bundle without DIR), like ``opa test``.
* ``validate DIR`` checks a bundle: YAML, keys, effects, ids, CEL syntax, facts, a trial evaluation.
* ``whatif DIR`` shows which verdicts of the portfolio a bundle would change.
* ``publish DIR`` makes a bundle the active one (refused if it fails validation or its tests).
* ``export DIR`` writes the active bundle's files, to start a change from.
* ``refresh`` evaluates every use case again under the active bundle (after an upgrade).

Exit codes: 0 success, 1 failing tests, 2 invalid input or bundle.
"""

from __future__ import annotations

import json
import sys
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from leitplanke.common.errors import DomainError
from leitplanke.guardrails import evaluators, selectors, services
from leitplanke.guardrails.engine import (
    BundleInvalid,
    CheckReport,
    Evaluator,
    InputInvalid,
    parse_bundle,
    read_folder,
    run_tests,
)


def _problems_text(report: CheckReport) -> str:
    return "\n".join(str(problem) for problem in report.problems)


class Command(BaseCommand):
    help = "Evaluate, test, validate, compare (what-if) and publish guardrail rule bundles."

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        evaluate = sub.add_parser("eval", help="Print the verdict of one evaluation input (JSON).")
        evaluate.add_argument("input", help="A JSON file with facts, tools, unit and stage; '-' reads standard input.")
        evaluate.add_argument("--bundle", help="A bundle folder (default: the active bundle).")
        evaluate.add_argument("--lang", choices=("de", "en"), default="de", help="Language of the texts (default de).")
        test = sub.add_parser("test", help="Run a bundle's own test cases (default: the active bundle).")
        test.add_argument("folder", nargs="?", help="A bundle folder.")
        test.add_argument("--verbose", "-V", action="store_true", help="List passing tests too.")
        validate = sub.add_parser("validate", help="Check a bundle folder without running its tests.")
        validate.add_argument("folder")
        whatif = sub.add_parser("whatif", help="Which verdicts a bundle would change, before it is published.")
        whatif.add_argument("folder")
        whatif.add_argument("--json", action="store_true", help="Print the report as JSON.")
        whatif.add_argument("--limit", type=int, default=50, help="Changes listed (default 50; counts cover all).")
        publish = sub.add_parser("publish", help="Make a bundle the active one.")
        publish.add_argument("folder")
        export = sub.add_parser("export", help="Write the active bundle's files into a folder.")
        export.add_argument("folder")
        export.add_argument("--force", action="store_true", help="Overwrite files in a folder that is not empty.")
        sub.add_parser("refresh", help="Evaluate every use case again under the active bundle.")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        getattr(self, f"_{action}")(options)

    # -- eval ---------------------------------------------------------------------------------
    def _eval(self, options: dict[str, Any]) -> None:
        evaluator = self._evaluator(options.get("bundle"))
        source = options["input"]
        try:
            text = sys.stdin.read() if source == "-" else Path(source).read_text(encoding="utf-8")
        except OSError as exc:
            raise CommandError(f"cannot read {source}: {exc.strerror}", returncode=2) from exc
        except UnicodeDecodeError as exc:
            raise CommandError(f"{source} is not UTF-8 text", returncode=2) from exc
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise CommandError(
                f"invalid JSON in {source}, line {exc.lineno}, column {exc.colno}: {exc.msg}", returncode=2
            ) from exc
        try:
            verdict = evaluator.evaluate(data)
        except InputInvalid as exc:
            raise CommandError(f"invalid input: {exc}", returncode=2) from exc
        self.stdout.write(json.dumps(verdict.as_dict(options["lang"]), ensure_ascii=False, indent=2))

    def _evaluator(self, folder: str | None) -> Evaluator:
        if folder:
            try:
                return Evaluator(parse_bundle(read_folder(folder)))
            except BundleInvalid as exc:
                raise CommandError(f"the bundle is invalid:\n{exc}", returncode=2) from exc
        row = selectors.active_bundle()
        if row is None:
            return Evaluator(selectors.default_bundle())
        return selectors.evaluator_for(row)

    # -- test and validate ----------------------------------------------------------------------
    def _test(self, options: dict[str, Any]) -> None:
        folder = options.get("folder")
        try:
            if folder:
                bundle = parse_bundle(read_folder(folder))
            else:
                row = selectors.active_bundle()
                bundle = selectors.evaluator_for(row).bundle if row else selectors.default_bundle()
        except BundleInvalid as exc:
            raise CommandError(f"the bundle is invalid:\n{exc}", returncode=2) from exc
        results = run_tests(bundle)
        failed = [result for result in results if not result.passed]
        for result in results:
            where = f"{result.test.file}:{result.test.line}"
            if not result.passed:
                self.stdout.write(self.style.ERROR(f"FAIL {where} {result.test.name}"))
                for failure in result.failures:
                    self.stdout.write(f"     {failure}")
            elif options["verbose"]:
                self.stdout.write(f"PASS {where} {result.test.name}")
        summary = f"{bundle.id} {bundle.version}: {len(results) - len(failed)} passed, {len(failed)} failed"
        if failed:
            raise CommandError(summary, returncode=1)
        self.stdout.write(self.style.SUCCESS(summary))

    def _validate(self, options: dict[str, Any]) -> None:
        files = self._files(options["folder"])
        report = evaluators.check(files, tests=False)
        if not report.ok:
            raise CommandError(f"the bundle is invalid:\n{_problems_text(report)}", returncode=2)
        self.stdout.write(
            self.style.SUCCESS(
                f"valid: {report.bundle['id']} {report.bundle['version']}, {report.bundle['rules']} rules, "
                f"{report.bundle['tests']} tests"
            )
        )

    def _files(self, folder: str) -> dict[str, str]:
        try:
            return read_folder(folder)
        except BundleInvalid as exc:
            raise CommandError(f"the bundle is invalid:\n{exc}", returncode=2) from exc

    # -- what-if and publish ------------------------------------------------------------------------
    def _whatif(self, options: dict[str, Any]) -> None:
        files = self._files(options["folder"])
        report = evaluators.check(files)
        if not report.ok:
            raise CommandError(f"the bundle is refused:\n{_problems_text(report)}", returncode=2)
        try:
            result = selectors.what_if(files)
        except DomainError as exc:  # a rule stopped by the evaluator's limit
            raise CommandError(str(exc.message), returncode=2) from exc
        if options["json"]:
            self.stdout.write(json.dumps(result.as_dict(limit=options["limit"]), ensure_ascii=False, indent=2))
            return
        self.stdout.write(
            f"{result.total} use cases: {len(result.changes)} would change, {result.unchanged} would not."
        )
        for kind, count in sorted(result.counts.items(), key=lambda pair: (-pair[1], pair[0])):
            self.stdout.write(f"  {count:>7}  {kind}")
        for change in result.changes[: options["limit"]]:
            self.stdout.write(f"  #{change.key} {change.label}: {', '.join(change.kinds)}")
        if len(result.changes) > options["limit"]:
            self.stdout.write(f"  … and {len(result.changes) - options['limit']} more (--limit, --json)")
        for key, label, error in result.invalid:
            self.stdout.write(self.style.WARNING(f"  #{key} {label}: cannot be evaluated: {error}"))

    def _publish(self, options: dict[str, Any]) -> None:
        files = self._files(options["folder"])
        with translation.override("en"):
            try:
                publication = services.bundle_publish(actor=None, files=files)
            except services.BundleRefused as exc:
                raise CommandError(f"{exc.message}\n{_problems_text(exc.report)}", returncode=2) from exc
            except DomainError as exc:
                raise CommandError(str(exc.message), returncode=2) from exc
        row = publication.bundle
        self.stdout.write(
            self.style.SUCCESS(
                f"published {row.bundle_id} {row.version} ({row.rule_count} rules); "
                f"{len(publication.whatif.changes)} of {publication.whatif.total} verdicts changed"
            )
        )

    def _export(self, options: dict[str, Any]) -> None:
        target = Path(options["folder"])
        if target.exists() and any(target.iterdir()) and not options["force"]:
            raise CommandError(f"{target} is not empty (use --force to overwrite)", returncode=2)
        row = selectors.active_bundle()
        files = selectors.bundle_files(row) if row else selectors.default_bundle().files
        for path, text in sorted(files.items()):
            destination = target / path
            destination.parent.mkdir(parents=True, exist_ok=True)
            destination.write_text(text, encoding="utf-8")
        self.stdout.write(self.style.SUCCESS(f"wrote {len(files)} files to {target}"))

    def _refresh(self, options: dict[str, Any]) -> None:
        changed = services.verdicts_refresh(actor=None)
        if options["verbosity"]:
            self.stdout.write(self.style.SUCCESS(f"every use case evaluated again; {changed} verdicts changed"))
