"""Importing units and people from CSV files (an HR export): all or nothing, every faulty row reported.

An import runs in two steps. *Planning* reads the whole file, checks every row against the file
itself and the database, and collects every problem with its line number; nothing is written. If
anything is wrong, :class:`ImportFailed` carries all problems. Otherwise *applying* the plan writes
every change through the services in ``services.py`` (each with its audit event) and returns an
:class:`ImportSummary`: units in one transaction, people in short batches that a failure undoes
(see :func:`.people.people_import`). Reading the file (encodings, delimiters, the
header, line numbers) is :mod:`leitplanke.common.csvfile`.

The columns (header names match regardless of case, blanks, hyphens and underscores):

* units (:mod:`.units`): ``code,name,kind,parent``, matched by ``code``; ``parent`` is the code of a
  unit in the file or the database, blank only for a company.
* people (:mod:`.people`): ``email,display_name,username,language,units,lead_of,deputy_of,roles``,
  matched by ``email`` (the only required column); lists are ``;``-separated unit codes, roles
  ``role`` or ``role@unitcode``.

What both share (limits, kinds, the summary, the transaction, the audit event) is in :mod:`.common`.
``MAX_BYTES`` and ``MAX_ROWS`` are read from this package whenever a file is read, so changing them
here takes effect.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from leitplanke.common.actors import Actor
from leitplanke.common.csvfile import ImportFailed, RowError
from leitplanke.common.errors import DomainError

from .common import KIND_CHOICES, MAX_BYTES, MAX_ROWS, PEOPLE, UNITS, ImportSummary
from .people import PEOPLE_COLUMNS, people_import
from .units import UNIT_COLUMNS, units_import

__all__ = [
    "KIND_CHOICES",
    "MAX_BYTES",
    "MAX_ROWS",
    "PEOPLE",
    "PEOPLE_COLUMNS",
    "UNITS",
    "UNIT_COLUMNS",
    "ImportFailed",
    "ImportSummary",
    "RowError",
    "org_import",
    "people_import",
    "units_import",
]


def org_import(*, actor: Actor, kind: str, data: bytes, source: str = "", dry_run: bool = False) -> ImportSummary:
    """Import a file of the given kind (``units`` or ``people``)."""
    importers = {UNITS: units_import, PEOPLE: people_import}
    if kind not in importers:
        raise DomainError(_("Unknown kind of import."), field="kind")
    return importers[kind](actor=actor, data=data, source=source, dry_run=dry_run)
