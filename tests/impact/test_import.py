"""Measurements from CSV and XLSX: all or nothing, every faulty line named, the importer's rights checked."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from leitplanke.audit.models import Event
from leitplanke.impact import services
from leitplanke.impact.importing import ImportFailed, measurements_import
from leitplanke.impact.models import Kpi, Measurement

pytestmark = pytest.mark.django_db


def _csv(kpi: Kpi, *rows: str) -> bytes:
    return ("usecase;kpi;measured_on;value;note\n" + "".join(f"{row}\n" for row in rows)).encode()


def test_a_csv_file_records_every_measurement_with_its_audit_event(org: Any, kpi: Kpi) -> None:
    u = kpi.usecase_id
    data = _csv(
        kpi, f"{u};Bearbeitungszeit gespart;2026-01-31;4,5;Januar", f"{u};bearbeitungszeit gespart;28.02.2026;6;"
    )

    summary = measurements_import(actor=org.member, data=data)

    assert summary.recorded == 2
    assert sorted(Measurement.objects.values_list("measured_on", "value", "note")) == [
        (dt.date(2026, 1, 31), Decimal("4.50"), "Januar"),
        (dt.date(2026, 2, 28), Decimal("6.00"), ""),
    ]
    assert Event.objects.filter(action="impact.measurement.recorded").count() == 2


def test_a_faulty_file_records_nothing_and_names_each_line(org: Any, kpi: Kpi) -> None:
    u = kpi.usecase_id
    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    data = _csv(
        kpi,
        f"{u};Bearbeitungszeit gespart;2026-01-31;4",  # fine
        f"{u};Unbekannt;2026-01-31;4",  # line 3
        f"{u};Bearbeitungszeit gespart;31/01/2026;4",  # line 4
        f"{u};Bearbeitungszeit gespart;{tomorrow};vier",  # line 5: two problems
        f"{u};Bearbeitungszeit gespart;2026-01-31;5",  # line 6: twice in the file
    )

    with pytest.raises(ImportFailed) as failed:
        measurements_import(actor=org.member, data=data)

    assert [(e.line, e.column) for e in failed.value.errors] == [
        (3, "kpi"),
        (4, "measured_on"),
        (5, "measured_on"),
        (5, "value"),
        (6, "measured_on"),
    ]
    assert not Measurement.objects.exists()


def test_measurements_already_recorded_and_kpis_of_other_units_are_refused(org: Any, kpi: Kpi) -> None:
    services.measurement_record(actor=org.member, kpi=kpi, measured_on=dt.date(2026, 1, 31), value=Decimal(1))
    u = kpi.usecase_id

    with pytest.raises(ImportFailed) as taken:
        measurements_import(actor=org.member, data=_csv(kpi, f"{u};Bearbeitungszeit gespart;2026-01-31;4"))
    with pytest.raises(ImportFailed) as foreign:
        measurements_import(actor=org.outsider, data=_csv(kpi, f"{u};Bearbeitungszeit gespart;2026-02-28;4"))

    assert [(e.line, e.column) for e in taken.value.errors] == [(2, "measured_on")]
    assert [(e.line, e.column) for e in foreign.value.errors] == [(2, "kpi")]
    assert Measurement.objects.count() == 1


def test_a_workbook_is_read_like_a_csv_file(org: Any, kpi: Kpi) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Use case", "KPI", "Measured on", "Value"])
    sheet.append([kpi.usecase_id, "Bearbeitungszeit gespart", dt.date(2026, 3, 31), 7.5])
    sheet.append([kpi.usecase_id, "Bearbeitungszeit gespart", "2026-04-30", "x"])
    buffer = io.BytesIO()
    book.save(buffer)

    with pytest.raises(ImportFailed) as failed:
        measurements_import(actor=org.member, data=buffer.getvalue())
    assert [(e.line, e.column) for e in failed.value.errors] == [(3, "value")]

    sheet.delete_rows(3, 1)
    buffer = io.BytesIO()
    book.save(buffer)
    assert measurements_import(actor=org.member, data=buffer.getvalue()).recorded == 1
    assert Measurement.objects.get().value == Decimal("7.50")


def test_the_command_imports_as_the_system_and_prints_the_faulty_lines(kpi: Kpi, tmp_path: Path, capsys) -> None:
    path = tmp_path / "messwerte.csv"
    path.write_bytes(_csv(kpi, f"{kpi.usecase_id};Bearbeitungszeit gespart;2026-01-31;4", "99999;X;2026-01-31;4"))

    with pytest.raises(CommandError):
        call_command("import", "measurements", str(path))
    assert "line 3: kpi:" in capsys.readouterr().err
    assert not Measurement.objects.exists()

    path.write_bytes(_csv(kpi, f"{kpi.usecase_id};Bearbeitungszeit gespart;2026-01-31;4"))
    call_command("import", "measurements", str(path), "--dry-run")
    assert not Measurement.objects.exists()
    call_command("import", "measurements", str(path))
    assert Measurement.objects.get().recorded_by is None
