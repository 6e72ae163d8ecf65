"""What every use-case import shares: planned rows, units created as needed, matching existing use cases
by source record, applying the plan through the services in short batches (all or nothing), and the summary."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.utils.text import slugify
from django.utils.translation import gettext as _

from leitplanke.audit.services import event_record
from leitplanke.catalog.models import Tool
from leitplanke.common.actors import Actor
from leitplanke.common.batches import batched
from leitplanke.common.csvfile import ImportFailed, RowError
from leitplanke.common.errors import DomainError
from leitplanke.common.transactions import write_atomic
from leitplanke.org import services as org_services
from leitplanke.org.models import OrgUnit, UnitKind

from ...facts import FACTS, FACTS_BY_NAME, UNSURE
from ...models import Stage, UseCase
from ...services import REQUIRED_ON_SUBMIT, usecase_create, usecase_update

#: Larger files are refused before they are read (the largest public register is about 3 MB).
MAX_BYTES = 20 * 1024 * 1024
#: More rows than this are refused (split the file).
MAX_ROWS = 50_000

#: Called while applying with (rows done, rows in all), for a progress bar.
Progress = Callable[[int, int], None]

_QUERY_CHUNK = 500
_UNIT_CODE_LENGTH = OrgUnit._meta.get_field("code").max_length or 50
_UNIT_NAME_LENGTH = OrgUnit._meta.get_field("name").max_length or 200
TITLE_LENGTH = UseCase._meta.get_field("title").max_length or 300
_SOURCE_ID_LENGTH = UseCase._meta.get_field("source_id").max_length or 200


@dataclass(frozen=True)
class ImportSummary:
    """What an import of use cases did (or, for a dry run, would do)."""

    format: str
    created: int
    updated: int
    unchanged: int
    units_created: int = 0
    dry_run: bool = False

    @property
    def message(self) -> str:
        """One translated sentence for people and the command line."""
        counts = {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "units": self.units_created,
        }
        if self.dry_run:
            return (
                _(
                    "Check passed, nothing was written: %(created)d use cases would be created, %(updated)d "
                    "updated, %(unchanged)d are unchanged; %(units)d units would be created."
                )
                % counts
            )
        return (
            _(
                "Import complete: %(created)d use cases created, %(updated)d updated, %(unchanged)d unchanged; "
                "%(units)d units created."
            )
            % counts
        )


@dataclass(eq=False)
class NewUnit:
    """A unit the import creates (a department per agency or organisation, a team per bureau)."""

    code: str
    name: str
    kind: str
    parent: OrgUnit | NewUnit | None


UnitTarget = OrgUnit | NewUnit


@dataclass
class PlannedUseCase:
    """One row of the file, checked: what to write, and whether it creates, updates or leaves a use case."""

    line: int
    source_id: str
    #: Fields the source states (always ``unit``): set on creation, and overwrite an existing use case's values.
    said: dict[str, Any]
    #: Fields for a new use case only (the source does not say them): "unsure" facts, stage, owner.
    defaults: dict[str, Any]
    tools: list[Any] | None = None  # None: the source does not name tools
    existing: UseCase | None = None
    changes: dict[str, Any] = field(default_factory=dict)

    @property
    def action(self) -> str:
        """``create``, ``update`` or ``unchanged``."""
        if self.existing is None:
            return "create"
        return "update" if self.changes or self.tools_change else "unchanged"

    @property
    def tools_change(self) -> bool:
        if self.tools is None or self.existing is None:
            return False
        return {tool.pk for tool in self.tools} != {tool.pk for tool in self.existing.tools.all()}


@dataclass
class ImportPlan:
    """Every row of a file, checked, and the units to create for them."""

    format: str
    source: str
    rows: list[PlannedUseCase]
    new_units: list[NewUnit]

    def summary(self, *, dry_run: bool = False) -> ImportSummary:
        actions = [row.action for row in self.rows]
        return ImportSummary(
            self.format,
            created=actions.count("create"),
            updated=actions.count("update"),
            unchanged=actions.count("unchanged"),
            units_created=len(self.new_units),
            dry_run=dry_run,
        )


def unsure_facts() -> dict[str, str]:
    """Every single-choice fact answered "I am not sure": what a register does not say."""
    return {fact.name: UNSURE for fact in FACTS if not fact.multiple}


def ordered_codes(name: str, codes: set[str]) -> list[str]:
    """A multi-select answer as the services store it: unique, in the order of the choices."""
    order = [code for code, _label in FACTS_BY_NAME[name].choices]
    return sorted(codes, key=order.index)


def truncate(text: str, length: int) -> str:
    """``text`` cut to ``length`` characters, marked with an ellipsis if it was longer."""
    return text if len(text) <= length else text[: length - 1].rstrip() + "…"


def clean_text(value: str) -> str:
    """A cell as stored: stripped, with Windows and old Mac line breaks made plain."""
    return value.replace("\r\n", "\n").replace("\r", "\n").strip()


class SourceIds:
    """Stable record ids for files whose own ids are missing or repeated.

    The id is the source's id where it has one, else a short hash of what names the record; a
    repeated id gets ``~2``, ``~3`` … in file order, so the same file always yields the same ids and
    importing it again updates instead of duplicating.
    """

    def __init__(self) -> None:
        self._seen: dict[str, int] = {}

    def make(self, prefix: str, own_id: str, *naming: str) -> str:
        """The id of the next record: ``prefix/own_id``, or ``prefix/#hash`` of ``naming`` without one."""
        if own_id:
            base = f"{prefix}/{own_id}"
        else:
            digest = hashlib.sha256("\n".join(naming).encode()).hexdigest()[:12]
            base = f"{prefix}/#{digest}"
        base = base[: _SOURCE_ID_LENGTH - 8]
        count = self._seen.get(base, 0) + 1
        self._seen[base] = count
        return base if count == 1 else f"{base}~{count}"


class UnitPlanner:
    """Finds the unit for an agency (and bureau) below the import's parent unit, or plans to create it.

    Units are matched by name (any case) among the children of their parent, so importing again,
    or importing another register of the same agencies, reuses them. New codes are slugs of the
    abbreviation or name, made unique (``-2``, ``-3`` …).
    """

    def __init__(self, parent_code: str | None) -> None:
        self.new_units: list[NewUnit] = []
        self._codes = set(OrgUnit.objects.values_list("code", flat=True))
        self._children: dict[tuple[int, str], OrgUnit] = {}
        self._planned: dict[tuple[int, str], NewUnit] = {}
        self.parent = self._parent(parent_code)
        if isinstance(self.parent, OrgUnit):
            self._load_children(self.parent)

    def _parent(self, code: str | None) -> UnitTarget:
        if code:
            unit = OrgUnit.objects.filter(code=code).first()
            if unit is None:
                raise DomainError(_("Unknown parent unit “%(code)s”.") % {"code": code}, field="parent_unit")
            if unit.kind == UnitKind.TEAM:
                raise DomainError(
                    _("Imported departments cannot be placed below a team; choose a company or department."),
                    field="parent_unit",
                )
            return unit
        companies = list(OrgUnit.objects.filter(parent__isnull=True, kind=UnitKind.COMPANY).order_by("pk")[:2])
        if len(companies) > 1:
            raise DomainError(
                _("There are several companies; choose the parent unit of the imported units."), field="parent_unit"
            )
        if companies:
            return companies[0]
        company = NewUnit(self._unique_code("company"), _("Company"), UnitKind.COMPANY, None)
        self.new_units.append(company)
        return company

    def _load_children(self, parent: OrgUnit) -> None:
        for unit in OrgUnit.objects.filter(path__startswith=parent.path, depth__lte=parent.depth + 2):
            if unit.parent_id is not None:
                self._children.setdefault((unit.parent_id, unit.name.casefold()), unit)

    def _unique_code(self, hint: str) -> str:
        base = slugify(hint)[:_UNIT_CODE_LENGTH].strip("-") or "unit"
        code, number = base, 1
        while code in self._codes:
            number += 1
            suffix = f"-{number}"
            code = base[: _UNIT_CODE_LENGTH - len(suffix)].rstrip("-") + suffix
        self._codes.add(code)
        return code

    def unit(self, parent: UnitTarget, name: str, code_hint: str, kind: str) -> UnitTarget:
        """The child of ``parent`` called ``name``: an existing unit, or one planned for creation."""
        name = truncate(" ".join(name.split()), _UNIT_NAME_LENGTH)
        key = (id(parent), name.casefold())
        if isinstance(parent, OrgUnit):
            found = self._children.get((parent.pk, name.casefold()))
            if found is not None:
                return found
        planned = self._planned.get(key)
        if planned is None:
            planned = NewUnit(self._unique_code(code_hint), name, kind, parent)
            self._planned[key] = planned
            self.new_units.append(planned)
        return planned

    def for_agency(self, agency: str, abbreviation: str = "", bureau: str = "") -> UnitTarget:
        """The department of an agency (or organisation), or the team of its bureau if one is named."""
        department = self.unit(self.parent, agency, abbreviation or agency, UnitKind.DEPARTMENT)
        bureau = " ".join(bureau.split())
        if not bureau or bureau.casefold() in {agency.casefold(), abbreviation.casefold()}:
            return department
        return self.unit(department, bureau, f"{department.code}-{bureau}", UnitKind.TEAM)


def attach_existing(source: str, rows: Sequence[PlannedUseCase]) -> None:
    """Find the use cases already imported from these records and work out what would change."""
    ids = [row.source_id for row in rows]
    existing: dict[str, UseCase] = {}
    for start in range(0, len(ids), _QUERY_CHUNK):
        chunk = ids[start : start + _QUERY_CHUNK]
        for usecase in UseCase.objects.filter(source=source, source_id__in=chunk).prefetch_related("tools"):
            existing[usecase.source_id] = usecase
    for row in rows:
        row.existing = existing.get(row.source_id)
        if row.existing is not None:
            row.changes = _changes(row.existing, row.said)


def _changes(usecase: UseCase, said: dict[str, Any]) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    for name, value in said.items():
        if name in ("unit", "owner"):
            current_id = getattr(usecase, f"{name}_id")
            if not isinstance(value, NewUnit) and getattr(value, "pk", None) == current_id:
                continue
        elif getattr(usecase, name) == value:
            continue
        changes[name] = value
    return changes


def complete(values: dict[str, Any]) -> bool:
    """Whether a new use case with these values answers every question needed to submit it."""
    return all(values.get(name) not in ("", None, []) for name in REQUIRED_ON_SUBMIT)


def run_import(
    *,
    plan: Callable[[], ImportPlan],
    actor: Actor,
    data: bytes,
    dry_run: bool = False,
    progress: Progress | None = None,
) -> ImportSummary:
    """Plan, then (unless a dry run) apply in short transactions; all or nothing through a compensating rollback.

    Planning only reads, outside any transaction: every faulty row is reported and nothing is
    written. Applying writes the new units in one transaction and then the use cases in batches
    (:func:`leitplanke.common.batches.batched`), each batch all or nothing, so other writers wait
    a fraction of a second, not minutes. Each batch looks up again, inside its transaction, the use
    cases imported from its records, so what others changed in between is taken into account. Should
    a batch still fail, the batches already written are undone (:func:`_roll_back`) and the error
    is raised as if nothing had been written.
    """
    checked = plan()
    if dry_run:
        return checked.summary(dry_run=True)
    undo = _Undo()
    try:
        summary = _apply(checked, actor, progress, undo)
        if summary.created or summary.updated or summary.units_created:
            with write_atomic():
                event_record(
                    actor=actor,
                    action="usecases.import.completed",
                    object_type="usecases.import",
                    object_label=checked.source or checked.format,
                    after={
                        "format": checked.format,
                        "file": checked.source,
                        "sha256": hashlib.sha256(data).hexdigest(),
                        "created": summary.created,
                        "updated": summary.updated,
                        "unchanged": summary.unchanged,
                        "units_created": summary.units_created,
                    },
                )
    except Exception as exc:
        if undo:
            _roll_back(undo, actor, checked, data, exc)
        raise
    return summary


@dataclass
class _Undo:
    """What the batches already committed did, to be undone if a later one fails."""

    units: list[int] = field(default_factory=list)  # created, parents before children
    created: list[int] = field(default_factory=list)
    #: (use case, its values before, the values the import set, its tools before or None)
    updated: list[tuple[int, dict[str, Any], dict[str, Any], list[int] | None]] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.units or self.created or self.updated)


def _apply(plan: ImportPlan, actor: Actor, progress: Progress | None, undo: _Undo) -> ImportSummary:
    created_units: dict[int, OrgUnit] = {}

    def resolve(target: UnitTarget | None) -> OrgUnit | None:
        if target is None or isinstance(target, OrgUnit):
            return target
        return created_units[id(target)]

    with write_atomic():
        for unit in plan.new_units:  # parents come before their children
            created_units[id(unit)] = org_services.unit_create(
                actor=actor, code=unit.code, name=unit.name, kind=unit.kind, parent=resolve(unit.parent)
            )
    undo.units.extend(unit.pk for unit in created_units.values())
    total, done = len(plan.rows), 0
    for batch in batched(plan.rows):
        written = _Undo()
        with write_atomic():
            attach_existing(plan.format, batch)  # again, within the lock: others may have imported meanwhile
            for row in batch:
                try:
                    _apply_row(row, plan.format, actor, resolve, written)
                except DomainError as exc:
                    column = exc.field or ""
                    raise ImportFailed([RowError(row.line, column, str(exc.message))]) from exc
        undo.created.extend(written.created)  # only now: a batch that failed has written nothing
        undo.updated.extend(written.updated)
        done += len(batch)
        if progress is not None:
            progress(done, total)
    return plan.summary()


def _apply_row(row: PlannedUseCase, source: str, actor: Actor, resolve: Callable[[Any], Any], written: _Undo) -> None:
    if row.action == "unchanged":
        return
    said = {name: resolve(value) if isinstance(value, NewUnit) else value for name, value in row.said.items()}
    if row.existing is None:
        values = {"stage": Stage.IDEA, **row.defaults, **said}
        usecase = usecase_create(
            actor=actor,
            tools=row.tools or (),
            source=source,
            source_id=row.source_id,
            submit=complete(values),
            **values,
        )
        written.created.append(usecase.pk)
        return
    changes = {name: said[name] for name in row.changes}
    before = {name: getattr(row.existing, name) for name in changes}
    tools_before = [tool.pk for tool in row.existing.tools.all()] if row.tools_change else None
    usecase_update(actor=actor, usecase=row.existing, tools=row.tools if row.tools_change else None, **changes)
    written.updated.append((row.existing.pk, before, changes, tools_before))


def _same(current: Any, value: Any) -> bool:
    return getattr(current, "pk", current) == getattr(value, "pk", value)


def _roll_back(undo: _Undo, actor: Actor, plan: ImportPlan, data: bytes, error: Exception) -> None:
    """Undo what the committed batches of a failed import wrote, in batches too, and record it.

    Use cases the import changed get their values back where they still hold the import's (what
    someone changed since is theirs to keep); those it created are deleted with everything that
    hangs on them; units it created are deleted once nothing refers to them any more. An
    ``usecases.import.rolled_back`` event records what was undone.
    """
    from django.db.models import ProtectedError

    restored, kept = 0, []
    for batch in batched(undo.updated[::-1]):
        with write_atomic():
            for pk, before, set_to, tools_before in batch:
                usecase = UseCase.objects.filter(pk=pk).first()
                if usecase is None:
                    continue
                back = {name: value for name, value in before.items() if _same(getattr(usecase, name), set_to[name])}
                tools = list(Tool.objects.filter(pk__in=tools_before)) if tools_before is not None else None
                if not back and tools is None:
                    continue
                try:
                    with write_atomic():
                        usecase_update(actor=actor, usecase=usecase, tools=tools, **back)
                    restored += 1
                except DomainError:
                    kept.append(pk)
    for pks in batched(undo.created):
        with write_atomic():
            UseCase.objects.filter(pk__in=list(pks)).delete()
    units_left = []
    with write_atomic():
        for pk in undo.units[::-1]:  # children before their parents
            try:
                with write_atomic():
                    OrgUnit.objects.filter(pk=pk).delete()
            except ProtectedError:
                units_left.append(pk)
        event_record(
            actor=actor,
            action="usecases.import.rolled_back",
            object_type="usecases.import",
            object_label=plan.source or plan.format,
            after={
                "format": plan.format,
                "file": plan.source,
                "sha256": hashlib.sha256(data).hexdigest(),
                "reason": str(error)[:500],
                "deleted": len(undo.created),
                "restored": restored,
                "not_restored": kept,
                "units_deleted": len(undo.units) - len(units_left),
                "units_kept": units_left,
            },
        )
