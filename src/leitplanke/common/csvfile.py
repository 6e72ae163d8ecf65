"""Reading CSV files as spreadsheets and HR or learning systems write them, for imports of any kind.

:func:`read_table` turns the bytes of an upload into :class:`Record` objects, one per data row,
with cells keyed by the caller's column names. It accepts what people actually produce:

* UTF-8 with or without byte order mark, UTF-16 with byte order mark ("Unicode text"), otherwise
  Windows-1252 (older Excel); binary files such as XLSX are refused.
* ``,``, ``;`` (German Excel) or tab as delimiter, whichever makes the header name the most known
  columns.
* Header names that differ in case, blanks, hyphens and underscores ("E-Mail", "Lead of").
* Cells with line breaks inside quotation marks; every record carries the line it starts on, as a
  text editor numbers it. Blank lines are skipped.

Problems are :class:`RowError` objects. Those that stop reading (the file, its header) raise
:class:`ImportFailed`; those of single rows are returned, so an importer can report them together
with its own checks and refuse the file as a whole.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from leitplanke.common.errors import DomainError

#: The default size limit: larger files are refused before they are read.
MAX_BYTES = 5 * 1024 * 1024
#: The default row limit: more data rows than this are refused (split the file).
MAX_ROWS = 50_000

_DELIMITERS = (",", ";", "\t")


@dataclass(frozen=True)
class RowError:
    """One problem in the file: the line where its record starts (1 = header, None = the whole file)."""

    line: int | None
    column: str
    message: str

    def __str__(self) -> str:
        # Not translated: the command line prints this stable format for scripts to read.
        where = "file" if self.line is None else f"line {self.line}"
        return f"{where}: {self.column}: {self.message}" if self.column else f"{where}: {self.message}"


class ImportFailed(DomainError):
    """The file was refused; ``errors`` names every faulty line. Nothing was written."""

    code = "import_failed"

    def __init__(self, errors: Iterable[RowError]) -> None:
        self.errors = sorted(errors, key=lambda e: -1 if e.line is None else e.line)
        count = len(self.errors)
        super().__init__(
            ngettext(
                "The file has %(count)d error; nothing was imported.",
                "The file has %(count)d errors; nothing was imported.",
                count,
            )
            % {"count": count},
            field="file",
        )


@dataclass(frozen=True)
class Record:
    """One data row: the line it starts on and its cells by column name (blank for missing cells)."""

    line: int
    cells: dict[str, str]


def read_table(
    data: bytes,
    *,
    required: Sequence[str],
    optional: Sequence[str] = (),
    max_bytes: int = MAX_BYTES,
    max_rows: int = MAX_ROWS,
) -> tuple[list[Record], list[RowError]]:
    """Read a CSV file into records, or refuse it if it cannot be read or its header is wrong.

    ``required`` and ``optional`` are the column names the header may use; a record's cells are
    keyed by them and stripped, and every column of the header is present (blank if the row is
    short). Unknown, repeated or missing required columns refuse the file with errors on line 1.

    Returns the records and the errors of single rows (which the caller reports with its own).
    Line numbers are those of the line where a record starts, so a cell with line breaks inside
    quotation marks shifts the numbers of the following records as a text editor shows them.
    """
    known = (*required, *optional)
    records: list[Record] = []
    row_errors: list[RowError] = []
    columns: list[str | None] = []
    for line, cells in _rows(data, known=known, max_bytes=max_bytes, max_rows=max_rows):
        if line == 1:
            columns = _read_header(cells, required=required, optional=optional)
            continue
        extra = cells[len(columns) :]
        if any(cell.strip() for cell in extra):
            row_errors.append(RowError(line, "", _("This line has more cells than the header has columns.")))
        values = {name: "" for name in columns if name}
        for name, cell in zip(columns, cells, strict=False):
            if name:
                values[name] = cell.strip()
        records.append(Record(line, values))
    return records, row_errors


@dataclass(frozen=True)
class Row:
    """One data row as it stands in the file: the line it starts on and its cells in column order."""

    line: int
    cells: list[str]


def read_rows(
    data: bytes,
    *,
    known: Sequence[str] = (),
    max_bytes: int = MAX_BYTES,
    max_rows: int = MAX_ROWS,
) -> tuple[list[str], list[Row]]:
    """Read a CSV file whose header the caller interprets itself: the header's cells and the data rows.

    For files written by other systems, whose headers may repeat a name (a questionnaire's "If other,
    please explain.") or carry columns nobody needs. Encodings, delimiters, blank lines, line numbers
    and limits are handled as by :func:`read_table`; ``known`` are column names that help to detect
    the delimiter. Cells are returned as they are (not stripped); the header's cells are stripped.
    """
    header: list[str] = []
    rows: list[Row] = []
    for line, cells in _rows(data, known=known, max_bytes=max_bytes, max_rows=max_rows):
        if line == 1:
            header = [cell.strip().lstrip("\ufeff") for cell in cells]
        else:
            rows.append(Row(line, cells))
    return header, rows


def column_key(raw: str) -> str:
    """How header names are compared: regardless of case, blanks, hyphens and underscores."""
    return _column_key(raw)


def _rows(data: bytes, *, known: Sequence[str], max_bytes: int, max_rows: int) -> Iterator[tuple[int, list[str]]]:
    """The header (line 1) and every non-blank data row with the line it starts on; refuses unreadable files."""
    if len(data) > max_bytes:
        raise _file_error(
            _("The file is larger than %(max)d MB. Split it into smaller files.") % {"max": max_bytes // (1024 * 1024)}
        )
    text = _decode(data)
    if "\x00" in text:
        raise _file_error(_("The file is not a CSV text file. Save it as “CSV UTF-8” or “CSV (semicolon separated)”."))
    first_line = re.split(r"\r\n|\r|\n", text, maxsplit=1)[0]
    if not first_line.strip():
        raise _file_error(
            _("The first line must name the columns: %(columns)s.") % {"columns": ", ".join(known)}, line=1
        )
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_detect_delimiter(first_line, known), strict=True)
    count = 0
    previous_end = 0
    try:
        for cells in reader:
            line, previous_end = previous_end + 1, reader.line_num
            if line == 1:
                yield line, cells
                continue
            if not any(cell.strip() for cell in cells):
                continue
            if count >= max_rows:
                message = _("The file has more than %(max)d rows. Split it into smaller files.") % {"max": max_rows}
                raise _file_error(message, line=line)
            count += 1
            yield line, cells
    except csv.Error as exc:
        message = _(
            "This line cannot be read: a quoted cell is not closed, or a closing quotation mark is not followed "
            "by the delimiter."
        )
        raise _file_error(message, line=previous_end + 1) from exc


def field_errors(model: type[models.Model], field_name: str, value: str, *, line: int, column: str) -> list[RowError]:
    """The model field's own validation of one cell (length, format), as row errors."""
    try:
        model._meta.get_field(field_name).clean(value, None)  # type: ignore[union-attr]
    except ValidationError as exc:
        return [RowError(line, column, message) for message in exc.messages]
    return []


def _file_error(message: str, *, line: int | None = None) -> ImportFailed:
    """A problem that stops reading: the file as a whole (``line=None``) or from one line on."""
    return ImportFailed([RowError(line, "", message)])


def _decode(data: bytes) -> str:
    """UTF-8 (with or without BOM) or UTF-16 with BOM, else Windows-1252 (what older Excel writes)."""
    if data.startswith(codecs.BOM_UTF8):
        try:
            return data[len(codecs.BOM_UTF8) :].decode("utf-8")
        except UnicodeDecodeError as exc:
            raise _file_error(_("The file is marked as UTF-8 but contains invalid characters.")) from exc
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise _file_error(_("The file is marked as UTF-16 but contains invalid characters.")) from exc
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError as exc:
        raise _file_error(
            _("The file is not a CSV text file. Save it as “CSV UTF-8” or “CSV (semicolon separated)”.")
        ) from exc


def _column_key(raw: str) -> str:
    """Header names match regardless of case, blanks, hyphens and underscores ("E-Mail", "Lead of")."""
    return re.sub(r"[\s\-_\ufeff]+", "", raw.lower())


def _detect_delimiter(first_line: str, known: Sequence[str]) -> str:
    """The delimiter that turns the header into the most known column names (German Excel writes ``;``)."""

    def score(delimiter: str) -> tuple[int, int]:
        names = next(csv.reader([first_line], delimiter=delimiter), [])
        keys = {_column_key(name) for name in known}
        return sum(1 for name in names if _column_key(name) in keys), first_line.count(delimiter)

    return max(_DELIMITERS, key=score)


def _read_header(cells: list[str], *, required: Sequence[str], optional: Sequence[str]) -> list[str | None]:
    """The column name of every cell of the header (``None`` for unnamed cells); header errors are line 1."""
    known = {_column_key(name): name for name in (*required, *optional)}
    expected = ", ".join(known.values())
    errors: list[RowError] = []
    columns: list[str | None] = []
    for raw in cells:
        if not _column_key(raw):
            columns.append(None)
            continue
        key = known.get(_column_key(raw), "")
        if not key:
            errors.append(
                RowError(1, raw.strip(), _("Unknown column. Expected columns: %(columns)s.") % {"columns": expected})
            )
        elif key in columns:
            errors.append(RowError(1, key, _("This column appears more than once.")))
        columns.append(key or None)
    for name in required:
        if name not in columns:
            errors.append(RowError(1, name, _("This required column is missing.")))
    if errors:
        raise ImportFailed(errors)
    return columns
