"""Importing use cases: the public AI registers and a generic CSV file, all or nothing.

Like the organisation import, an import runs in two steps. *Planning* reads the whole file, maps
every row onto the Steckbrief, checks it, finds the units (creating those that are missing is
planned, not done) and the use cases imported from the same records before; every problem is
collected with its line number (for JSON: the record's position), and if there is any,
:class:`ImportFailed` carries them all and nothing is written. *Applying* then creates the units and
creates or updates the use cases through the services (each with its audit event) in short
batches, each in its own transaction, so other writers are not held up; a batch that fails undoes
the batches before it (a compensating rollback, see :func:`.common.run_import`), and one
``usecases.import.completed`` event records the import as a whole.

Formats (:data:`FORMATS`): ``us-federal-2025``, ``us-federal-2024``, ``nl-register`` (see
:mod:`.registers` for the mapping) and ``csv`` (see :mod:`.generic` for the columns).

Decisions:

* **Identity.** Every use case keeps its source (the format) and its record id there
  (``source``/``source_id``, unique together). Importing the same file again updates the use
  cases it created; rows whose values are unchanged are left alone and write no audit event.
* **Unsaid facts.** A new use case gets "unsure" for every single-choice fact the source does
  not answer; multi-select facts stay empty unless the source says. An update only changes what
  the source says, so answers given in Leitplanke after an import are kept.
* **Status.** A new use case is *submitted* if every question needed to submit it is answered
  ("unsure" counts), otherwise a *draft* its owner completes. The registers never say the purposes,
  so their use cases arrive as drafts; a complete generic CSV row arrives submitted. An update
  never changes the status.
* **Owner.** The person importing in the UI, ``--owner`` on the command line; a generic CSV may
  name owners per row. Updates keep the owner.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from leitplanke.common.actors import Actor
from leitplanke.common.csvfile import ImportFailed, RowError
from leitplanke.common.errors import DomainError
from leitplanke.org.selectors import is_administrator

from ...selectors import units_user_works_in
from .common import MAX_BYTES, MAX_ROWS, ImportSummary, Progress, run_import
from .generic import GENERIC_CSV, OPTIONAL_COLUMNS, REQUIRED_COLUMNS, plan_generic_csv
from .registers import NL_REGISTER, PLANNERS, STAGES, US_FEDERAL_2024, US_FEDERAL_2025

__all__ = [
    "FORMATS",
    "GENERIC_CSV",
    "MAX_BYTES",
    "MAX_ROWS",
    "NL_REGISTER",
    "OPTIONAL_COLUMNS",
    "REQUIRED_COLUMNS",
    "STAGES",
    "US_FEDERAL_2024",
    "US_FEDERAL_2025",
    "ImportFailed",
    "ImportSummary",
    "RowError",
    "generic_csv_import",
    "usecases_import",
]

#: The formats the import understands, for the command line and forms.
FORMATS = (
    (US_FEDERAL_2025, gettext_lazy("US Federal AI Use Case Inventory 2025 (CSV)")),
    (US_FEDERAL_2024, gettext_lazy("US Federal AI Use Case Inventory 2024 (CSV, Windows-1252)")),
    (NL_REGISTER, gettext_lazy("Dutch algorithm register (JSON)")),
    (GENERIC_CSV, gettext_lazy("Generic CSV")),
)


def usecases_import(
    *,
    actor: Actor,
    format: str,
    data: bytes,
    owner: Any,
    parent_unit: str | None = None,
    source: str = "",
    dry_run: bool = False,
    progress: Progress | None = None,
) -> ImportSummary:
    """Import a file in one of :data:`FORMATS`, all or nothing (raises :class:`ImportFailed`).

    ``owner`` owns the new use cases. For the registers, departments and teams are created below
    ``parent_unit`` (a unit code; default: the company). The generic CSV names existing units and
    is not checked against ``actor``'s rights (for that, see :func:`generic_csv_import`).
    """
    if format == GENERIC_CSV:
        return run_import(
            plan=lambda: plan_generic_csv(data=data, owner=owner, allowed_units=None, source=source),
            actor=actor,
            data=data,
            dry_run=dry_run,
            progress=progress,
        )
    if format not in PLANNERS:
        raise DomainError(_("Unknown format."), field="format")
    if owner is None:
        raise DomainError(_("The owner of the imported use cases is required."), field="owner")
    planner = PLANNERS[format]
    return run_import(
        plan=lambda: planner(data=data, owner=owner, parent_unit=parent_unit, source=source),
        actor=actor,
        data=data,
        dry_run=dry_run,
        progress=progress,
    )


def generic_csv_import(*, actor: Actor, data: bytes, source: str = "", dry_run: bool = False) -> ImportSummary:
    """A person's upload of a generic CSV: they own rows without owner, and every row's unit must be
    one they work in (administrators: any unit)."""
    allowed = None if is_administrator(actor) else set(units_user_works_in(actor).values_list("pk", flat=True))
    return run_import(
        plan=lambda: plan_generic_csv(data=data, owner=actor, allowed_units=allowed, source=source),
        actor=actor,
        data=data,
        dry_run=dry_run,
    )
