"""Measurements in bulk from a CSV or XLSX file: all or nothing, every faulty line named.

Columns: ``usecase`` (the id), ``kpi`` (its name), ``measured_on`` (``2026-11-30`` or ``30.11.2026``),
``value`` (``12.5`` or ``12,5``) and optionally ``note``. Every row is checked before anything is
written: the use case exists, the KPI is one of its KPIs, the importer may maintain it, the date is
not in the future and not measured already (in the database or earlier in the file). Then every
measurement is recorded through ``measurement_record`` in one transaction, with its audit event.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from leitplanke.common import clock, csvfile
from leitplanke.common.actors import Actor
from leitplanke.common.csvfile import ImportFailed, Record, RowError, column_key, read_table
from leitplanke.common.permissions import allowed
from leitplanke.common.transactions import write_atomic

from . import services
from .models import Kpi, Measurement

REQUIRED = ("usecase", "kpi", "measured_on", "value")
OPTIONAL = ("note",)
#: Larger files are refused before they are read.
MAX_BYTES = csvfile.MAX_BYTES
#: More data rows than this are refused (split the file).
MAX_ROWS = csvfile.MAX_ROWS


@dataclass(frozen=True)
class MeasurementImportSummary:
    """What an import recorded (or, for a dry run, would record)."""

    recorded: int
    dry_run: bool = False

    @property
    def message(self) -> str:
        """One translated sentence for people and the command line."""
        if self.dry_run:
            return ngettext(
                "Check passed, nothing was written: %(count)d measurement would be recorded.",
                "Check passed, nothing was written: %(count)d measurements would be recorded.",
                self.recorded,
            ) % {"count": self.recorded}
        return ngettext(
            "Import complete: %(count)d measurement recorded.",
            "Import complete: %(count)d measurements recorded.",
            self.recorded,
        ) % {"count": self.recorded}


@dataclass(frozen=True)
class _Planned:
    line: int
    kpi: Kpi
    measured_on: dt.date
    value: Decimal
    note: str


def _is_xlsx(data: bytes) -> bool:
    return data[:4] == b"PK\x03\x04"


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _read_xlsx(data: bytes) -> tuple[list[Record], list[RowError]]:
    """The first sheet of a workbook as records; row numbers are the lines."""
    import openpyxl  # a heavy import, needed only for workbooks

    if len(data) > MAX_BYTES:
        raise ImportFailed([RowError(None, "", _("The file is too large."))])
    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise ImportFailed([RowError(None, "", _("The file cannot be read as an Excel workbook (XLSX)."))]) from exc
    sheet = book.worksheets[0]
    rows = sheet.iter_rows(values_only=True)
    header = [column_key(_cell(value)) for value in next(rows, ())]
    known = {column_key(name): name for name in (*REQUIRED, *OPTIONAL)}
    columns = [known.get(key) for key in header]
    errors = [
        RowError(1, "", _("Unknown column “%(column)s”.") % {"column": key})
        for key, name in zip(header, columns, strict=True)
        if key and name is None
    ]
    missing = [name for name in REQUIRED if name not in columns]
    errors += [RowError(1, name, _("This column is missing.")) for name in missing]
    if errors:
        raise ImportFailed(errors)
    records: list[Record] = []
    for line, values in enumerate(rows, start=2):
        cells = [_cell(value) for value in values]
        if not any(cells):
            continue
        if len(records) >= MAX_ROWS:
            raise ImportFailed([RowError(None, "", _("The file has too many rows; split it."))])
        records.append(Record(line, {name: cell for name, cell in zip(columns, cells, strict=False) if name}))
    book.close()
    return records, []


def _date(text: str) -> dt.date | None:
    """An ISO date (2026-11-30) or a German one (30.11.2026)."""
    parts = text.split(".")
    try:
        if len(parts) == 3 and all(part.isdigit() for part in parts):
            return dt.date(int(parts[2]), int(parts[1]), int(parts[0]))
        return dt.date.fromisoformat(text) if len(text) == 10 else None
    except ValueError:
        return None


def _decimal(text: str) -> Decimal | None:
    cleaned = text.replace(" ", "").replace("\u00a0", "")
    if "," in cleaned:  # German: 1.234,5
        cleaned = cleaned.replace(".", "").replace(",", ".")
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        return None
    return value if value.is_finite() and abs(value) < Decimal("1e12") else None


def _plan(actor: Actor, records: list[Record], errors: list[RowError]) -> list[_Planned]:
    ids = {int(r.cells.get("usecase", "")) for r in records if r.cells.get("usecase", "").isdigit()}
    kpis: dict[tuple[int, str], Kpi] = {}
    for found in Kpi.objects.filter(usecase_id__in=ids).select_related("usecase", "usecase__unit"):
        kpis[(found.usecase_id, found.name.casefold())] = found
    may: dict[int, bool] = {}
    today = clock.localdate()
    seen: set[tuple[int, dt.date]] = set()
    planned: list[_Planned] = []
    for record in records:
        cells = record.cells
        line = record.line
        problems = len(errors)
        usecase = cells.get("usecase", "")
        kpi = kpis.get((int(usecase), cells.get("kpi", "").casefold())) if usecase.isdigit() else None
        if kpi is None:
            errors.append(RowError(line, "kpi", _("The use case has no KPI of this name.")))
        elif not may.setdefault(kpi.pk, allowed(actor, "impact.manage_kpi", kpi)):
            errors.append(RowError(line, "kpi", _("You may not record measurements of this KPI.")))
        measured_on = _date(cells.get("measured_on", ""))
        if measured_on is None:
            errors.append(RowError(line, "measured_on", _("Enter a date such as 2026-11-30 or 30.11.2026.")))
        elif measured_on > today:
            errors.append(RowError(line, "measured_on", _("A measurement cannot lie in the future.")))
        value = _decimal(cells.get("value", ""))
        if value is None:
            errors.append(RowError(line, "value", _("Enter a number such as 12.5 or 12,5.")))
        note = cells.get("note", "")
        if len(note) > Measurement._meta.get_field("note").max_length:  # type: ignore[operator]
            errors.append(RowError(line, "note", _("The note is too long (at most 300 characters).")))
        if len(errors) > problems or kpi is None or measured_on is None or value is None:
            continue
        if (kpi.pk, measured_on) in seen:
            errors.append(
                RowError(line, "measured_on", _("An earlier line has a measurement of this KPI for this day."))
            )
            continue
        seen.add((kpi.pk, measured_on))
        planned.append(_Planned(line, kpi, measured_on, value, note))
    taken = set(Measurement.objects.filter(kpi_id__in={p.kpi.pk for p in planned}).values_list("kpi_id", "measured_on"))
    for item in planned:
        if (item.kpi.pk, item.measured_on) in taken:
            errors.append(RowError(item.line, "measured_on", _("This KPI already has a measurement for this day.")))
    return planned


def measurements_import(*, actor: Actor, data: bytes, dry_run: bool = False) -> MeasurementImportSummary:
    """Record every measurement of the file, or none (``ImportFailed`` names each faulty line)."""
    if _is_xlsx(data):
        records, errors = _read_xlsx(data)
    else:
        records, errors = read_table(data, required=REQUIRED, optional=OPTIONAL, max_bytes=MAX_BYTES, max_rows=MAX_ROWS)
    errors = list(errors)
    if not records and not errors:
        raise ImportFailed([RowError(None, "", _("The file has no measurements."))])
    with write_atomic():
        planned = _plan(actor, records, errors)
        if errors:
            raise ImportFailed(errors)
        if not dry_run:
            for item in planned:
                services.measurement_record(
                    actor=actor, kpi=item.kpi, measured_on=item.measured_on, value=item.value, note=item.note
                )
    return MeasurementImportSummary(recorded=len(planned), dry_run=dry_run)
