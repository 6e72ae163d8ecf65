"""Importing the public AI registers: the mapping onto the Steckbrief, proven on samples drawn from the
real files at run time, and the full files through the command line."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from leitplanke.audit.models import Event
from leitplanke.common.errors import DomainError
from leitplanke.org.models import OrgUnit
from leitplanke.usecases import services
from leitplanke.usecases.models import UseCase
from leitplanke.usecases.transfer.importing import ImportFailed, usecases_import

from ..factories import PersonFactory, UnitFactory
from .transfer_support import NL, US_2024, US_2025, csv_register, csv_sample, dataset, nl_records, pick, text, unique

pytestmark = pytest.mark.django_db

SINGLE_FACTS_NOT_IN_ANY_REGISTER = (
    "interacts_with_people", "generated_content", "data_classification", "monitors_employees", "human_review", "scale",
)  # fmt: skip
#: The stages of the registers as the issue maps them (blank: the source does not say → idea).
STAGES_2025 = {"Pre-deployment": "idea", "Pilot": "pilot", "Deployed": "production", "Retired": "retired", "": "idea"}
STAGES_2024 = {
    "Initiated": "idea", "Planned": "idea", "Ideation": "idea", "Acquisition and/or Development": "idea",
    "Implementation and Assessment": "pilot", "Operation and Maintenance": "production", "In production": "production",
    "In mission": "production", "Retired": "retired", "Research or  Administrative Action Complete": "retired",
    "": "idea",
}  # fmt: skip
STAGES_NL = {"ontwikkeling": "idea", "in_gebruik": "production", "buiten_gebruik": "retired"}
#: PII answers of rows that name no demographic variable.
PERSONAL_DATA = {"yes": "personal", "no": "none"}


@pytest.fixture
def importer(db) -> Any:
    """The person who owns what the command line imports."""
    return PersonFactory(username="importer", display_name="Ida Importer")


def _import(fmt: str, data: bytes, owner: Any, **options: Any) -> Any:
    return usecases_import(actor=None, format=fmt, data=data, owner=owner, **options)


def _has_break(row: list[str]) -> bool:
    return any("\n" in cell for cell in row)


# --- US federal inventory 2025 ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def us2025() -> tuple[list[str], list[list[str]], dict[str, int]]:
    header, rows = csv_register(US_2025, "utf-8")
    return header, rows, {name: i for i, name in enumerate(header)}


def _no_demographics(value: str) -> bool:
    return value in ("[]", "['k) None of the above']") or value.startswith(("['Not applicable", "['None"))


def _sample_2025(us2025: Any) -> list[list[str]]:
    """The first 50 findable rows, plus findable rows with line breaks and with listed demographic variables."""
    _header, rows, col = us2025
    findable = unique([row for row in rows if row[col["id"]]], lambda row: (row[col["agency"]], row[col["id"]]))
    sample = findable[:50]
    sample += pick(findable[50:], _has_break, 10)
    sample += pick(findable[50:], lambda row: not _no_demographics(row[col["demographic_features"]]), 10)
    return sample


def _found_2025(row: list[str], col: dict[str, int]) -> UseCase:
    return UseCase.objects.select_related("unit__parent").get(
        source="us-federal-2025", source_id=f"{row[col['agency']]}/{row[col['id']]}"
    )


def test_a_2025_sample_maps_unit_stage_personal_data_texts_and_unsaid_facts(us2025, importer):
    header, _rows, col = us2025
    sample = _sample_2025(us2025)

    summary = _import("us-federal-2025", csv_sample(header, sample, encoding="utf-8"), importer)

    assert (summary.created, summary.updated) == (len(sample), 0)
    company = OrgUnit.objects.get(parent=None)
    for row in sample:
        usecase = _found_2025(row, col)
        bureau, agency = row[col["agency_bureau"]].strip(), row[col["agency_name"]]
        department = usecase.unit.parent if bureau and bureau not in (agency, row[col["agency"]]) else usecase.unit
        assert (department.name, department.kind, department.parent_id) == (agency, "department", company.pk)
        if usecase.unit != department:
            assert (usecase.unit.name, usecase.unit.kind) == (" ".join(bureau.split())[:200], "team")
        assert usecase.title == " ".join(row[col["use_case_name"]].split())[:300]
        assert usecase.stage == STAGES_2025[row[col["development_stage"]]]
        assert usecase.summary == text(row[col["system_outputs"]])
        assert usecase.problem == text(row[col["problem_solved"]])
        assert usecase.expected_benefit == text(row[col["benefits"]])
        if _no_demographics(row[col["demographic_features"]]):
            assert usecase.personal_data == PERSONAL_DATA.get(row[col["has_pii"]].lower(), "unsure")
            assert usecase.affected_people == []
        for name in SINGLE_FACTS_NOT_IN_ANY_REGISTER:
            assert getattr(usecase, name) == "unsure"
        assert usecase.purposes == [] and usecase.prohibited_practices == []
        assert (usecase.owner, usecase.status) == (importer, "draft")


def test_line_breaks_inside_cells_are_kept(us2025, importer):
    header, _rows, col = us2025
    sample = pick(_sample_2025(us2025), lambda row: "\n" in row[col["problem_solved"]], 3)
    assert sample, "the register has cells with line breaks"

    _import("us-federal-2025", csv_sample(header, sample, encoding="utf-8"), importer)

    for row in sample:
        assert "\n" in _found_2025(row, col).problem
        assert _found_2025(row, col).problem == text(row[col["problem_solved"]])


def test_listed_demographic_variables_mark_the_public_as_affected_and_raise_personal_data(us2025, importer):
    header, _rows, col = us2025
    sample = pick(_sample_2025(us2025), lambda row: "Race" in row[col["demographic_features"]], 5)
    sample += pick(_sample_2025(us2025), lambda row: "Age" in row[col["demographic_features"]] and row not in sample, 5)
    assert sample, "the register lists demographic variables as Python list literals"

    _import("us-federal-2025", csv_sample(header, sample, encoding="utf-8"), importer)

    for row in sample:
        usecase = _found_2025(row, col)
        assert usecase.affected_people == ["public"]
        expected = "special_categories" if "Race" in row[col["demographic_features"]] else "personal"
        assert usecase.personal_data == expected


def test_a_file_with_byte_order_mark_reads_the_same(us2025, importer):
    header, _rows, col = us2025
    sample = _sample_2025(us2025)[:20]

    _import("us-federal-2025", csv_sample(header, sample, encoding="utf-8", byte_order_mark=True), importer)

    assert UseCase.objects.count() == 20
    assert _found_2025(sample[0], col).title == " ".join(sample[0][col["use_case_name"]].split())


def test_importing_the_same_sample_again_changes_nothing_and_writes_no_events(us2025, importer):
    header, _rows, _col = us2025
    data = csv_sample(header, _sample_2025(us2025), encoding="utf-8")
    _import("us-federal-2025", data, importer)
    counts = (UseCase.objects.count(), OrgUnit.objects.count(), Event.objects.count())

    summary = _import("us-federal-2025", data, importer)

    assert (summary.created, summary.updated, summary.unchanged) == (0, 0, counts[0])
    assert (UseCase.objects.count(), OrgUnit.objects.count(), Event.objects.count()) == counts


def test_a_changed_record_updates_its_use_case_and_keeps_answers_given_since(us2025, importer):
    header, _rows, col = us2025
    sample = [list(row) for row in _sample_2025(us2025)[:10]]
    _import("us-federal-2025", csv_sample(header, sample, encoding="utf-8"), importer)
    answered = services.usecase_update(actor=importer, usecase=_found_2025(sample[0], col), scale="small")
    sample[0][col["use_case_name"]] = "Renamed in the register"

    summary = _import("us-federal-2025", csv_sample(header, sample, encoding="utf-8"), importer)

    usecase = _found_2025(sample[0], col)
    assert (summary.created, summary.updated, summary.unchanged) == (0, 1, 9)
    assert (usecase.title, usecase.scale) == ("Renamed in the register", "small")
    assert usecase.version == answered.version + 1
    event = Event.objects.filter(action="usecase.updated", object_id=str(usecase.pk)).latest("seq")
    assert event.after["title"] == "Renamed in the register"


def test_an_unknown_stage_refuses_the_whole_file_naming_its_line(us2025, importer):
    header, rows, col = us2025
    sample = [list(row) for row in pick(rows, lambda row: not _has_break(row), 6)]
    sample[2][col["development_stage"]] = "Someday"
    sample[4][col["development_stage"]] = "Maybe later"
    events = Event.objects.count()

    with pytest.raises(ImportFailed) as exc:
        _import("us-federal-2025", csv_sample(header, sample, encoding="utf-8"), importer)

    assert [(error.line, error.column) for error in exc.value.errors] == [
        (4, "development_stage"),
        (6, "development_stage"),
    ]
    assert (UseCase.objects.count(), OrgUnit.objects.count(), Event.objects.count()) == (0, 0, events)


def test_agencies_go_below_the_chosen_parent_unit(us2025, importer):
    header, _rows, _col = us2025
    holding = UnitFactory(code="holding", name="Holding", kind="company", parent=None)
    public_sector = UnitFactory(code="public", name="Public sector", parent=holding)

    _import(
        "us-federal-2025",
        csv_sample(header, _sample_2025(us2025)[:5], encoding="utf-8"),
        importer,
        parent_unit="public",
    )

    assert all(usecase.unit.path.startswith(public_sector.path) for usecase in UseCase.objects.all())


def test_a_team_cannot_be_the_parent_of_imported_agencies(us2025, importer):
    header, _rows, _col = us2025
    team = UnitFactory(kind="team", parent=UnitFactory())

    with pytest.raises(DomainError) as exc:
        _import(
            "us-federal-2025",
            csv_sample(header, _sample_2025(us2025)[:5], encoding="utf-8"),
            importer,
            parent_unit=team.code,
        )

    assert exc.value.field == "parent_unit"
    assert UseCase.objects.count() == 0


# --- US federal inventory 2024 (Windows-1252, the questions as headers) ---------------------------------


@pytest.fixture(scope="module")
def us2024() -> tuple[list[str], list[list[str]]]:
    return csv_register(US_2024, "cp1252")


_NAME, _AGENCY, _ABBREVIATION, _BUREAU, _PURPOSE, _OUTPUTS, _STAGE, _PII, _DEMOGRAPHICS = 0, 1, 2, 3, 7, 8, 9, 22, 28


def _sample_2024(rows: list[list[str]]) -> list[list[str]]:
    findable = unique(rows, lambda row: (row[_ABBREVIATION], row[_BUREAU].strip(), row[_NAME].strip()))
    sample = findable[:50]
    sample += pick(findable[50:], _has_break, 10)
    sample += pick(findable[50:], lambda row: any(ord(char) > 127 for char in row[_OUTPUTS]), 10)
    sample += pick(findable[50:], lambda row: row[_DEMOGRAPHICS].startswith("["), 5)
    return sample


def _found_2024(row: list[str]) -> UseCase:
    """The use case of a row: by title in the team of its bureau, or in its agency's department."""
    bureau = " ".join(row[_BUREAU].split())
    department = OrgUnit.objects.get(name=row[_AGENCY], kind="department")
    in_department = not bureau or bureau.casefold() in (row[_AGENCY].casefold(), row[_ABBREVIATION].casefold())
    unit = department if in_department else OrgUnit.objects.get(parent=department, name=bureau[:200])
    return UseCase.objects.get(source="us-federal-2024", title=" ".join(row[_NAME].split())[:300], unit=unit)


def test_a_2024_sample_in_windows_1252_with_repeated_headers_maps_like_2025(us2024, importer):
    header, rows = us2024
    assert header.count("If Other, please explain.") > 1, "the register repeats headers"
    sample = _sample_2024(rows)

    summary = _import("us-federal-2024", csv_sample(header, sample, encoding="cp1252"), importer)

    assert summary.created == len(sample)
    for row in sample:
        usecase = _found_2024(row)
        assert usecase.stage == STAGES_2024[row[_STAGE].strip()]
        assert usecase.summary == text(row[_OUTPUTS])
        assert usecase.problem == text(row[_PURPOSE])
        if row[_DEMOGRAPHICS].strip() in ("", "None", "N/A"):
            assert usecase.personal_data == PERSONAL_DATA.get(row[_PII].strip().lower(), "unsure")
        assert usecase.scale == "unsure" and usecase.purposes == []


def test_windows_1252_characters_arrive_intact(us2024, importer):
    header, rows = us2024
    sample = pick(_sample_2024(rows), lambda row: "’" in row[_OUTPUTS] or "é" in row[_OUTPUTS], 3)
    assert sample, "the register has typographic apostrophes"

    _import("us-federal-2024", csv_sample(header, sample, encoding="cp1252"), importer)

    for row in sample:
        assert _found_2024(row).summary == text(row[_OUTPUTS])


# --- the Dutch algorithm register (JSON) ----------------------------------------------------------------


@pytest.fixture(scope="module")
def nl() -> list[dict[str, Any]]:
    return nl_records()


def _json(records: list[dict[str, Any]]) -> bytes:
    return json.dumps({"algoritmes": records}, ensure_ascii=False).encode()


def test_a_dutch_sample_maps_organisation_status_and_purpose(nl, importer):
    sample = nl[:50] + [record for record in nl[50:] if record["status"] != "in_gebruik"][:10]

    _import("nl-register", _json(sample), importer)

    company = OrgUnit.objects.get(parent=None)
    for record in sample:
        usecase = UseCase.objects.select_related("unit").get(source="nl-register", source_id=f"nl/{record['id']}")
        assert (usecase.unit.name, usecase.unit.kind, usecase.unit.parent_id) == (
            record["organisatie"],
            "department",
            company.pk,
        )
        assert usecase.title == record["title"].strip()
        assert usecase.stage == STAGES_NL[record["status"]]
        assert usecase.summary.startswith(record["doel"].strip())
        if record["juridische_basis"]:
            assert record["juridische_basis"].strip() in usecase.summary
        assert usecase.personal_data == "unsure" and usecase.decision_role == "unsure"
        assert usecase.affected_people == []


def test_many_municipalities_registering_one_vendor_tool_stay_separate_use_cases(nl, importer):
    title = "Zivver"
    sample = [record for record in nl if record["title"] == title][:10]

    _import("nl-register", _json(sample), importer)

    assert UseCase.objects.filter(title=title).values("unit").distinct().count() == len(
        {record["organisatie"] for record in sample}
    )
    assert UseCase.objects.filter(title=title).count() == len(sample)


def test_a_faulty_dutch_record_is_named_by_its_position(nl, importer):
    sample = [dict(record) for record in nl[:5]]
    sample[2]["status"] = "gepland"

    with pytest.raises(ImportFailed) as exc:
        _import("nl-register", _json(sample), importer)

    assert [(error.line, error.column) for error in exc.value.errors] == [(3, "status")]
    assert UseCase.objects.count() == 0


# --- the command line ----------------------------------------------------------------------------------------


def _run(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("import", "usecases", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_the_command_prints_the_summary_and_draws_a_progress_bar(us2025, importer, tmp_path):
    header, _rows, _col = us2025
    path = tmp_path / "sample.csv"
    path.write_bytes(csv_sample(header, _sample_2025(us2025)[:30], encoding="utf-8"))

    out, err = _run(str(path), "--format", "us-federal-2025", "--owner", "importer")

    assert "30" in out
    assert "30/30" in err and "#" in err
    assert Event.objects.get(action="usecases.import.completed").after["created"] == 30


def test_the_command_names_faulty_json_records_by_position(nl, importer, tmp_path):
    sample = [dict(record) for record in nl[:4]]
    del sample[1]["organisatie"]
    path = tmp_path / "sample.json"
    path.write_bytes(_json(sample))
    err = io.StringIO()

    with pytest.raises(CommandError):
        call_command(
            "import",
            "usecases",
            str(path),
            "--format",
            "nl-register",
            "--owner",
            "importer",
            stdout=io.StringIO(),
            stderr=err,
        )

    assert [line.rsplit(":", 1)[0] for line in err.getvalue().splitlines()] == ["record 2: organisatie"]


def test_the_command_refuses_an_unknown_owner(tmp_path, db):
    path = tmp_path / "empty.json"
    path.write_text("[]")

    with pytest.raises(CommandError, match="--owner"):
        _run(str(path), "--format", "nl-register", "--owner", "nobody")


# --- the full registers (CI always runs these) -------------------------------------------------------------


def _import_file(name: str, fmt: str) -> None:
    _run(str(dataset(name)), "--format", fmt, "--owner", "importer", "--no-progress")


@pytest.mark.datasets
def test_the_whole_2025_register_imports_and_importing_it_again_creates_nothing(importer):
    _import_file(US_2025, "us-federal-2025")
    counts = (UseCase.objects.count(), OrgUnit.objects.count(), Event.objects.count())

    _import_file(US_2025, "us-federal-2025")

    assert UseCase.objects.filter(source="us-federal-2025").count() == 3611
    assert (UseCase.objects.count(), OrgUnit.objects.count(), Event.objects.count()) == counts


@pytest.mark.datasets
def test_the_whole_2024_register_imports(importer):
    _import_file(US_2024, "us-federal-2024")

    assert UseCase.objects.filter(source="us-federal-2024").count() == 2133


@pytest.mark.datasets
def test_the_whole_dutch_register_imports(importer):
    _import_file(NL, "nl-register")

    assert UseCase.objects.filter(source="nl-register").count() == 1530
    organisations = {" ".join(record["organisatie"].split()).casefold() for record in nl_records()}
    assert OrgUnit.objects.filter(kind="department").count() == len(organisations)
