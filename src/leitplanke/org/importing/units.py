"""The units import: ``code,name,kind,parent``, matched by ``code``; ``parent`` is the code of a unit in the
file or the database, blank only for a company."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

from leitplanke.common.actors import Actor
from leitplanke.common.csvfile import ImportFailed, RowError, field_errors
from leitplanke.common.errors import DomainError

from .. import services
from ..models import OrgUnit, UnitKind
from .common import UNITS, ImportSummary, read_records, record_import, row_failed, run_atomically

UNIT_COLUMNS = ("code", "name", "kind", "parent")


@dataclass
class _UnitRow:
    line: int
    code: str
    name: str
    kind: str
    parent: str  # a code, or "" for none
    action: str = "unchanged"  # "create", "update" or "unchanged"


@dataclass
class _UnitPlan:
    rows: list[_UnitRow]  # parents before their children

    def summary(self, *, dry_run: bool = False) -> ImportSummary:
        counts = {action: sum(1 for row in self.rows if row.action == action) for action in ("create", "update")}
        return ImportSummary(
            kind=UNITS,
            created=counts["create"],
            updated=counts["update"],
            unchanged=len(self.rows) - counts["create"] - counts["update"],
            dry_run=dry_run,
        )


def _plan_units(data: bytes) -> _UnitPlan:
    """Check a units file against itself and the database; raise :class:`ImportFailed` with every problem."""
    records, errors = read_records(data, required=UNIT_COLUMNS)
    rows: dict[str, _UnitRow] = {}
    faulty_kind: set[str] = set()
    for record in records:
        cells, line = record.cells, record.line
        row = _UnitRow(line, cells["code"], cells["name"], cells["kind"].lower(), cells["parent"])
        code_errors = field_errors(OrgUnit, "code", row.code, line=line, column="code")
        errors += code_errors
        errors += field_errors(OrgUnit, "name", row.name, line=line, column="name")
        if row.kind not in UnitKind.values:
            errors.append(
                RowError(
                    line,
                    "kind",
                    _("Unknown kind “%(kind)s”. Use one of: %(kinds)s.")
                    % {"kind": cells["kind"], "kinds": ", ".join(UnitKind.values)},
                )
            )
        if code_errors:
            continue
        if row.code in rows:
            errors.append(
                RowError(
                    line,
                    "code",
                    _("The code “%(code)s” already appears in line %(line)d.")
                    % {"code": row.code, "line": rows[row.code].line},
                )
            )
            continue
        if row.kind not in UnitKind.values:
            faulty_kind.add(row.code)
        rows[row.code] = row

    existing = {
        code: (name, kind, parent or "")
        for code, name, kind, parent in OrgUnit.objects.values_list("code", "name", "kind", "parent__code")
    }
    kind_of = {code: kind for code, (_name, kind, _parent) in existing.items()} | {
        code: row.kind for code, row in rows.items()
    }
    parent_of = {code: parent for code, (_name, _kind, parent) in existing.items()} | {
        code: row.parent for code, row in rows.items()
    }
    children_in_db: dict[str, list[str]] = {}
    for code, (_name, _kind, parent) in existing.items():
        if parent and code not in rows:
            children_in_db.setdefault(parent, []).append(code)

    depth: dict[str, int] = {}
    for code, row in rows.items():
        if row.parent and row.parent not in parent_of:
            errors.append(
                RowError(
                    row.line,
                    "parent",
                    _("Unknown parent unit “%(code)s”: it is neither in this file nor in Leitplanke.")
                    % {"code": row.parent},
                )
            )
            continue
        chain = _ancestors(code, parent_of)
        if chain is None:
            continue  # an unknown parent further up has been reported on its own row
        if chain and chain[-1] == code:
            errors.append(
                RowError(
                    row.line,
                    "parent",
                    _("The parent units form a cycle: %(cycle)s.") % {"cycle": " → ".join([code, *chain])},
                )
            )
            continue
        if code in faulty_kind or any(kind_of[c] not in UnitKind.values for c in chain[:1]):
            continue
        depth[code] = len(chain)
        try:
            services.unit_placement_check(kind=row.kind, parent_kind=kind_of[row.parent] if row.parent else None)
        except DomainError as exc:
            errors.append(RowError(row.line, "parent", str(exc.message)))
        for child in children_in_db.get(code, []):
            try:
                services.unit_placement_check(kind=kind_of[child], parent_kind=row.kind)
            except DomainError as exc:
                errors.append(
                    RowError(
                        row.line,
                        "kind",
                        _("Existing sub-unit “%(code)s”: %(reason)s") % {"code": child, "reason": exc.message},
                    )
                )
    if errors:
        raise ImportFailed(errors)

    for row in rows.values():
        if row.code not in existing:
            row.action = "create"
        elif existing[row.code] != (row.name, row.kind, row.parent):
            row.action = "update"
    return _UnitPlan(sorted(rows.values(), key=lambda row: depth[row.code]))


def _ancestors(code: str, parent_of: dict[str, str]) -> list[str] | None:
    """The codes above ``code`` up to the root; ends with the first repeated code if there is a cycle.

    ``None`` if a parent further up is unknown.
    """
    chain: list[str] = []
    seen = {code}
    current = parent_of[code]
    while current:
        if current not in parent_of:
            return None
        chain.append(current)
        if current in seen:
            return chain if current == code else None  # a cycle above us is reported on its own rows
        seen.add(current)
        current = parent_of[current]
    return chain


def _apply_units(actor: Actor, plan: _UnitPlan) -> ImportSummary:
    columns = {"code": "code", "name": "name", "kind": "kind", "parent": "parent", None: ""}
    for row in plan.rows:
        if row.action == "unchanged":
            continue
        # Fetched afresh: moving a unit earlier in the loop may have changed this parent's path.
        parent = OrgUnit.objects.get(code=row.parent) if row.parent else None
        try:
            if row.action == "create":
                services.unit_create(actor=actor, code=row.code, name=row.name, kind=row.kind, parent=parent)
            else:
                unit = OrgUnit.objects.get(code=row.code)
                services.unit_update(actor=actor, unit=unit, name=row.name, kind=row.kind, parent=parent)
        except DomainError as exc:
            raise row_failed(row.line, exc, columns=columns) from exc
    return plan.summary()


def units_import(*, actor: Actor, data: bytes, source: str = "", dry_run: bool = False) -> ImportSummary:
    """Create or update units from a CSV file (``code,name,kind,parent``), matched by code.

    All or nothing: any faulty row raises :class:`ImportFailed` naming every faulty row, and
    nothing is written. Unchanged units are left alone (no audit event), so importing the same
    file twice changes nothing.
    """

    def apply(plan: _UnitPlan) -> ImportSummary:
        summary = _apply_units(actor, plan)
        record_import(actor=actor, kind=UNITS, source=source, data=data, summary=summary)
        return summary

    return run_atomically(dry_run, lambda: _plan_units(data), apply)
