"""Exporting the AI inventory: every format reads back with the fields an auditor asks for, the UI exports
only what the person may see, and the command line exports everything."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import openpyxl
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from leitplanke.org.models import Role
from leitplanke.usecases import services
from leitplanke.usecases.transfer import exporting

pytestmark = pytest.mark.django_db

#: What the issue requires of every JSON object.
REQUIRED_KEYS = {"id", "title", "unit", "owner", "stage", "tools", "created", "updated", "status"}
#: What an auditor finds in every CSV and XLSX row.
AUDIT_COLUMNS = {
    "id", "title", "unit_code", "unit_name", "owner", "contributors", "stage", "status", "tools", "personal_data",
    "purposes", "affected_people", "scale", "confidential", "expected_benefit", "created", "updated", "source",
}  # fmt: skip


@pytest.fixture
def inventory(org, tools, make_usecase) -> dict[str, Any]:
    """An open use case with two tools and a contributor, and a confidential one of the Marketing unit."""
    open_one = make_usecase(
        title="Rechnungen vorkontieren",
        tools=[tools["Enterprise-Chat"], tools["Cloud-Modell-API (EU)"]],
        contributors=[org.lead],
        expected_benefit='=HYPERLINK("http://evil.example")',  # looks like a formula
    )
    secret = make_usecase(title="Übernahmekandidaten", unit=org.marketing, owner=org.outsider, confidential=True)
    return {"open": open_one, "secret": secret}


def _parse(fmt: str, data: bytes) -> list[dict[str, Any]]:
    if fmt == "csv":
        assert data.startswith(b"\xef\xbb\xbf")
        return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    if fmt == "xlsx":
        sheet = openpyxl.load_workbook(io.BytesIO(data)).active
        rows = list(sheet.iter_rows(values_only=True))
        return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]
    records = json.loads(data)
    assert isinstance(records, list)
    return records


def _download(client: Client, fmt: str) -> bytes:
    response = client.get(reverse("usecases:export", args=[fmt]))
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    return b"".join(response.streaming_content) if response.streaming else response.content


def _cli_export(fmt: str, tmp_path) -> bytes:
    path = tmp_path / f"inventory.{fmt}"
    call_command(
        "export", "inventory", "--format", fmt, "--output", str(path), stdout=io.StringIO(), stderr=io.StringIO()
    )
    return path.read_bytes()


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_spreadsheets_read_back_with_every_column_an_auditor_asks_for(inventory, fmt, tmp_path):
    rows = _parse(fmt, _cli_export(fmt, tmp_path))

    assert set(rows[0]) >= AUDIT_COLUMNS
    row = next(row for row in rows if row["title"] == "Rechnungen vorkontieren")
    assert (row["unit_code"], row["owner"], row["contributors"]) == ("fin-buha", "max.member", "lea.lead")
    assert row["tools"] == "Cloud-Modell-API (EU) (approved_with_conditions); Enterprise-Chat (approved)"
    assert (row["stage"], row["status"], row["personal_data"], row["purposes"]) == (
        "idea",
        "awaiting_approval",
        "none",
        "productivity",
    )


def test_json_is_a_list_of_one_object_per_use_case_with_the_required_keys(inventory, tmp_path):
    records = _parse("json", _cli_export("json", tmp_path))

    assert len(records) == 2
    assert all(set(record) >= REQUIRED_KEYS for record in records)
    record = next(record for record in records if record["id"] == inventory["open"].pk)
    assert record["unit"] == {"code": "fin-buha", "name": "Buchhaltung"}
    assert record["owner"]["username"] == "max.member"
    assert record["tools"] == [
        {"name": "Cloud-Modell-API (EU)", "status": "approved_with_conditions"},
        {"name": "Enterprise-Chat", "status": "approved"},
    ]
    assert record["purposes"] == ["productivity"] and record["confidential"] is False
    assert record["created"].startswith(str(inventory["open"].created_at.year))


def test_the_command_exports_confidential_use_cases_too(inventory, tmp_path):
    titles = {record["title"] for record in _parse("json", _cli_export("json", tmp_path))}

    assert titles == {"Rechnungen vorkontieren", "Übernahmekandidaten"}


def test_the_command_writes_text_formats_to_standard_output(inventory):
    out = io.StringIO()

    call_command("export", "inventory", "--format", "json", stdout=out)

    assert len(json.loads(out.getvalue())) == 2


def test_the_command_refuses_xlsx_without_a_file(inventory):
    with pytest.raises(CommandError, match="--output"):
        call_command("export", "inventory", "--format", "xlsx", stdout=io.StringIO())


def test_text_that_looks_like_a_formula_stays_text(inventory, tmp_path):
    csv_row = next(r for r in _parse("csv", _cli_export("csv", tmp_path)) if r["title"] == "Rechnungen vorkontieren")
    workbook = openpyxl.load_workbook(io.BytesIO(_cli_export("xlsx", tmp_path)))
    column = [cell.value for cell in workbook.active[1]].index("expected_benefit") + 1
    cells = [workbook.active.cell(row=row, column=column) for row in (2, 3)]
    formula_like = next(cell for cell in cells if cell.value)

    assert csv_row["expected_benefit"] == '\'=HYPERLINK("http://evil.example")'
    assert (formula_like.value, formula_like.data_type) == ('=HYPERLINK("http://evil.example")', "s")


def test_the_spreadsheet_has_a_bold_frozen_header_with_a_filter(inventory, tmp_path):
    sheet = openpyxl.load_workbook(io.BytesIO(_cli_export("xlsx", tmp_path))).active

    assert sheet["A1"].font.b is True
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref.startswith("A1:")


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "json"])
@pytest.mark.parametrize(
    ("viewer", "sees_secret"),
    [
        ("unit_member", False),
        ("unit_lead", False),
        ("other_unit", True),
        (Role.AUDITOR, True),
        (Role.AI_GOVERNANCE, True),
        (Role.DATA_PROTECTION, True),
    ],
)
def test_the_ui_exports_only_what_the_person_may_see(inventory, client_for, org, fmt, viewer, sees_secret):
    # Olga (other_unit) owns the confidential use case; the data-protection holder works in Marketing too.
    titles = {row["title"] for row in _parse(fmt, _download(client_for(org.viewer(viewer)), fmt))}

    assert "Rechnungen vorkontieren" in titles
    assert ("Übernahmekandidaten" in titles) is sees_secret


def test_the_ui_export_needs_a_signed_in_person(inventory):
    response = Client().get(reverse("usecases:export", args=["json"]))

    assert response.status_code == 302


def test_an_unknown_format_is_not_found(inventory, client_for, org):
    assert client_for(org.member).get(reverse("usecases:export", args=["pdf"])).status_code == 404


def test_the_library_offers_the_downloads(inventory, client_for, org):
    response = client_for(org.member).get(reverse("usecases:library"))

    for fmt in exporting.FORMATS:
        assert reverse("usecases:export", args=[fmt]).encode() in response.content


def test_the_number_of_queries_does_not_grow_with_the_inventory(org, tools, make_usecase):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            list(exporting.inventory_records(exporting.UseCase.objects.all()))
        return len(captured.captured_queries)

    make_usecase(title="Eins", tools=[tools["Enterprise-Chat"]], contributors=[org.lead])
    few = queries()
    for number in range(10):
        services.usecase_create(
            actor=None,
            title=f"Mehr {number}",
            unit=org.team,
            owner=org.member,
            contributors=[org.lead],
            tools=list(tools.values()),
        )

    assert queries() == few
