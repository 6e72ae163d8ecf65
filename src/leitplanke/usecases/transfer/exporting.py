"""The AI inventory for auditors: every use case with what an audit asks, as CSV, XLSX or JSON.

One row (one JSON object) per use case: id, title, summary, problem, owning unit (code and name),
owner, contributors, stage, status, the guardrail verdict (risk class, decision path, required
reviews, the rule bundle that produced it), the tools with their catalogue status, every fact,
confidential, the expected benefit, created and updated, where it was imported from, and its version.

Formats:

* **CSV**: UTF-8 with byte order mark and ``;`` as delimiter, which is what Excel in German (the
  product's first language) opens correctly with a double click; the import reads it back. Lists
  are ``;``-separated inside their (quoted) cell; cells that Excel would read as a formula get a
  leading apostrophe.
* **XLSX**: one sheet, bold and frozen header, autofilter; text is always stored as text.
* **JSON**: a list of objects; lists stay lists, numbers numbers, missing values ``null``.

Column names are stable keys, not translations, so scripts can rely on them. The rows are read in
chunks (``iterator``) and written as they come, so large inventories stream.
"""

from __future__ import annotations

import csv
import io
import json
import tempfile
from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal
from typing import IO, Any

from django.db.models import Prefetch, QuerySet
from django.http import FileResponse, HttpResponseBase, StreamingHttpResponse
from django.utils import timezone

from leitplanke.catalog.models import Tool

from ..facts import FACTS
from ..models import UseCase

CSV, XLSX, JSON = "csv", "xlsx", "json"
FORMATS = (CSV, XLSX, JSON)
CONTENT_TYPES = {
    CSV: "text/csv; charset=utf-8",
    XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    JSON: "application/json",
}
CSV_DELIMITER = ";"
LIST_SEPARATOR = "; "
_CHUNK = 500
_PIECE = 64 * 1024
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
#: The verdict's columns (empty for a use case that was not evaluated yet).
VERDICT_COLUMNS = ("risk_class", "decision", "reviews", "rule_bundle")


def columns() -> list[str]:
    """The keys of a row, in order (CSV and XLSX header, JSON object keys)."""
    return [
        "id", "title", "summary", "problem", "unit_code", "unit_name", "owner", "owner_name", "contributors",
        "stage", "status", *VERDICT_COLUMNS, "tools", *(fact.name for fact in FACTS), "confidential",
        "expected_benefit", "expected_hours_per_month", "expected_euros_per_year", "created", "updated",
        "source", "source_id", "version",
    ]  # fmt: skip


def inventory_queryset(usecases: QuerySet[UseCase]) -> QuerySet[UseCase]:
    """``usecases`` with everything an export row needs, in a stable order (a fixed number of queries per chunk)."""
    return (
        usecases.select_related("unit", "owner", "verdict", "verdict__bundle")
        .defer("verdict__input", "verdict__bundle__files", "verdict__bundle__whatif")
        .prefetch_related(
            Prefetch("tools", queryset=Tool.objects.order_by("name")),
            "contributors",
        )
        .order_by("pk")
    )


def _timestamp(value: datetime) -> str:
    return timezone.localtime(value).isoformat(timespec="seconds")


def _number(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def _verdict(usecase: UseCase) -> dict[str, Any]:
    """The verdict columns of one use case."""
    verdict = getattr(usecase, "verdict", None)  # None when the use case was not evaluated yet
    if verdict is None:
        return dict.fromkeys(VERDICT_COLUMNS)
    return {
        "risk_class": verdict.risk_class,
        "decision": verdict.decision,
        "reviews": list(verdict.summary.get("reviews", [])),
        "rule_bundle": f"{verdict.bundle.bundle_id} {verdict.bundle.version}",
    }


def inventory_records(usecases: QuerySet[UseCase]) -> Iterator[dict[str, Any]]:
    """One JSON-ready object per use case (lists as lists, numbers as numbers, ``None`` for missing)."""
    for usecase in inventory_queryset(usecases).iterator(chunk_size=_CHUNK):
        contributors = sorted(person.username for person in usecase.contributors.all())
        record: dict[str, Any] = {
            "id": usecase.pk,
            "title": usecase.title,
            "summary": usecase.summary,
            "problem": usecase.problem,
            "unit": {"code": usecase.unit.code, "name": usecase.unit.name},
            "owner": {"username": usecase.owner.username, "name": str(usecase.owner)},
            "contributors": contributors,
            "stage": usecase.stage,
            "status": usecase.status,
            **_verdict(usecase),
            "tools": [{"name": tool.name, "status": tool.status} for tool in usecase.tools.all()],
            **{fact.name: getattr(usecase, fact.name) for fact in FACTS},
            "confidential": usecase.confidential,
            "expected_benefit": usecase.expected_benefit,
            "expected_hours_per_month": _number(usecase.expected_hours_per_month),
            "expected_euros_per_year": _number(usecase.expected_euros_per_year),
            "created": _timestamp(usecase.created_at),
            "updated": _timestamp(usecase.updated_at),
            "source": usecase.source,
            "source_id": usecase.source_id,
            "version": usecase.version,
        }
        yield record


def _flat(record: dict[str, Any]) -> dict[str, Any]:
    """A JSON object as a spreadsheet row: relations and lists as text."""
    row = dict(record)
    row.pop("unit")
    row.pop("owner")
    row["unit_code"], row["unit_name"] = record["unit"]["code"], record["unit"]["name"]
    row["owner"], row["owner_name"] = record["owner"]["username"], record["owner"]["name"]
    row["contributors"] = LIST_SEPARATOR.join(record["contributors"])
    row["reviews"] = LIST_SEPARATOR.join(record["reviews"] or [])
    row["tools"] = LIST_SEPARATOR.join(f"{tool['name']} ({tool['status']})" for tool in record["tools"])
    for fact in FACTS:
        if fact.multiple:
            row[fact.name] = LIST_SEPARATOR.join(record[fact.name])
    return row


def inventory_rows(usecases: QuerySet[UseCase]) -> Iterator[dict[str, Any]]:
    """One flat row per use case, keyed by :func:`columns`."""
    for record in inventory_records(usecases):
        yield _flat(record)


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    text = str(value)
    # Excel runs cells that start like a formula (CSV injection); an apostrophe keeps them text.
    return "'" + text if text.startswith(_FORMULA_START) else text


def write_csv(usecases: QuerySet[UseCase]) -> Iterator[str]:
    """The inventory as CSV text, piece by piece (UTF-8 byte order mark first, ``;``-separated)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=CSV_DELIMITER, lineterminator="\r\n")
    keys = columns()
    buffer.write("\ufeff")
    writer.writerow(keys)
    for row in inventory_rows(usecases):
        writer.writerow([_csv_cell(row[key]) for key in keys])
        if buffer.tell() > _PIECE:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def write_json(usecases: QuerySet[UseCase]) -> Iterator[str]:
    """The inventory as a JSON list, one object per use case, piece by piece."""
    yield "["
    for number, record in enumerate(inventory_records(usecases)):
        yield ("," if number else "") + "\n" + json.dumps(record, ensure_ascii=False)
    yield "\n]\n"


def write_xlsx(usecases: QuerySet[UseCase], target: IO[bytes]) -> None:
    """The inventory as an Excel workbook written to ``target`` (bold, frozen header and an autofilter)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("inventory")
    sheet.freeze_panes = "A2"
    keys = columns()
    bold = Font(bold=True)
    header = []
    for key in keys:
        cell = WriteOnlyCell(sheet, value=key)
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    count = 0
    for row in inventory_rows(usecases):
        cells = []
        for key in keys:
            value = row[key]
            if key in ("created", "updated"):
                value = datetime.fromisoformat(value).replace(tzinfo=None)  # Excel knows no time zones
            cell = WriteOnlyCell(sheet, value=value)
            if isinstance(value, str):
                cell.data_type = "s"  # never a formula, whatever the text starts with
            cells.append(cell)
        sheet.append(cells)
        count += 1
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(keys))}{count + 1}"
    workbook.save(target)


def inventory_filename(fmt: str) -> str:
    """The download's file name, such as ``ai-inventory-2026-03-01.csv``."""
    return f"ai-inventory-{timezone.localdate().isoformat()}.{fmt}"


def inventory_download(user: Any, fmt: str) -> HttpResponseBase:
    """The inventory of every use case ``user`` may see as a file download (the page's and the API's).

    ``fmt`` is one of :data:`FORMATS`. CSV and JSON stream; XLSX is written to a temporary file first.
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}")
    usecases = UseCase.objects.visible_to(user)
    filename = inventory_filename(fmt)
    if fmt == XLSX:
        # openpyxl writes the workbook as a whole; a temporary file keeps it out of memory.
        spool = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115 (the response closes it)
        write_xlsx(usecases, spool)
        spool.seek(0)
        return FileResponse(spool, as_attachment=True, filename=filename, content_type=CONTENT_TYPES[XLSX])
    pieces = write_csv(usecases) if fmt == CSV else write_json(usecases)
    response = StreamingHttpResponse((piece.encode("utf-8") for piece in pieces), content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
