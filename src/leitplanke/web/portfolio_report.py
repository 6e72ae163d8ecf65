"""The portfolio as a report: the JSON contract for outside tools, an Excel workbook and a PDF.

The figures come from ``impact.portfolio`` for one scope (who asks, a unit's subtree, a period).

The JSON object is the contract for outside tools (numbers as numbers, missing values ``null``):

* ``objectives``: list of ``id``, ``title``, ``target`` (``metric``, ``unit``, ``baseline``,
  ``value``, ``date``), ``progress_percent``, ``usecases`` (the ids of the use cases in the scope
  that serve it);
* ``funnel``: step → count of the use cases registered in the period (``idea``, ``submitted``,
  ``approved``, ``pilot``, ``production``, ``retired``; each step counts the use cases that reached
  it or a later one);
* ``value``: ``expected_eur_per_year``, ``realised_eur_per_year``, ``expected_hours_per_month``,
  ``realised_hours_per_month``;
* ``by_unit``: list of ``unit`` (code) with the same value fields, ``usecases`` and ``measured``
  (how many of them have a measured benefit);
* ``literacy``: list of ``unit`` (code) with ``coverage_percent``, ``null`` where the group is
  smaller than five people;
* ``generated``: the time stamp (ISO 8601).

The workbook has one sheet per section; the PDF is an executive one-pager followed by an annex
with every section's figures.
"""

from __future__ import annotations

import json
from typing import IO, Any

from django.core.serializers.json import DjangoJSONEncoder
from django.utils import translation
from django.utils.translation import gettext as _

from leitplanke.impact.portfolio import MIN_GROUP, Portfolio, Value, portfolio
from leitplanke.impact.portfolio_charts import charts

from .pdf import render_pdf

FORMATS = ("pdf", "json", "xlsx")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _float(value: Any) -> float | None:
    return float(value) if value is not None else None


def _value(figures: Value) -> dict[str, Any]:
    return {
        "expected_eur_per_year": round(float(figures.expected_eur_per_year), 2),
        "realised_eur_per_year": round(float(figures.realised_eur_per_year), 2),
        "expected_hours_per_month": round(float(figures.expected_hours_per_month), 1),
        "realised_hours_per_month": round(float(figures.realised_hours_per_month), 1),
    }


def portfolio_data(figures: Portfolio) -> dict[str, Any]:
    """The JSON contract of the portfolio (see the module's docstring)."""
    return {
        "objectives": [
            {
                "id": row.objective.pk,
                "title": row.objective.title,
                "target": {
                    "metric": row.objective.metric,
                    "unit": row.objective.metric_unit,
                    "baseline": _float(row.objective.baseline),
                    "value": _float(row.objective.target_value),
                    "date": row.objective.target_date.isoformat(),
                },
                "progress_percent": _float(row.progress_percent),
                "usecases": row.usecase_ids,
            }
            for row in figures.objectives
        ],
        "funnel": {step.key: step.count for step in figures.funnel},
        "value": _value(figures.value.total),
        "by_unit": [
            {"unit": row.key.code, **_value(row.now), "usecases": row.now.usecases, "measured": row.now.measured}
            for row in figures.value.by_unit
        ],
        "literacy": [
            {"unit": row.unit.code, "coverage_percent": row.coverage_percent} for row in figures.literacy.by_unit
        ],
        "generated": figures.generated.isoformat(),
    }


def portfolio_json(figures: Portfolio) -> str:
    """:func:`portfolio_data` as JSON text (UTF-8 characters kept, indented)."""
    return json.dumps(portfolio_data(figures), cls=DjangoJSONEncoder, ensure_ascii=False, indent=2) + "\n"


def portfolio_title(figures: Portfolio) -> str:
    """The report's title in the active language."""
    if figures.scope.unit is not None:
        return _("AI portfolio: %(unit)s") % {"unit": figures.scope.unit.name}
    return _("AI portfolio")


def portfolio_filename(figures: Portfolio, fmt: str) -> str:
    """``portfolio.<fmt>``, or ``portfolio-<unit code>.<fmt>`` for a unit's subtree."""
    unit = figures.scope.unit
    return f"portfolio-{unit.code}.{fmt}" if unit is not None else f"portfolio.{fmt}"


def _sheets(figures: Portfolio) -> list[tuple[str, list[str], list[list[Any]]]]:
    """Every section as (sheet name, header, rows), in the active language."""
    value_header = [
        _("Use cases"),
        _("Expected hours per month"),
        _("Realised hours per month"),
        _("Expected EUR per year"),
        _("Realised EUR per year"),
        _("Realised EUR per year, previous period"),
    ]

    def value_cells(now: Value, before: Value) -> list[Any]:
        return [
            now.usecases,
            float(now.expected_hours_per_month),
            float(now.realised_hours_per_month),
            float(now.expected_eur_per_year),
            float(now.realised_eur_per_year),
            float(before.realised_eur_per_year),
        ]

    value = figures.value
    sheets: list[tuple[str, list[str], list[list[Any]]]] = [
        (
            _("Objectives"),
            [_("Objective"), _("Target value"), _("Target date"), _("Progress"), _("Previous period"), _("Use cases")],
            [
                [
                    row.objective.title,
                    f"{row.objective.target_value} {row.objective.metric_unit}".strip(),
                    row.objective.target_date,
                    _float(row.progress_percent),
                    _float(row.previous_progress_percent),
                    len(row.usecase_ids),
                ]
                for row in figures.objectives
            ],
        ),
        (
            _("Funnel"),
            [_("Step"), _("Use cases"), _("Conversion"), _("Previous period"), _("Conversion in the previous period")],
            [
                [str(step.label), step.count, step.conversion, step.previous, step.previous_conversion]
                for step in figures.funnel
            ],
        ),
        (
            _("Value per department"),
            [_("Department"), *value_header],
            [[row.label, *value_cells(row.now, row.previous)] for row in value.by_unit]
            + [[_("Total"), *value_cells(value.total, value.previous)]],
        ),
        (
            _("Value per objective"),
            [_("Objective"), *value_header],
            [[row.label, *value_cells(row.now, row.previous)] for row in value.by_objective],
        ),
        (
            _("Risk classes"),
            [_("Risk class"), _("This period"), _("Previous period")],
            [[row.label, row.count, row.previous] for row in figures.risk_classes],
        ),
        (
            _("AI literacy"),
            [_("Department"), _("Coverage"), _("Previous period")],
            [[row.unit.name, row.coverage_percent, row.previous_coverage_percent] for row in figures.literacy.by_unit],
        ),
    ]
    if figures.waiting is not None:
        sheets.append(
            (
                _("Where decisions wait"),
                [
                    _("Role"),
                    _("Decided reviews"),
                    _("Median (days)"),
                    _("Open reviews"),
                    _("waiting for (median days)"),
                ],
                [
                    [role, done.count, done.median, waiting.count, waiting.median]
                    for role, done, waiting in figures.waiting.waiting_by_role
                ],
            )
        )
    return sheets


def write_portfolio_xlsx(figures: Portfolio, target: IO[bytes]) -> None:
    """The portfolio as an Excel workbook, one sheet per section (bold, frozen header)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    bold = Font(bold=True)
    for name, header, rows in _sheets(figures):
        sheet = workbook.create_sheet(name[:31])
        sheet.freeze_panes = "A2"
        heading = []
        for title in header:
            cell = WriteOnlyCell(sheet, value=str(title))
            cell.font = bold
            heading.append(cell)
        sheet.append(heading)
        for row in rows:
            cells = []
            for value in row:
                cell = WriteOnlyCell(sheet, value=value)
                if isinstance(value, str):
                    cell.data_type = "s"  # never a formula, whatever the text starts with
                cells.append(cell)
            sheet.append(cells)
    workbook.save(target)


def portfolio_pdf(figures: Portfolio, *, language: str) -> bytes:
    """The portfolio report (an executive one-pager and an annex) as a PDF in ``language``."""
    with translation.override(language):
        title = portfolio_title(figures)
        context = {"figures": figures, "charts": charts(figures), "min_group": MIN_GROUP}
    return render_pdf("web/pdf/portfolio.html", context, title=title, language=language)


__all__ = [
    "FORMATS",
    "XLSX",
    "portfolio",
    "portfolio_data",
    "portfolio_filename",
    "portfolio_json",
    "portfolio_pdf",
    "portfolio_title",
    "write_portfolio_xlsx",
]
