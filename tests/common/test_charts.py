"""The charting helper: well-formed, accessible SVG whose bars match the figures, in the reader's language."""

from __future__ import annotations

import csv
import datetime as dt
import io
import xml.etree.ElementTree as ET

import pytest
from django.template.loader import render_to_string
from django.utils import translation

from leitplanke.common import charts

SVG = "{http://www.w3.org/2000/svg}"


def _parse(chart: charts.Chart) -> ET.Element:
    root = ET.fromstring(str(chart.svg))  # noqa: S314 (our own output; raises unless well-formed)
    assert root.tag == f"{SVG}svg"
    return root


def _bars(root: ET.Element, fill: str | None = None) -> list[ET.Element]:
    return [
        rect for rect in root.iter(f"{SVG}rect") if "data-value" in rect.attrib and fill in (None, rect.get("fill"))
    ]


def _texts(root: ET.Element) -> list[str]:
    return [text.text or "" for text in root.iter(f"{SVG}text")]


def _bar(**overrides):
    arguments = {
        "title": "Stunden pro Monat",
        "categories": ["Finanzen", "Personal", "Vertrieb"],
        "values": [10, 40, 20],
        "category_label": "Bereich",
        "value_label": "Stunden",
    }
    return charts.bar_chart(**(arguments | overrides))


def test_a_bar_chart_is_an_accessible_image_with_bars_proportional_to_the_values() -> None:
    chart = _bar()
    root = _parse(chart)

    assert root.get("role") == "img"
    assert root.get("aria-label") == "Stunden pro Monat"
    assert root.find(f"{SVG}title").text == "Stunden pro Monat"
    widths = [float(bar.get("width")) for bar in _bars(root)]
    assert len(widths) == 3
    assert widths[1] / widths[0] == pytest.approx(4, rel=0.01)
    assert widths[2] / widths[0] == pytest.approx(2, rel=0.01)
    assert {"Finanzen", "Personal", "Vertrieb", "10", "40", "20"} <= set(_texts(root))


def test_a_second_series_is_drawn_in_a_second_colour_with_a_legend() -> None:
    chart = _bar(values=[10, 40, 20], second=[5, None, 30], second_label="realisiert", value_label="erwartet")
    root = _parse(chart)

    first, second = _bars(root, charts.PALETTE[0]), _bars(root, charts.PALETTE[1])
    assert [bar.get("data-value") for bar in first] == ["10", "40", "20"]
    assert [bar.get("data-value") for bar in second] == ["5", "30"]  # no bar for the missing value
    assert float(second[1].get("width")) / float(first[0].get("width")) == pytest.approx(3, rel=0.01)
    assert {"erwartet", "realisiert"} <= set(_texts(root))
    assert chart.header == ["Bereich", "erwartet", "realisiert"]
    assert chart.rows[1] == ["Personal", "40", "—"]


def test_zero_and_negative_values_start_at_the_same_axis() -> None:
    root = _parse(_bar(values=[0, 30, -10]))

    zero, positive, negative = _bars(root)
    assert float(zero.get("width")) == 0
    assert float(positive.get("width")) / float(negative.get("width")) == pytest.approx(3, rel=0.01)
    # the negative bar ends where the positive one starts: at zero
    assert float(negative.get("x")) + float(negative.get("width")) == pytest.approx(float(positive.get("x")), abs=0.01)
    assert float(zero.get("x")) == pytest.approx(float(positive.get("x")), abs=0.01)


def test_only_zeros_draw_no_bar_and_do_not_divide_by_zero() -> None:
    root = _parse(_bar(values=[0, 0, 0]))

    assert [float(bar.get("width")) for bar in _bars(root)] == [0, 0, 0]


@pytest.mark.parametrize(
    "chart",
    [
        lambda: _bar(categories=[], values=[]),
        lambda: charts.funnel_chart(
            title="Trichter", stages=[], stage_label="S", count_label="N", conversion_label="%"
        ),
        lambda: charts.line_chart(title="Verlauf", points=[], date_label="Datum", value_label="Wert"),
    ],
)
def test_a_chart_without_data_says_so(chart) -> None:
    with translation.override("en"):
        made = chart()
    root = _parse(made)

    assert made.empty
    assert made.rows == []
    assert "No data to show." in _texts(root)
    assert not _bars(root)


def test_labels_are_escaped() -> None:
    hostile = '<script>alert("x")</script> & </text><text>'
    chart = _bar(title=hostile, categories=[hostile, "B", "C"], category_label=hostile)
    root = _parse(chart)  # still well-formed

    assert not list(root.iter(f"{SVG}script"))
    assert root.find(f"{SVG}title").text == hostile
    assert root.get("aria-label") == hostile
    assert "<script>" not in str(chart.svg)


def test_numbers_follow_the_language() -> None:
    with translation.override("de"):
        german = _parse(_bar(values=[1234.5, 2, 1000000]))
        german_rows = _bar(values=[1234.5, 2, 1000000]).rows
    with translation.override("en"):
        english = _parse(_bar(values=[1234.5, 2, 1000000]))

    assert {"1.234,5", "1.000.000"} <= set(_texts(german))
    assert german_rows[0] == ["Finanzen", "1.234,5"]
    assert {"1,234.5", "1,000,000"} <= set(_texts(english))


def test_a_funnel_shows_counts_and_the_conversion_from_the_stage_before() -> None:
    with translation.override("de"):
        chart = charts.funnel_chart(
            title="Vom Vorschlag zum Betrieb",
            stages=[("Idee", 40), ("Eingereicht", 20), ("Freigegeben", 15), ("Betrieb", 0)],
            stage_label="Stufe",
            count_label="Anzahl",
            conversion_label="Übergang",
        )
    root = _parse(chart)

    widths = [float(bar.get("width")) for bar in _bars(root)]
    assert widths[0] / widths[1] == pytest.approx(2, rel=0.01)
    assert widths[3] == 0
    assert chart.rows == [
        ["Idee", "40", "—"],
        ["Eingereicht", "20", "50 %"],
        ["Freigegeben", "15", "75 %"],
        ["Betrieb", "0", "0 %"],
    ]
    assert "20 (50 %)" in _texts(root)


def test_a_line_chart_places_points_in_time_and_draws_the_target() -> None:
    points = [(dt.date(2026, 1, 1), 10), (dt.date(2026, 1, 11), 20), (dt.date(2026, 1, 31), 40)]
    with translation.override("de"):
        chart = charts.line_chart(
            title="Gesparte Stunden",
            points=points[::-1],  # any order
            date_label="Datum",
            value_label="Stunden",
            target=50,
            target_label="Ziel",
        )
    root = _parse(chart)

    circles = list(root.iter(f"{SVG}circle"))
    xs = [float(circle.get("cx")) for circle in circles]
    ys = [float(circle.get("cy")) for circle in circles]
    # x: 10 days and 30 days after the first point
    assert (xs[2] - xs[0]) / (xs[1] - xs[0]) == pytest.approx(3, rel=0.01)
    # y: from the zero line, 10, 20, 40 (upwards means smaller y)
    target = next(line for line in root.iter(f"{SVG}line") if line.get("data-value") == "50")
    zero = float(next(line for line in root.iter(f"{SVG}line")).get("y1"))
    target_height = zero - float(target.get("y1"))
    assert [(zero - y) / target_height for y in ys] == pytest.approx([0.2, 0.4, 0.8], rel=0.01)
    assert chart.header == ["Datum", "Stunden", "Ziel"]
    assert chart.rows[0] == ["01.01.2026", "10", "50"]
    assert "Ziel: 50" in _texts(root)


def test_a_single_point_is_drawn_without_a_line() -> None:
    root = _parse(charts.line_chart(title="T", points=[(dt.date(2026, 3, 1), 5)], date_label="D", value_label="V"))

    assert len(list(root.iter(f"{SVG}circle"))) == 1
    assert not list(root.iter(f"{SVG}polyline"))


def test_the_csv_download_has_the_figures_like_the_other_exports() -> None:
    chart = _bar(categories=["=SUMME(A1)", "Personal", "Vertrieb"], values=[1234.5, 40, None])

    response = charts.csv_response(chart, "stunden.csv")

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="stunden.csv"'
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))
    assert rows == [["Bereich", "Stunden"], ["'=SUMME(A1)", "1234.5"], ["Personal", "40"], ["Vertrieb", ""]]


def test_the_page_shows_the_figures_under_the_chart_as_a_table_with_the_download() -> None:
    chart = _bar(categories=["<b>Finanzen</b>", "Personal", "Vertrieb"])

    with translation.override("de"):
        html = render_to_string("web/chart.html", {"chart": chart, "csv_url": "/stunden.csv"})
        without_table = render_to_string("web/chart.html", {"chart": chart, "table": False})

    assert html.count("<svg") == 1
    assert '<th scope="row">&lt;b&gt;Finanzen&lt;/b&gt;</th><td>10</td>' in html
    assert '<th scope="col">Bereich</th><th scope="col">Stunden</th>' in html
    assert 'href="/stunden.csv"' in html
    assert "<b>" not in html
    assert "<table>" not in without_table
    assert "<svg" in without_table
