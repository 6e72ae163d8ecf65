"""Reading CSV files as spreadsheets and HR systems write them: encodings, delimiters, odd lines."""

from __future__ import annotations

import codecs

import pytest

from leitplanke.accounts.models import User
from leitplanke.common.csvfile import ImportFailed, read_table
from leitplanke.org import importing
from leitplanke.org.importing import people_import, units_import
from leitplanke.org.models import OrgUnit

from .support import csv_file

UNIT_HEADER = "code,name,kind,parent"


def _read(data: bytes) -> list[tuple[int, dict[str, str]]]:
    records, errors = read_table(data, required=importing.UNIT_COLUMNS)
    assert errors == []
    return [(record.line, record.cells) for record in records]


def _failure(data: bytes) -> list[tuple[int | None, str]]:
    with pytest.raises(ImportFailed) as exc:
        read_table(data, required=importing.UNIT_COLUMNS)
    return [(error.line, error.column) for error in exc.value.errors]


@pytest.mark.django_db
def test_a_semicolon_separated_windows_1252_file_with_umlauts_imports():
    data = csv_file(
        "Code;Name;Kind;Parent",
        "bsp;Beispiel AG;company;",
        "gf;Geschäftsführung;department;bsp",
        'ks;"Kundenservice; Beschwerden & Qualität";department;bsp',
        encoding="cp1252",
        newline="\r\n",
    )

    summary = units_import(actor=None, data=data)

    assert summary.created == 3
    assert OrgUnit.objects.get(code="gf").name == "Geschäftsführung"
    assert OrgUnit.objects.get(code="ks").name == "Kundenservice; Beschwerden & Qualität"


def test_utf8_with_a_byte_order_mark_is_read():
    data = codecs.BOM_UTF8 + csv_file(UNIT_HEADER, "gf,Geschäftsführung,department,acme")

    assert _read(data) == [(2, {"code": "gf", "name": "Geschäftsführung", "kind": "department", "parent": "acme"})]


def test_utf16_as_excel_saves_unicode_text_is_read():
    data = "code\tname\tkind\tparent\r\ngf\tGeschäftsführung\tdepartment\tacme\r\n".encode("utf-16")

    assert _read(data)[0][1]["name"] == "Geschäftsführung"


def test_header_names_ignore_case_blanks_and_column_order():
    data = csv_file(" Parent , NAME,Kind,code", "acme,Finanzen,department,fin")

    assert _read(data) == [(2, {"parent": "acme", "name": "Finanzen", "kind": "department", "code": "fin"})]


def test_a_line_break_inside_a_quoted_cell_shifts_the_line_numbers():
    data = csv_file(
        UNIT_HEADER,
        'fin,"Finanzen',
        'und Controlling",department,acme',
        "it,IT,department,acme",
    )

    assert [line for line, _cells in _read(data)] == [2, 4]


@pytest.mark.django_db
def test_an_error_after_a_multi_line_cell_names_the_line_where_its_record_starts(company):
    data = csv_file(
        UNIT_HEADER,
        'fin,"Finanzen',
        "und",
        'Controlling",department,acme',
        "it,IT,division,acme",
    )

    with pytest.raises(ImportFailed) as exc:
        units_import(actor=None, data=data)

    assert [(e.line, e.column) for e in exc.value.errors] == [(5, "kind")]


def test_empty_lines_are_ignored_and_do_not_shift_numbers():
    data = csv_file(UNIT_HEADER, "", "fin,Finanzen,department,acme", ",,,", "", "")

    assert [line for line, _cells in _read(data)] == [3]


def test_missing_and_unknown_columns_are_reported_on_line_1():
    data = csv_file("code;name;typ", "fin;Finanzen;department")

    assert _failure(data) == [(1, "typ"), (1, "kind"), (1, "parent")]


def test_a_column_named_twice_is_reported():
    assert _failure(csv_file("code,name,kind,parent,Name", "x,y,team,z,w")) == [(1, "name")]


def test_an_empty_file_is_refused():
    assert _failure(b"") == [(1, "")]


def test_more_cells_than_columns_is_an_error_of_that_line():
    records, errors = read_table(
        csv_file(UNIT_HEADER, "fin,Finanzen,department,acme,surprise"),
        required=("code",),
        optional=("name", "kind", "parent"),
    )

    assert [(e.line, e.column) for e in errors] == [(2, "")]
    assert len(records) == 1


def test_an_unclosed_quotation_mark_is_reported_where_its_record_starts():
    data = csv_file(UNIT_HEADER, "fin,Finanzen,department,acme", 'it,"IT,department,acme', "x,X,team,it")

    assert _failure(data) == [(3, "")]


def test_a_file_over_the_size_limit_is_refused_before_reading(monkeypatch):
    monkeypatch.setattr(importing, "MAX_BYTES", 100)

    with pytest.raises(ImportFailed) as exc:
        units_import(actor=None, data=csv_file(UNIT_HEADER, *["fin,Finanzen,department,acme"] * 10), dry_run=True)

    assert [(e.line, e.column) for e in exc.value.errors] == [(None, "")]
    assert "MB" in exc.value.errors[0].message


def test_more_rows_than_the_limit_are_refused(monkeypatch):
    monkeypatch.setattr(importing, "MAX_ROWS", 3)

    with pytest.raises(ImportFailed) as exc:
        units_import(actor=None, data=csv_file(UNIT_HEADER, *[f"u{n},U,team,x" for n in range(5)]), dry_run=True)

    assert [(e.line, e.column) for e in exc.value.errors] == [(5, "")]


def test_a_spreadsheet_file_that_is_not_csv_is_refused():
    xlsx = b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00\x81\x8d\x90\x9d binary"

    assert _failure(xlsx) == [(None, "")]


@pytest.mark.django_db
def test_a_people_file_as_german_excel_saves_it_imports():
    data = csv_file("E-Mail;Display Name;Sprache", "j.mueller@acme.example;Jürgen Müller;de", encoding="cp1252")

    with pytest.raises(ImportFailed) as exc:  # "Sprache" is not one of our columns
        people_import(actor=None, data=data)
    assert [(e.line, e.column) for e in exc.value.errors] == [(1, "Sprache")]

    people_import(actor=None, data=data.replace(b"Sprache", b"Language"))
    assert User.objects.get(email="j.mueller@acme.example").display_name == "Jürgen Müller"
