"""The generic CSV import: one row per use case, columns named like the Steckbrief's fields.

Columns (header names match regardless of case, blanks, hyphens and underscores; only ``title``
and ``unit`` are required):

* ``title``, ``summary``, ``problem``, ``expected_benefit``: text;
* ``unit``: the code of an existing unit; ``owner``: a user name (blank: the person importing, or
  the command's ``--owner``);
* ``stage``: ``idea``, ``pilot``, ``production`` or ``retired`` (blank: idea);
* ``tools``: names of catalogue tools separated by ``;``;
* ``confidential``: yes/no (ja/nein, true/false, 1/0; blank: no);
* one column per fact, by its name, holding an answer code (multi-select facts: codes separated
  by ``;``); a blank single-choice fact is "unsure";
* ``source_id``: the record's id in the system the file comes from. Without it, a use case is
  identified by unit and title, so importing the same file again updates instead of duplicating.

On an update, blank cells leave the use case's values alone.
"""

from __future__ import annotations

import hashlib
from typing import Any

from django.contrib.auth import get_user_model
from django.utils.translation import gettext as _

from leitplanke.catalog.models import Tool
from leitplanke.common.csvfile import ImportFailed, RowError, field_errors, read_table
from leitplanke.org.models import OrgUnit

from ...facts import FACT_NAMES, FACTS
from ...models import Stage, UseCase
from .common import (
    MAX_BYTES,
    MAX_ROWS,
    ImportPlan,
    PlannedUseCase,
    attach_existing,
    ordered_codes,
    unsure_facts,
)

GENERIC_CSV = "csv"
REQUIRED_COLUMNS = ("title", "unit")
OPTIONAL_COLUMNS = (
    "source_id",
    "summary",
    "problem",
    "expected_benefit",
    "owner",
    "stage",
    "tools",
    "confidential",
    *FACT_NAMES,
)
_LIST_SEPARATOR = ";"
_YES = frozenset({"yes", "y", "ja", "j", "true", "1", "x"})
_NO = frozenset({"no", "n", "nein", "false", "0"})

User = get_user_model()


def _split(value: str) -> list[str]:
    return list(dict.fromkeys(item.strip() for item in value.split(_LIST_SEPARATOR) if item.strip()))


def _key(unit: str, title: str) -> str:
    """The record id of a row without ``source_id``: its unit and title (any case)."""
    return "unit-title:" + hashlib.sha256(f"{unit}\n{title.casefold()}".encode()).hexdigest()[:32]


class _Lookups:
    """Units, people and tools named in the file, fetched once."""

    def __init__(self, cells: list[dict[str, str]]) -> None:
        codes = {row["unit"] for row in cells if row["unit"]}
        self.units = OrgUnit.objects.in_bulk(list(codes), field_name="code")
        names = {row.get("owner", "").lower() for row in cells} - {""}
        self.people = {person.username.lower(): person for person in User.objects.filter(username__in=names)}
        # Usernames are matched in any case; those typed differently are looked up one by one.
        for name in names - set(self.people):
            person = User.objects.filter(username__iexact=name).first()
            if person is not None:
                self.people[name] = person
        self.tools = {tool.name.casefold(): tool for tool in Tool.objects.all()}


def plan_generic_csv(
    *,
    data: bytes,
    owner: Any,
    allowed_units: set[int] | None,
    source: str = "",
) -> ImportPlan:
    """Check a generic CSV file; raise :class:`ImportFailed` with every faulty row, else return the plan.

    ``owner`` owns rows without an ``owner`` cell; ``allowed_units`` are the ids of the units the
    importing person may register use cases for (``None``: any unit).
    """
    records, errors = read_table(
        data, required=REQUIRED_COLUMNS, optional=OPTIONAL_COLUMNS, max_bytes=MAX_BYTES, max_rows=MAX_ROWS
    )
    lookups = _Lookups([record.cells for record in records])
    seen: dict[str, int] = {}
    planned: list[PlannedUseCase] = []
    for record in records:
        cells, line = record.cells, record.line
        row_errors: list[RowError] = []
        said: dict[str, Any] = {"title": " ".join(cells["title"].split())}
        row_errors += field_errors(UseCase, "title", said["title"], line=line, column="title")
        for column in ("summary", "problem", "expected_benefit"):
            if cells.get(column):
                said[column] = cells[column].replace("\r\n", "\n")
        unit = lookups.units.get(cells["unit"])
        if unit is None:
            message = _("Unknown unit “%(code)s”.") % {"code": cells["unit"]} if cells["unit"] else None
            row_errors.append(RowError(line, "unit", message or _("The unit is required.")))
        elif allowed_units is not None and unit.pk not in allowed_units:
            row_errors.append(
                RowError(line, "unit", _("You may not register use cases for “%(code)s”.") % {"code": unit.code})
            )
        else:
            said["unit"] = unit
        defaults: dict[str, Any] = {"confidential": False}
        row_errors += _owner(cells, line, lookups, owner, said, defaults)
        row_errors += _choices(cells, line, said)
        tools = _tools(cells, line, lookups, row_errors)
        source_id = cells.get("source_id") or _key(cells["unit"], said["title"])
        row_errors += field_errors(UseCase, "source_id", source_id, line=line, column="source_id")
        if source_id in seen:
            row_errors.append(
                RowError(
                    line,
                    "source_id" if cells.get("source_id") else "title",
                    _("This use case already appears in line %(line)d.") % {"line": seen[source_id]},
                )
            )
        seen.setdefault(source_id, line)
        errors += row_errors
        if row_errors:
            continue
        defaults.update({name: value for name, value in unsure_facts().items() if name not in said})
        planned.append(PlannedUseCase(line=line, source_id=source_id, said=said, defaults=defaults, tools=tools))
    if not errors:
        attach_existing(GENERIC_CSV, planned)
        errors += _foreign_existing(planned, allowed_units)
    if errors:
        raise ImportFailed(errors)
    return ImportPlan(format=GENERIC_CSV, source=source, rows=planned, new_units=[])


def _owner(
    cells: dict[str, str], line: int, lookups: _Lookups, owner: Any, said: dict[str, Any], defaults: dict[str, Any]
) -> list[RowError]:
    name = cells.get("owner", "")
    if name:
        person = lookups.people.get(name.lower())
        if person is None or not person.is_active:
            return [RowError(line, "owner", _("Unknown user name “%(name)s”.") % {"name": name})]
        said["owner"] = person
    elif owner is None:
        return [RowError(line, "owner", _("The owner is required."))]
    else:
        defaults["owner"] = owner
    return []


def _choices(cells: dict[str, str], line: int, said: dict[str, Any]) -> list[RowError]:
    """Stage, confidential and the facts: known codes only; blank cells say nothing."""
    errors: list[RowError] = []
    stage = cells.get("stage", "").lower()
    if stage and stage not in Stage.values:
        errors.append(
            RowError(
                line,
                "stage",
                _("Unknown stage “%(value)s”. Use one of: %(codes)s.")
                % {"value": cells["stage"], "codes": ", ".join(Stage.values)},
            )
        )
    elif stage:
        said["stage"] = stage
    confidential = cells.get("confidential", "").lower()
    if confidential in _YES | _NO:
        said["confidential"] = confidential in _YES
    elif confidential:
        errors.append(RowError(line, "confidential", _("Write yes or no.")))
    for fact in FACTS:
        value = cells.get(fact.name, "")
        if not value:
            continue
        codes = [code.lower() for code in _split(value)] if fact.multiple else [value.lower()]
        unknown = [code for code in codes if code not in fact.codes]
        if unknown:
            errors.append(
                RowError(
                    line,
                    fact.name,
                    _("Unknown answer “%(value)s”. Use one of: %(codes)s.")
                    % {"value": ", ".join(unknown), "codes": ", ".join(code for code, _label in fact.all_choices)},
                )
            )
        elif fact.multiple:
            said[fact.name] = ordered_codes(fact.name, set(codes))
        else:
            said[fact.name] = codes[0]
    return errors


def _tools(cells: dict[str, str], line: int, lookups: _Lookups, errors: list[RowError]) -> list[Tool] | None:
    names = _split(cells.get("tools", ""))
    if not names:
        return None
    unknown = [name for name in names if name.casefold() not in lookups.tools]
    if unknown:
        errors.append(
            RowError(line, "tools", _("Not in the tool catalogue: %(names)s.") % {"names": ", ".join(unknown)})
        )
        return None
    return [lookups.tools[name.casefold()] for name in names]


def _foreign_existing(rows: list[PlannedUseCase], allowed_units: set[int] | None) -> list[RowError]:
    """Updating a use case needs the right to register use cases for the unit it is in now."""
    if allowed_units is None:
        return []
    return [
        RowError(row.line, "source_id", _("This use case belongs to a unit you do not work in."))
        for row in rows
        if row.existing is not None and row.existing.unit_id not in allowed_units
    ]
