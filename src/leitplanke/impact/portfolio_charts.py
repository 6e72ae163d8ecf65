"""The portfolio's charts (``common.charts``): one per section, each with its figures as table and CSV."""

from __future__ import annotations

from django.utils.translation import gettext as _

from leitplanke.common.charts import Chart, bar_chart, funnel_chart

from .portfolio import Portfolio

#: The sections with a chart, in the order of the page (the CSV address names them).
SECTIONS = ("funnel", "value", "risk", "literacy")


def funnel_figure(figures: Portfolio) -> Chart:
    """Registered use cases by the furthest step they reached."""
    return funnel_chart(
        title=_("Funnel: use cases registered in the period"),
        stages=[(str(step.label), step.count) for step in figures.funnel],
        stage_label=_("Step"),
        count_label=_("Use cases"),
        conversion_label=_("Conversion from the step before"),
    )


def value_figure(figures: Portfolio) -> Chart:
    """Expected next to realised euros per year, per department."""
    rows = figures.value.by_unit
    return bar_chart(
        title=_("Value per department (EUR per year)"),
        categories=[row.label for row in rows],
        values=[round(float(row.now.expected_eur_per_year)) for row in rows],
        second=[round(float(row.now.realised_eur_per_year)) for row in rows],
        category_label=_("Department"),
        value_label=_("Expected"),
        second_label=_("Realised"),
        decimals=0,
    )


def risk_figure(figures: Portfolio) -> Chart:
    """Use cases per risk class, now and at the end of the previous period."""
    rows = figures.risk_classes
    return bar_chart(
        title=_("Use cases per risk class"),
        categories=[row.label for row in rows],
        values=[row.count for row in rows],
        second=[row.previous for row in rows],
        category_label=_("Risk class"),
        value_label=_("This period"),
        second_label=_("Previous period"),
        decimals=0,
    )


def literacy_figure(figures: Portfolio) -> Chart:
    """The share of each department holding the required course (no bar for groups under five)."""
    rows = figures.literacy.by_unit
    return bar_chart(
        title=_("AI-literacy coverage per department (percent)"),
        categories=[row.unit.name for row in rows],
        values=[row.coverage_percent for row in rows],
        second=[row.previous_coverage_percent for row in rows],
        category_label=_("Department"),
        value_label=_("This period"),
        second_label=_("Previous period"),
        decimals=1,
    )


def charts(figures: Portfolio) -> dict[str, Chart]:
    """Every chart of the portfolio by its section."""
    return {
        "funnel": funnel_figure(figures),
        "value": value_figure(figures),
        "risk": risk_figure(figures),
        "literacy": literacy_figure(figures),
    }
