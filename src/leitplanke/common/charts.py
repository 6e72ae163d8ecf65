"""Charts as server-rendered SVG: horizontal bars, a funnel, a line over time.

No JavaScript and no library in the browser: a chart is an ``<svg role="img">`` with a ``<title>``
and an ``aria-label``, printable as it is (every value is written on the chart, nothing depends on
hovering). The colours are the Okabe–Ito palette, which people with the common forms of colour
blindness tell apart.

The caller passes its labels translated; numbers and dates are formatted with Django's localisation
of the active language (German "1.234,5", English "1,234.5"). Every label is escaped: user text
(unit names, use case titles) goes into the SVG.

Each chart carries its data twice more: as ``header``/``rows`` of display strings for an accessible
HTML table under it (``web/chart.html`` renders the three together) and as ``records`` of raw values
for :func:`csv_response`, which writes them like the other exports (UTF-8 with byte order mark,
``;`` as delimiter, numbers with a decimal point, cells that look like a formula behind an
apostrophe).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.http import HttpResponse
from django.utils import formats
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

Number = int | float | Decimal

#: Okabe–Ito: blue, orange, bluish green, vermillion, sky blue, reddish purple, yellow, black.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#56B4E9", "#CC79A7", "#F0E442", "#000000")
TEXT = "#1a1a1a"
MUTED = "#5f6368"
GRID = "#d0d4d9"
FONT = "DejaVu Sans, Verdana, Arial, sans-serif"

WIDTH = 640
BAR_HEIGHT = 18
BAR_GAP = 10
LABEL_WIDTH = 200
VALUE_ROOM = 90
CSV_DELIMITER = ";"
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def format_number(value: Number | None, decimals: int | None = None) -> str:
    """``value`` in the active language with thousands grouping ("1.234,5" in German); "—" for none."""
    if value is None:
        return "—"
    if decimals is None:
        decimals = 0 if float(value) == int(value) else 1
    return formats.number_format(value, decimal_pos=decimals, use_l10n=True, force_grouping=True)


def format_percent(value: float | None) -> str:
    """A share (0.25) as "25 %" in the active language."""
    return "—" if value is None else f"{format_number(round(value * 100, 1))} %"


@dataclass(frozen=True)
class Chart:
    """One chart: the SVG, its data as a table (display strings) and as records (raw values, for CSV)."""

    title: str
    svg: SafeString
    header: list[str]
    rows: list[list[str]]
    records: list[list[Any]] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not self.rows

    def __html__(self) -> str:
        return str(self.svg)


def csv_response(chart: Chart, filename: str) -> HttpResponse:
    """``chart``'s data as a CSV download, written like the other exports (``;``, BOM, formula guard)."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer, delimiter=CSV_DELIMITER, lineterminator="\r\n")
    writer.writerow(chart.header)
    for record in chart.records:
        writer.writerow([_csv_cell(value) for value in record])
    response = HttpResponse(buffer.getvalue().encode("utf-8"), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float | Decimal):
        return format(float(value), "g") if float(value) != int(value) else str(int(value))
    if isinstance(value, int):
        return str(value)
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


# -- SVG pieces ---------------------------------------------------------------------------------------


def _f(value: float) -> str:
    """A coordinate, short and locale-independent."""
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _text(x: float, y: float, content: str, *, anchor: str = "start", fill: str = TEXT, size: int = 12) -> str:
    return (
        f'<text x="{_f(x)}" y="{_f(y)}" text-anchor="{anchor}" fill="{fill}" font-size="{size}" '
        f'dominant-baseline="middle">{escape(content)}</text>'
    )


def _clip(label: str, limit: int = 30) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"


def _svg(title: str, height: float, body: list[str], *, description: str = "") -> SafeString:
    desc = f"<desc>{escape(description)}</desc>" if description else ""
    return mark_safe(  # noqa: S308 (every piece of text is escaped above)
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{escape(title)}" '
        f'viewBox="0 0 {WIDTH} {_f(height)}" width="100%" preserveAspectRatio="xMinYMin meet" '
        f'font-family="{FONT}" class="chart"><title>{escape(title)}</title>{desc}' + "".join(body) + "</svg>"
    )


def _empty(title: str, header: list[str]) -> Chart:
    body = [_text(WIDTH / 2, 30, _("No data to show."), anchor="middle", fill=MUTED)]
    return Chart(title=title, svg=_svg(title, 60, body), header=header, rows=[], records=[])


def _legend(y: float, labels: Sequence[str]) -> list[str]:
    pieces, x = [], LABEL_WIDTH
    for index, label in enumerate(labels):
        pieces.append(f'<rect x="{_f(x)}" y="{_f(y - 6)}" width="12" height="12" fill="{PALETTE[index]}"/>')
        pieces.append(_text(x + 18, y, label))
        x += 30 + 7 * len(label)
    return pieces


# -- horizontal bars ----------------------------------------------------------------------------------


def bar_chart(
    *,
    title: str,
    categories: Sequence[str],
    values: Sequence[Number | None],
    category_label: str,
    value_label: str,
    second: Sequence[Number | None] | None = None,
    second_label: str = "",
    decimals: int | None = None,
    description: str = "",
) -> Chart:
    """Horizontal bars, one per category; with ``second``, two bars per category (e.g. expected and realised).

    Bars start at zero, so negative values point left of the axis; a missing value (``None``) has no bar.
    """
    series = [list(values)] + ([list(second)] if second is not None else [])
    if any(len(s) != len(categories) for s in series):
        raise ValueError("every series needs one value per category")
    header = [category_label, value_label] + ([second_label] if second is not None else [])
    if not categories:
        return _empty(title, header)
    numbers = [float(v) for s in series for v in s if v is not None]
    low, high = min([0.0, *numbers]), max([0.0, *numbers])
    span = (high - low) or 1.0
    plot = WIDTH - LABEL_WIDTH - VALUE_ROOM
    zero = LABEL_WIDTH + plot * (-low / span)
    per_category = len(series) * BAR_HEIGHT + BAR_GAP
    top = 30 if second is not None else 8
    body: list[str] = []
    if second is not None:
        body += _legend(14, [value_label, second_label])
    for index, category in enumerate(categories):
        y = top + index * per_category
        body.append(_text(LABEL_WIDTH - 8, y + len(series) * BAR_HEIGHT / 2, _clip(category), anchor="end"))
        for number, serie in enumerate(series):
            value = serie[index]
            bar_y = y + number * BAR_HEIGHT
            if value is None:
                body.append(_text(zero + 4, bar_y + BAR_HEIGHT / 2 - 1, "—", fill=MUTED, size=11))
                continue
            length = plot * abs(float(value)) / span
            x = zero if float(value) >= 0 else zero - length
            body.append(
                f'<rect x="{_f(x)}" y="{_f(bar_y + 1)}" width="{_f(length)}" height="{BAR_HEIGHT - 2}" '
                f'fill="{PALETTE[number]}" data-value="{_f(float(value))}"/>'
            )
            label_x = x + length + 4 if float(value) >= 0 else x - 4
            body.append(
                _text(
                    label_x,
                    bar_y + BAR_HEIGHT / 2,
                    format_number(value, decimals),
                    anchor="start" if float(value) >= 0 else "end",
                    size=11,
                )
            )
    bottom = top + len(categories) * per_category
    body.append(
        f'<line x1="{_f(zero)}" y1="{top - 2}" x2="{_f(zero)}" y2="{_f(bottom - BAR_GAP + 2)}" stroke="{MUTED}"/>'
    )
    rows = [
        [category, *(format_number(s[index], decimals) for s in series)] for index, category in enumerate(categories)
    ]
    records = [[category, *(s[index] for s in series)] for index, category in enumerate(categories)]
    return Chart(
        title=title, svg=_svg(title, bottom + 4, body, description=description), header=header, rows=rows,
        records=records,
    )  # fmt: skip


# -- funnel -------------------------------------------------------------------------------------------


def funnel_chart(
    *,
    title: str,
    stages: Sequence[tuple[str, int]],
    stage_label: str,
    count_label: str,
    conversion_label: str,
    description: str = "",
) -> Chart:
    """Counts per stage as centred bars, each with its conversion from the stage before (as a share)."""
    header = [stage_label, count_label, conversion_label]
    if not stages:
        return _empty(title, header)
    counts = [max(0, int(count)) for _, count in stages]
    high = max(counts) or 1
    plot = WIDTH - LABEL_WIDTH - VALUE_ROOM
    centre = LABEL_WIDTH + plot / 2
    body: list[str] = []
    rows, records = [], []
    step = BAR_HEIGHT + 2 * BAR_GAP
    for index, ((label, _count), count) in enumerate(zip(stages, counts, strict=True)):
        y = 8 + index * step
        conversion = None if index == 0 or not counts[index - 1] else count / counts[index - 1]
        length = plot * count / high
        body.append(_text(LABEL_WIDTH - 8, y + BAR_HEIGHT / 2, _clip(label), anchor="end"))
        body.append(
            f'<rect x="{_f(centre - length / 2)}" y="{_f(y)}" width="{_f(length)}" height="{BAR_HEIGHT}" '
            f'fill="{PALETTE[index % 6]}" data-value="{count}"/>'
        )
        note = format_number(count) + ("" if conversion is None else f" ({format_percent(conversion)})")
        body.append(_text(WIDTH - VALUE_ROOM + 4, y + BAR_HEIGHT / 2, note, size=11))
        rows.append([label, format_number(count), format_percent(conversion) if conversion is not None else "—"])
        records.append([label, count, None if conversion is None else round(conversion, 4)])
    height = 8 + len(stages) * step
    return Chart(
        title=title, svg=_svg(title, height, body, description=description), header=header, rows=rows,
        records=records,
    )  # fmt: skip


# -- line over time -----------------------------------------------------------------------------------


def line_chart(
    *,
    title: str,
    points: Sequence[tuple[dt.date, Number]],
    date_label: str,
    value_label: str,
    target: Number | None = None,
    target_label: str = "",
    decimals: int | None = None,
    description: str = "",
) -> Chart:
    """Values over time as a line with a marker per point; with ``target``, a dashed horizontal line.

    The first and the last value are written on the chart, the axes carry their extremes; every
    value is in the table.
    """
    header = [date_label, value_label]
    if not points:
        return _empty(title, header)
    ordered = sorted(points, key=lambda point: point[0])
    numbers = [float(value) for _, value in ordered] + ([float(target)] if target is not None else [])
    low, high = min([0.0, *numbers]), max([0.0, *numbers])
    if low == high:
        high = low + 1
    left, right, top, bottom = 70, WIDTH - 20, 34, 200
    first, last = ordered[0][0], ordered[-1][0]
    days = (last - first).days or 1

    def x_of(day: dt.date) -> float:
        return left + (right - left) * ((day - first).days / days if len(ordered) > 1 else 0.5)

    def y_of(value: float) -> float:
        return bottom - (bottom - top) * (value - low) / (high - low)

    body = [
        f'<line x1="{left}" y1="{_f(y_of(low))}" x2="{right}" y2="{_f(y_of(low))}" stroke="{GRID}"/>',
        f'<line x1="{left}" y1="{_f(y_of(high))}" x2="{right}" y2="{_f(y_of(high))}" stroke="{GRID}"/>',
        _text(left - 6, y_of(low), format_number(low, decimals), anchor="end", fill=MUTED, size=11),
        _text(left - 6, y_of(high), format_number(high, decimals), anchor="end", fill=MUTED, size=11),
        _text(left, bottom + 16, formats.date_format(first, "SHORT_DATE_FORMAT"), fill=MUTED, size=11),
        _text(right, bottom + 16, formats.date_format(last, "SHORT_DATE_FORMAT"), anchor="end", fill=MUTED, size=11),
    ]
    if low < 0 < high:
        body.append(f'<line x1="{left}" y1="{_f(y_of(0))}" x2="{right}" y2="{_f(y_of(0))}" stroke="{MUTED}"/>')
        body.append(_text(left - 6, y_of(0), format_number(0), anchor="end", fill=MUTED, size=11))
    # the key: the series, and the target if there is one
    body.append(f'<line x1="{left}" y1="12" x2="{left + 20}" y2="12" stroke="{PALETTE[0]}" stroke-width="2"/>')
    body.append(_text(left + 26, 12, value_label, size=11))
    if target is not None:
        y = y_of(float(target))
        body.append(
            f'<line x1="{left}" y1="{_f(y)}" x2="{right}" y2="{_f(y)}" stroke="{PALETTE[3]}" stroke-width="2" '
            f'stroke-dasharray="6 4" data-value="{_f(float(target))}"/>'
        )
        key_x = left + 40 + 7 * len(value_label)
        body.append(
            f'<line x1="{_f(key_x)}" y1="12" x2="{_f(key_x + 20)}" y2="12" stroke="{PALETTE[3]}" stroke-width="2" '
            f'stroke-dasharray="6 4"/>'
        )
        body.append(_text(key_x + 26, 12, f"{target_label}: {format_number(target, decimals)}", size=11))
    coordinates = [(x_of(day), y_of(float(value))) for day, value in ordered]
    if len(coordinates) > 1:
        path = " ".join(f"{_f(x)},{_f(y)}" for x, y in coordinates)
        body.append(f'<polyline points="{path}" fill="none" stroke="{PALETTE[0]}" stroke-width="2"/>')
    for (x, y), (_day, value) in zip(coordinates, ordered, strict=True):
        body.append(f'<circle cx="{_f(x)}" cy="{_f(y)}" r="3.5" fill="{PALETTE[0]}" data-value="{_f(float(value))}"/>')
    for index in {0, len(ordered) - 1}:
        x, y = coordinates[index]
        anchor = "start" if index == 0 and len(ordered) > 1 else "end"
        body.append(
            _text(
                x + (6 if anchor == "start" else -6),
                y - 10 if y - 10 > top + 6 else y + 14,  # below the point near the top
                format_number(ordered[index][1], decimals),
                anchor=anchor,
                size=11,
            )
        )
    rows = [[formats.date_format(day, "SHORT_DATE_FORMAT"), format_number(value, decimals)] for day, value in ordered]
    records: list[list[Any]] = [[day, value] for day, value in ordered]
    if target is not None:
        header = [*header, target_label]
        rows = [[*row, format_number(target, decimals)] for row in rows]
        records = [[*record, target] for record in records]
    return Chart(
        title=title, svg=_svg(title, bottom + 26, body, description=description), header=header, rows=rows,
        records=records,
    )  # fmt: skip
