"""``leitplanke audit verify|head``: prove the audit trail is intact, print its head."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from leitplanke.audit.services import chain_head, parse_head, verify


class Command(BaseCommand):
    help = "Verify the hash chain of the audit trail, or print its head to keep outside the database."
    # Verify checks the database itself and says what it found; the system checks would stop it first.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        check = sub.add_parser("verify", help="Recompute the chain and name the first broken event.")
        check.add_argument(
            "--head",
            metavar="SEQ:HASH",
            help="A head printed earlier by 'audit head'; detects events cut off at the end.",
        )
        sub.add_parser("head", help="Print the newest event as SEQ:HASH.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "head":
            try:
                seq, digest = chain_head()
            except DatabaseError as exc:
                raise CommandError(f"Audit trail UNREADABLE: {exc}. Restore the last backup.") from exc
            self.stdout.write(f"{seq}:{digest}")
            return
        expected = None
        if options.get("head") is not None:
            # An empty --head (say, from a missing file) must not silently skip the tail check.
            expected = parse_head(options["head"])
            if expected is None:
                raise CommandError("--head must look like SEQ:HASH, e.g. 42:<64 hex digits>.")
        result = verify(expected_head=expected)
        if not result.readable:
            raise CommandError(
                f"Audit trail UNREADABLE: {result.problem.reason if result.problem else ''}. "
                "Nothing can be said about its integrity; restore the last backup."
            )
        if result.problem is not None:
            raise CommandError(
                f"Audit trail BROKEN at event #{result.problem.seq}: {result.problem.reason}. "
                f"{result.checked} events before it are intact."
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"Audit trail intact: {result.checked} events, head {result.head_seq}:{result.head_hash}"
            )
        )
