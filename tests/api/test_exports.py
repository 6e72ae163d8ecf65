"""``/api/v1/exports/inventory``: the inventory file of the library page, for the same people, through the API."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from leitplanke.api.main import api
from leitplanke.usecases.transfer import exporting

from .conftest import problem

pytestmark = pytest.mark.django_db

INVENTORY = "/api/v1/exports/inventory"

#: What an auditor asks of each use case (a few of the inventory's columns).
AUDITOR_FIELDS = {"id", "title", "unit_code", "owner", "stage", "status", "risk_class", "decision", "tools",
                  "confidential", "rule_bundle", "version"}  # fmt: skip


@pytest.fixture
def inventory(org, make_usecase, tools):
    open_case = make_usecase(title="Rechnungen klassifizieren", tools=[tools["Enterprise-Chat"]])
    secret = make_usecase(title="Gehaltsdaten auswerten", confidential=True)
    return {"open": open_case, "secret": secret}


def content(response) -> bytes:
    assert response.status_code == 200, response.content
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_the_csv_is_the_file_of_the_library_page(org, api_for, client_for, inventory) -> None:
    response = api_for(org.member).get(INVENTORY, {"format": "csv"})
    page = client_for(org.member).get(reverse("usecases:export", args=["csv"]))

    body = content(response)
    assert body == content(page)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="ai-inventory-')
    assert response["Content-Disposition"].endswith('.csv"')
    rows = list(csv.DictReader(io.StringIO(body.decode("utf-8-sig")), delimiter=";"))
    assert rows[0].keys() >= AUDITOR_FIELDS
    assert {row["title"] for row in rows} == {"Rechnungen klassifizieren", "Gehaltsdaten auswerten"}
    assert next(row for row in rows if row["confidential"] == "no")["tools"] == "Enterprise-Chat (approved)"


def test_the_json_lists_one_object_per_use_case(org, api_for, inventory) -> None:
    response = api_for(org.viewer("auditor")).get(INVENTORY, {"format": "json"})

    records = json.loads(content(response))
    assert response["Content-Type"] == "application/json"
    assert response["Content-Disposition"].endswith('.json"')
    by_title = {record["title"]: record for record in records}
    assert by_title.keys() == {"Rechnungen klassifizieren", "Gehaltsdaten auswerten"}
    record = by_title["Rechnungen klassifizieren"]
    assert record["unit"] == {"code": "fin-buha", "name": "Buchhaltung"}
    assert record["tools"] == [{"name": "Enterprise-Chat", "status": "approved"}]
    assert record["risk_class"] == inventory["open"].verdict.risk_class


def test_the_xlsx_is_a_workbook_with_the_inventory_columns(org, api_for, inventory) -> None:
    response = api_for(org.member).get(INVENTORY, {"format": "xlsx"})

    assert response["Content-Type"] == exporting.CONTENT_TYPES[exporting.XLSX]
    assert response["Content-Disposition"].endswith('.xlsx"')
    sheet = load_workbook(io.BytesIO(content(response)), read_only=True)["inventory"]
    header, *rows = list(sheet.iter_rows(values_only=True))
    assert list(header) == exporting.columns()
    titles = {dict(zip(header, row, strict=True))["title"] for row in rows}
    assert titles == {"Rechnungen klassifizieren", "Gehaltsdaten auswerten"}


@pytest.mark.parametrize("fmt", ["csv", "json", "xlsx"])
def test_a_confidential_use_case_is_not_in_an_outsiders_export(org, api_for, inventory, fmt) -> None:
    body = content(api_for(org.outsider).get(INVENTORY, {"format": fmt}))

    if fmt == "xlsx":
        sheet = load_workbook(io.BytesIO(body), read_only=True)["inventory"]
        text = " ".join(str(value) for row in sheet.iter_rows(values_only=True) for value in row)
    else:
        text = body.decode("utf-8-sig")
    assert "Rechnungen klassifizieren" in text
    assert "Gehaltsdaten auswerten" not in text


def test_an_unknown_format_is_a_field_error(org, api_for) -> None:
    fields = [error["field"] for error in problem(api_for(org.member).get(INVENTORY, {"format": "pdf"}), 422)["errors"]]
    assert fields == ["query.format"]


def test_anonymous_callers_get_no_inventory(inventory, api_for) -> None:
    assert problem(api_for(None).get(INVENTORY, {"format": "csv"}), 401)["code"] == "unauthenticated"


def test_the_schema_documents_the_files_media_types() -> None:
    schema = api.get_openapi_schema(path_prefix="/api/v1/")
    answer = schema["paths"][INVENTORY]["get"]["responses"]["200"]
    assert {"text/csv", "application/json", exporting.CONTENT_TYPES[exporting.XLSX]} <= answer["content"].keys()
    assert "Content-Disposition" in answer["headers"]
