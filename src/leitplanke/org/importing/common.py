"""What the units and the people import share: the limits, the kinds, the summary, reading the file within
the limits, running in one transaction, and the ``org.import.completed`` audit event."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from leitplanke.audit.services import event_record
from leitplanke.common import csvfile
from leitplanke.common.actors import Actor
from leitplanke.common.csvfile import ImportFailed, Record, RowError, read_table
from leitplanke.common.errors import DomainError
from leitplanke.common.transactions import write_atomic

#: Larger files are refused before they are read.
MAX_BYTES = csvfile.MAX_BYTES
#: More data rows than this are refused (split the file).
MAX_ROWS = csvfile.MAX_ROWS

UNITS = "units"
PEOPLE = "people"
#: The kinds of file the import understands, for forms and the command line.
KIND_CHOICES = ((UNITS, gettext_lazy("Units")), (PEOPLE, gettext_lazy("People")))

_QUERY_CHUNK = 500


@dataclass(frozen=True)
class ImportSummary:
    """What an import did (or, for a dry run, would do)."""

    kind: str
    created: int
    updated: int
    unchanged: int
    dry_run: bool = False

    @property
    def message(self) -> str:
        """One translated sentence for people and the command line."""
        counts = {"created": self.created, "updated": self.updated, "unchanged": self.unchanged}
        if self.dry_run:
            return (
                _(
                    "Check passed, nothing was written: %(created)d would be created, %(updated)d updated, "
                    "%(unchanged)d are unchanged."
                )
                % counts
            )
        return _("Import complete: %(created)d created, %(updated)d updated, %(unchanged)d unchanged.") % counts


def read_records(
    data: bytes, *, required: Sequence[str], optional: Sequence[str] = ()
) -> tuple[list[Record], list[RowError]]:
    """Read an import file with :func:`~leitplanke.common.csvfile.read_table` within the package's limits."""
    # The limits are looked up on the package at call time, where callers (and tests) see and may change them.
    from leitplanke.org import importing

    return read_table(
        data, required=required, optional=optional, max_bytes=importing.MAX_BYTES, max_rows=importing.MAX_ROWS
    )


def chunks(items: Sequence[Any], size: int = _QUERY_CHUNK) -> Iterator[Sequence[Any]]:
    """``items`` in slices small enough for an ``IN (…)`` query on any database."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def run_atomically(dry_run: bool, plan: Callable[[], Any], apply: Callable[[Any], ImportSummary]) -> ImportSummary:
    """Plan (and, unless a dry run, apply) in one transaction, so the database cannot change in between."""
    if dry_run:
        return plan().summary(dry_run=True)
    with write_atomic():
        return apply(plan())


def record_import(*, actor: Actor, kind: str, source: str, data: bytes, summary: ImportSummary) -> None:
    """One event for the import as a whole; an import that changed nothing leaves no trace."""
    if summary.created or summary.updated:
        event_record(
            actor=actor,
            action="org.import.completed",
            object_type="org.import",
            object_label=source or kind,
            after={
                "kind": kind,
                "file": source,
                "sha256": hashlib.sha256(data).hexdigest(),
                "created": summary.created,
                "updated": summary.updated,
                "unchanged": summary.unchanged,
            },
        )


def row_failed(line: int, exc: DomainError, *, columns: dict[str | None, str]) -> ImportFailed:
    """A refusal by a service while applying (the database changed after planning): name the row."""
    return ImportFailed([RowError(line, columns.get(exc.field, ""), str(exc.message))])
