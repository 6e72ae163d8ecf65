"""Mappers of the public AI registers onto the Steckbrief: the US federal inventories of 2025 and 2024
(CSV) and the Dutch algorithm register (JSON).

What each source says, and where it goes:

* agency (or *organisatie*) → a department below the import's parent unit; bureau → a team in it;
  both are created as needed and matched by name, so another import reuses them;
* use case name → title (cut to 300 characters; a nameless record is called after its id);
* the text fields → summary (what the system outputs), problem (what it is for), expected benefit;
* stage of development → stage (unknown spellings are an error of that row; blank → idea);
* PII → personal data (yes → personal, no → none); demographic variables used as model features
  → the public among the affected people and at least personal data, race, ethnicity, religion or
  disability → special categories; anything unclear or unsaid → "unsure";
* "withheld from public reporting" (2025) → confidential.

Everything else the Steckbrief asks is not in the sources: single-choice facts are "unsure",
multi-select facts stay empty. Such use cases are drafts for their owner to complete.
"""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Callable
from typing import Any

from django.utils.translation import gettext as _

from leitplanke.common.csvfile import ImportFailed, RowError, column_key, read_rows

from ...models import Stage
from .common import (
    MAX_BYTES,
    MAX_ROWS,
    TITLE_LENGTH,
    ImportPlan,
    PlannedUseCase,
    SourceIds,
    UnitPlanner,
    attach_existing,
    clean_text,
    ordered_codes,
    truncate,
    unsure_facts,
)

US_FEDERAL_2025 = "us-federal-2025"
US_FEDERAL_2024 = "us-federal-2024"
NL_REGISTER = "nl-register"

#: Stage spellings of the registers (normalised by :func:`_stage_key`) → Leitplanke's stages.
#: The 2024 stages follow OMB's own recoding into the 2025 ones, except "initiated" (scoping, not a pilot).
STAGES: dict[str, str] = {
    # US 2025
    "pre-deployment": Stage.IDEA,
    "pilot": Stage.PILOT,
    "deployed": Stage.PRODUCTION,
    "retired": Stage.RETIRED,
    # US 2024
    "planned": Stage.IDEA,
    "ideation": Stage.IDEA,
    "initiated": Stage.IDEA,
    "acquisition and/or development": Stage.IDEA,
    "implementation and assessment": Stage.PILOT,
    "operation and maintenance": Stage.PRODUCTION,
    "in production": Stage.PRODUCTION,
    "in mission": Stage.PRODUCTION,
    "research or administrative action complete": Stage.RETIRED,
    # Dutch algorithm register
    "ontwikkeling": Stage.IDEA,
    "in_gebruik": Stage.PRODUCTION,
    "buiten_gebruik": Stage.RETIRED,
}

#: Personal data from least to most sensitive; of several statements the most sensitive wins.
_PERSONAL_DATA_ORDER = ("none", "pseudonymised", "personal", "special_categories")
_NOT_SAID = frozenset({"", "n/a", "na", "none", "not applicable", "unknown", "-"})
#: Demographic "variables" that say no variable is used.
_NO_DEMOGRAPHICS = re.compile(r"^(none|n/?a|not applicable|no\b)")
#: Variables that are special categories of personal data (GDPR Art. 9): ethnic origin, religion, health.
_SPECIAL_DEMOGRAPHICS = re.compile(r"race|ethnic|relig|disab|ability status|health")
_MAX_LIST_LITERAL = 5000


def _stage_key(value: str) -> str:
    """``"b)  Pilot – The use case …"`` → ``"pilot"``: letter prefixes and explanations removed."""
    text = " ".join(value.split()).lower()
    text = re.sub(r"^([a-z]\)\s*)+", "", text)
    return re.split(r"\s[–ñ-]\s", text, maxsplit=1)[0].strip()


def _stage(value: str, line: int, column: str, errors: list[RowError]) -> str | None:
    """The stage a cell says, ``None`` if blank; an unknown spelling is an error of the row."""
    key = _stage_key(value)
    if not key:
        return None
    if key not in STAGES:
        errors.append(RowError(line, column, _("Unknown stage of development “%(value)s”.") % {"value": value}))
        return None
    return STAGES[key]


def _yes_no(value: str) -> bool | None:
    """``Yes``/``YES``/``Yes - …``/``true`` → True, ``No …``/``false`` → False, anything else → None."""
    text = value.strip().lower()
    if re.match(r"^(b\)\s*)?(yes|true|y)\b", text):
        return True
    if re.match(r"^(a\)\s*)?(no|false|n)\b", text) and not text.startswith("n/a"):
        return False
    return None


def _list_cell(value: str) -> list[str]:
    """A multi-select cell: a Python or JSON list literal (``['c) Age']``, ``["Age"]``) or one plain value."""
    text = value.strip()
    if text.startswith("[") and len(text) <= _MAX_LIST_LITERAL:
        try:
            parsed = ast.literal_eval(text)
        except (ValueError, SyntaxError, MemoryError, RecursionError):
            parsed = None
        if isinstance(parsed, (list, tuple)):
            return [clean_text(str(item)) for item in parsed if str(item).strip()]
    return [text] if text else []


def _people_facts(pii: str, demographics: str) -> dict[str, Any]:
    """Personal data and affected people from a PII flag and the demographic variables used as features."""
    levels: list[str] = []
    said = _yes_no(pii)
    if said is not None:
        levels.append("personal" if said else "none")
    variables = [re.sub(r"^[a-z]\)\s*", "", item.lower()) for item in _list_cell(demographics)]
    used = [item for item in variables if item not in _NOT_SAID and not _NO_DEMOGRAPHICS.match(item)]
    facts: dict[str, Any] = {}
    if used:
        facts["affected_people"] = ordered_codes("affected_people", {"public"})
        levels.append("special_categories" if any(_SPECIAL_DEMOGRAPHICS.search(item) for item in used) else "personal")
    if levels:
        facts["personal_data"] = max(levels, key=_PERSONAL_DATA_ORDER.index)
    return facts


def _title(name: str, source_id: str) -> str:
    name = " ".join(name.split())
    if not name:
        return _("Untitled use case (%(id)s)") % {"id": source_id}
    return truncate(name, TITLE_LENGTH)


def _planned(
    *,
    line: int,
    source_id: str,
    unit: Any,
    owner: Any,
    title: str,
    texts: dict[str, str],
    stage: str | None,
    facts: dict[str, Any],
    confidential: bool | None = None,
) -> PlannedUseCase:
    """A row's plan: what the source says overwrites; what it does not is "unsure" on creation only."""
    said: dict[str, Any] = {"unit": unit, "title": title, **{k: v for k, v in texts.items() if v}, **facts}
    if stage is not None:
        said["stage"] = stage
    if confidential is not None:
        said["confidential"] = confidential
    defaults = {name: value for name, value in unsure_facts().items() if name not in said}
    defaults["owner"] = owner
    return PlannedUseCase(line=line, source_id=source_id, said=said, defaults=defaults)


# --- CSV registers --------------------------------------------------------------------------------


class _Columns:
    """Finds the wanted columns in a header by name or, for long questions, by their beginning.

    A repeated header name ("If Other, please explain.") is no problem: a wanted column is the
    first one that matches, and columns nobody wants are ignored.
    """

    def __init__(self, header: list[str], wanted: dict[str, str]) -> None:
        keys = [column_key(name) for name in header]
        self.index: dict[str, int] = {}
        self.label: dict[str, str] = {}
        missing: list[RowError] = []
        for name, start in wanted.items():
            wanted_key = column_key(start)
            position = next((i for i, key in enumerate(keys) if key.startswith(wanted_key)), None)
            if position is None:
                missing.append(RowError(1, start, _("This required column is missing.")))
                continue
            self.index[name] = position
            self.label[name] = header[position]
        if missing:
            raise ImportFailed(missing)

    def cells(self, row: list[str]) -> dict[str, str]:
        return {name: clean_text(row[i]) if i < len(row) else "" for name, i in self.index.items()}


_COLUMNS_2025 = {
    name: name
    for name in (
        "agency",
        "agency_name",
        "id",
        "use_case_name",
        "agency_bureau",
        "is_withheld",
        "development_stage",
        "problem_solved",
        "benefits",
        "system_outputs",
        "has_pii",
        "demographic_features",
    )
}

_COLUMNS_2024 = {
    "use_case_name": "Use Case Name",
    "agency": "Agency",
    "agency_abbreviation": "Agency Abbreviation",
    "bureau": "Bureau",
    "purpose": "What is the intended purpose and expected benefits of the AI",
    "outputs": "Describe the AI system",
    "stage": "Stage of Development",
    "pii": "Does this AI use case involve personally identifiable information",
    "demographics": "Which, if any, demographic variables does the AI use case explicitly use",
    "automated": "For this particular use case, can the AI carry out a decision or action without direct human",
}


def _read_csv(data: bytes, wanted: dict[str, str]) -> tuple[_Columns, list[tuple[int, dict[str, str]]]]:
    header, rows = read_rows(data, known=list(wanted.values()), max_bytes=MAX_BYTES, max_rows=MAX_ROWS)
    columns = _Columns(header, wanted)
    return columns, [(row.line, columns.cells(row.cells)) for row in rows]


def plan_us_federal_2025(*, data: bytes, owner: Any, parent_unit: str | None, source: str = "") -> ImportPlan:
    """The 2025 Federal Agency AI Use Case Inventory (OMB), one CSV row per use case."""
    columns, rows = _read_csv(data, _COLUMNS_2025)
    units = UnitPlanner(parent_unit)
    ids = SourceIds()
    errors: list[RowError] = []
    planned: list[PlannedUseCase] = []
    for line, cells in rows:
        agency = cells["agency"] or cells["agency_name"]
        if not agency:
            errors.append(RowError(line, columns.label["agency"], _("The agency is missing.")))
            continue
        source_id = ids.make(agency, cells["id"], cells["agency_bureau"], cells["use_case_name"])
        stage = _stage(cells["development_stage"], line, columns.label["development_stage"], errors)
        withheld = cells["is_withheld"].lower()
        planned.append(
            _planned(
                line=line,
                source_id=source_id,
                unit=units.for_agency(cells["agency_name"] or agency, cells["agency"], cells["agency_bureau"]),
                owner=owner,
                title=_title(cells["use_case_name"], source_id),
                texts={
                    "summary": cells["system_outputs"],
                    "problem": cells["problem_solved"],
                    "expected_benefit": cells["benefits"],
                },
                stage=stage,
                facts=_people_facts(cells["has_pii"], cells["demographic_features"]),
                confidential=withheld.startswith("yes") if withheld else None,
            )
        )
    return _finish(US_FEDERAL_2025, source, planned, units, errors)


def plan_us_federal_2024(*, data: bytes, owner: Any, parent_unit: str | None, source: str = "") -> ImportPlan:
    """The 2024 Federal AI Use Case Inventory (OMB): headers are the questions, some of them repeated."""
    columns, rows = _read_csv(data, _COLUMNS_2024)
    units = UnitPlanner(parent_unit)
    ids = SourceIds()
    errors: list[RowError] = []
    planned: list[PlannedUseCase] = []
    for line, cells in rows:
        agency = cells["agency"] or cells["agency_abbreviation"]
        if not agency:
            errors.append(RowError(line, columns.label["agency"], _("The agency is missing.")))
            continue
        source_id = ids.make(cells["agency_abbreviation"] or agency, "", cells["bureau"], cells["use_case_name"])
        stage = _stage(cells["stage"], line, columns.label["stage"], errors)
        facts = _people_facts(cells["pii"], cells["demographics"])
        if _yes_no(cells["automated"]):  # "Yes - All individual decisions or actions are automated …"
            facts["decision_role"] = "decides"
        planned.append(
            _planned(
                line=line,
                source_id=source_id,
                unit=units.for_agency(agency, cells["agency_abbreviation"], cells["bureau"]),
                owner=owner,
                title=_title(cells["use_case_name"], source_id),
                # The 2024 questionnaire asks for purpose and benefits in one question: it goes to "problem".
                texts={"summary": cells["outputs"], "problem": cells["purpose"]},
                stage=stage,
                facts=facts,
            )
        )
    return _finish(US_FEDERAL_2024, source, planned, units, errors)


# --- the Dutch algorithm register (JSON) ------------------------------------------------------------


def _json_records(data: bytes) -> list[Any]:
    if len(data) > MAX_BYTES:
        raise ImportFailed(
            [RowError(None, "", _("The file is larger than %(max)d MB.") % {"max": MAX_BYTES // (1024 * 1024)})]
        )
    try:
        document = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise ImportFailed([RowError(None, "", _("The file is not valid JSON: %(error)s") % {"error": exc})]) from exc
    records = document.get("algoritmes") if isinstance(document, dict) else document
    if not isinstance(records, list):
        raise ImportFailed([RowError(None, "", _("The file must hold a list of algorithms."))])
    if len(records) > MAX_ROWS:
        raise ImportFailed(
            [RowError(None, "", _("The file has more than %(max)d records. Split it.") % {"max": MAX_ROWS})]
        )
    return records


def plan_nl_register(*, data: bytes, owner: Any, parent_unit: str | None, source: str = "") -> ImportPlan:
    """The Dutch government's algorithm register: a JSON list; errors name the record's position (1 = first)."""
    records = _json_records(data)
    units = UnitPlanner(parent_unit)
    ids = SourceIds()
    errors: list[RowError] = []
    planned: list[PlannedUseCase] = []
    for number, record in enumerate(records, start=1):
        if not isinstance(record, dict):
            errors.append(RowError(number, "", _("This record is not an object.")))
            continue
        cells = {key: clean_text(str(value)) for key, value in record.items() if value is not None}
        missing = [key for key in ("id", "organisatie") if not cells.get(key)]
        for key in missing:
            errors.append(RowError(number, key, _("This field is missing.")))
        if missing:
            continue
        source_id = ids.make("nl", cells["id"])
        stage = _stage(cells.get("status", ""), number, "status", errors)
        summary = cells.get("doel", "")
        if cells.get("juridische_basis"):
            # The register's own label: the legal basis is part of what an auditor reads.
            summary = f"{summary}\n\nJuridische basis: {cells['juridische_basis']}".strip()
        planned.append(
            _planned(
                line=number,
                source_id=source_id,
                unit=units.for_agency(cells["organisatie"]),
                owner=owner,
                title=_title(cells.get("title", ""), source_id),
                texts={"summary": summary},
                stage=stage,
                facts={},
            )
        )
    return _finish(NL_REGISTER, source, planned, units, errors)


def _finish(
    format: str, source: str, planned: list[PlannedUseCase], units: UnitPlanner, errors: list[RowError]
) -> ImportPlan:
    if errors:
        raise ImportFailed(errors)
    attach_existing(format, planned)
    return ImportPlan(format=format, source=source, rows=planned, new_units=units.new_units)


PLANNERS: dict[str, Callable[..., ImportPlan]] = {
    US_FEDERAL_2025: plan_us_federal_2025,
    US_FEDERAL_2024: plan_us_federal_2024,
    NL_REGISTER: plan_nl_register,
}
