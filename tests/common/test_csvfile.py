"""The CSV reader shared by all imports: encodings, delimiters, headers, line numbers, limits."""

from __future__ import annotations

import codecs

import pytest
from django.utils import translation

from leitplanke.accounts.models import User
from leitplanke.common.csvfile import ImportFailed, Record, RowError, field_errors, read_table

# A column set of no existing import (training records from a learning platform), to show that
# the reader is not tied to units or people.
REQUIRED = ("email", "course")
OPTIONAL = ("completed_on", "score")
HEADER = "email,course,completed_on,score"


def csv_file(*lines: str, encoding: str = "utf-8", newline: str = "\n") -> bytes:
    """The lines of a CSV file as the bytes an upload gives."""
    return (newline.join(lines) + newline).encode(encoding)


def read(data: bytes, **limits: int) -> list[tuple[int, dict[str, str]]]:
    """The records of a file that must read without any row errors, as (line, cells)."""
    records, errors = read_table(data, required=REQUIRED, optional=OPTIONAL, **limits)
    assert errors == []
    return [(record.line, record.cells) for record in records]


def refusal(data: bytes, **limits: int) -> list[tuple[int | None, str]]:
    """The (line, column) of every error of a file the reader refuses."""
    with pytest.raises(ImportFailed) as exc:
        read_table(data, required=REQUIRED, optional=OPTIONAL, **limits)
    return [(error.line, error.column) for error in exc.value.errors]


# --- encodings ----------------------------------------------------------------------------------


def test_plain_utf8_is_read():
    data = csv_file(HEADER, "anna@acme.example,KI-Grundlagen,2026-03-01,90")

    assert read(data) == [
        (2, {"email": "anna@acme.example", "course": "KI-Grundlagen", "completed_on": "2026-03-01", "score": "90"})
    ]


def test_a_utf8_byte_order_mark_is_not_part_of_the_first_column_name():
    data = codecs.BOM_UTF8 + csv_file("email,course", "jürgen@acme.example,Datenschutz für alle")

    assert read(data) == [(2, {"email": "jürgen@acme.example", "course": "Datenschutz für alle"})]


def test_a_utf8_byte_order_mark_with_invalid_bytes_after_it_is_refused():
    data = codecs.BOM_UTF8 + csv_file("email,course", "x@acme.example,Gesch\xe4ft", encoding="cp1252")

    with translation.override("en"), pytest.raises(ImportFailed) as exc:
        read_table(data, required=REQUIRED)

    assert [(e.line, e.column) for e in exc.value.errors] == [(None, "")]
    assert "marked as UTF-8" in exc.value.errors[0].message


def test_windows_1252_umlauts_as_older_excel_writes_them_are_read():
    data = csv_file("email;course", "j.mueller@acme.example;Geschäftsführung: Größe & Maß", encoding="cp1252")

    assert read(data)[0][1]["course"] == "Geschäftsführung: Größe & Maß"


@pytest.mark.parametrize(("bom", "encoding"), [(codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be")])
def test_utf16_with_a_byte_order_mark_as_excel_saves_unicode_text_is_read(bom, encoding):
    data = bom + "email\tcourse\r\nanna@acme.example\tKI für Führungskräfte\r\n".encode(encoding)

    assert read(data) == [(2, {"email": "anna@acme.example", "course": "KI für Führungskräfte"})]


def test_a_spreadsheet_file_that_is_not_csv_is_refused_as_a_whole():
    xlsx = b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00\x81\x8d\x90\x9d binary"

    assert refusal(xlsx) == [(None, "")]


def test_utf16_without_a_byte_order_mark_is_refused_as_binary():
    data = "email,course\r\nanna@acme.example,KI\r\n".encode("utf-16-le")

    assert refusal(data) == [(None, "")]


# --- delimiters ---------------------------------------------------------------------------------


def test_semicolons_as_german_excel_writes_them_are_detected():
    data = csv_file("email;course;score", "anna@acme.example;KI, Teil 1;90")

    assert read(data) == [(2, {"email": "anna@acme.example", "course": "KI, Teil 1", "score": "90"})]


def test_tabs_are_detected():
    data = csv_file("email\tcourse", "anna@acme.example\tKI; Teil 1, Grundlagen")

    assert read(data) == [(2, {"email": "anna@acme.example", "course": "KI; Teil 1, Grundlagen"})]


def test_the_delimiter_is_the_one_that_names_the_most_known_columns():
    data = csv_file('"E-Mail, privat";course;score', "anna@acme.example;KI;90")  # commas inside a quoted name

    with pytest.raises(ImportFailed) as exc:
        read_table(data, required=REQUIRED, optional=OPTIONAL)

    assert [(e.line, e.column) for e in exc.value.errors] == [(1, "E-Mail, privat"), (1, "email")]


# --- header -------------------------------------------------------------------------------------


def test_header_names_ignore_case_blanks_hyphens_underscores_and_order():
    data = csv_file(" Score ,Completed On,COURSE,E-Mail", "90,2026-03-01,KI,anna@acme.example")

    assert read(data) == [
        (2, {"score": "90", "completed_on": "2026-03-01", "course": "KI", "email": "anna@acme.example"})
    ]


def test_optional_columns_may_be_left_out_of_the_header():
    assert read(csv_file("course,email", "KI,anna@acme.example")) == [
        (2, {"course": "KI", "email": "anna@acme.example"})
    ]


def test_an_unknown_column_is_reported_on_line_1_with_the_expected_columns():
    with translation.override("en"), pytest.raises(ImportFailed) as exc:
        read_table(csv_file("email,course,Note", "a@acme.example,KI,1"), required=REQUIRED, optional=OPTIONAL)

    assert [(e.line, e.column) for e in exc.value.errors] == [(1, "Note")]
    assert "email, course, completed_on, score" in exc.value.errors[0].message


def test_a_missing_required_column_is_reported_on_line_1():
    assert refusal(csv_file("email,score", "a@acme.example,1")) == [(1, "course")]


def test_a_column_named_twice_is_reported_on_line_1():
    assert refusal(csv_file("email,course,E-Mail", "a@acme.example,KI,b@acme.example")) == [(1, "email")]


def test_every_header_problem_is_reported_at_once():
    assert refusal(csv_file("Email,Kurs,email", "a,b,c")) == [(1, "Kurs"), (1, "email"), (1, "course")]


def test_unnamed_header_cells_are_ignored_with_their_cells():
    assert read(csv_file("email,,course,", "a@acme.example,ignored,KI,")) == [
        (2, {"email": "a@acme.example", "course": "KI"})
    ]


def test_an_empty_file_is_refused_on_line_1():
    assert refusal(b"") == [(1, "")]


def test_a_blank_first_line_is_refused_on_line_1():
    assert refusal(csv_file("", "email,course")) == [(1, "")]


# --- records and line numbers -------------------------------------------------------------------


def test_cells_are_stripped_and_missing_cells_are_blank():
    assert read(csv_file(HEADER, " a@acme.example , KI ")) == [
        (2, {"email": "a@acme.example", "course": "KI", "completed_on": "", "score": ""})
    ]


def test_a_multi_line_cell_shifts_the_line_numbers_of_the_following_records():
    data = csv_file(
        "email,course",
        'a@acme.example,"KI',
        "für",
        'Führungskräfte"',
        "b@acme.example,Datenschutz",
        newline="\r\n",
    )

    assert read(data) == [
        (2, {"email": "a@acme.example", "course": "KI\r\nfür\r\nFührungskräfte"}),
        (5, {"email": "b@acme.example", "course": "Datenschutz"}),
    ]


def test_blank_lines_are_skipped_without_shifting_line_numbers():
    data = csv_file("email,course", "", "a@acme.example,KI", ",", "  ,  ", "b@acme.example,KI", "", "")

    assert [line for line, _cells in read(data)] == [3, 6]


def test_a_record_returns_its_line_and_cells():
    records, _errors = read_table(csv_file("email,course", "a@acme.example,KI"), required=REQUIRED)

    assert records == [Record(2, {"email": "a@acme.example", "course": "KI"})]


def test_more_cells_than_columns_is_an_error_of_that_line_and_the_record_is_kept():
    records, errors = read_table(
        csv_file("email,course", "a@acme.example,KI", "b@acme.example,KI,surprise"), required=REQUIRED
    )

    assert [(e.line, e.column) for e in errors] == [(3, "")]
    assert [record.line for record in records] == [2, 3]


def test_blank_cells_beyond_the_header_are_no_error():
    records, errors = read_table(csv_file("email,course", "a@acme.example,KI,, "), required=REQUIRED)

    assert errors == []
    assert records[0].cells == {"email": "a@acme.example", "course": "KI"}


def test_an_unclosed_quotation_mark_is_reported_where_its_record_starts():
    data = csv_file("email,course", "a@acme.example,KI", 'b@acme.example,"KI', "c@acme.example,KI")

    assert refusal(data) == [(3, "")]


def test_text_after_a_closing_quotation_mark_is_reported_where_its_record_starts():
    data = csv_file("email,course", 'a@acme.example,"KI', ' Teil 1"x', "b@acme.example,KI")

    assert refusal(data) == [(2, "")]


# --- limits -------------------------------------------------------------------------------------


def test_a_file_over_the_size_limit_is_refused_as_a_whole():
    data = csv_file("email,course", *["a@acme.example,KI"] * 10)

    with translation.override("en"), pytest.raises(ImportFailed) as exc:
        read_table(data, required=REQUIRED, max_bytes=len(data) - 1)

    assert [(e.line, e.column) for e in exc.value.errors] == [(None, "")]
    assert "larger than" in exc.value.errors[0].message


def test_a_file_of_exactly_the_size_limit_is_read():
    data = csv_file("email,course", "a@acme.example,KI")

    assert len(read(data, max_bytes=len(data))) == 1


def test_more_rows_than_the_limit_are_refused_at_the_first_row_too_many():
    data = csv_file("email,course", *[f"u{n}@acme.example,KI" for n in range(5)])

    assert refusal(data, max_rows=3) == [(5, "")]


def test_blank_lines_do_not_count_towards_the_row_limit():
    data = csv_file("email,course", "a@acme.example,KI", "", "", "b@acme.example,KI")

    assert len(read(data, max_rows=2)) == 2


# --- errors -------------------------------------------------------------------------------------


def test_a_row_error_prints_in_a_stable_format_for_scripts():
    assert str(RowError(3, "email", "Bad.")) == "line 3: email: Bad."
    assert str(RowError(None, "", "Too large.")) == "file: Too large."


def test_import_failed_lists_file_errors_first_then_by_line():
    with translation.override("en"):
        failure = ImportFailed([RowError(5, "a", "x"), RowError(None, "", "y"), RowError(2, "b", "z")])

    assert [error.line for error in failure.errors] == [None, 2, 5]
    assert (failure.code, failure.field) == ("import_failed", "file")
    assert str(failure.message) == "The file has 3 errors; nothing was imported."


def test_field_errors_reports_a_model_fields_own_validation_as_row_errors():
    errors = field_errors(User, "email", "not-an-address", line=4, column="E-Mail")

    assert [(e.line, e.column) for e in errors] == [(4, "E-Mail")]


def test_field_errors_accepts_a_valid_cell():
    assert field_errors(User, "email", "a@acme.example", line=4, column="email") == []
