"""The portfolio page and its CSV downloads (``/portfolio/``): for every signed-in person, with
titles of use cases only for those who may see them (``portfolio``)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from leitplanke.common import clock
from leitplanke.common.charts import csv_response
from leitplanke.decisions.metrics import can_read_metrics

from .portfolio import MIN_GROUP, Period, Portfolio, Scope, default_unit, portfolio
from .portfolio_charts import SECTIONS
from .portfolio_charts import charts as portfolio_charts
from .portfolio_forms import PortfolioFilterForm


def portfolio_for(request: HttpRequest) -> tuple[Portfolio, PortfolioFilterForm]:
    """The figures for the filters of ``request`` (a lead's own unit when no unit is asked for), and the form."""
    today = clock.localdate()
    form = PortfolioFilterForm(request.GET or None, today=today)
    unit = form.chosen_unit() if "unit" in request.GET else default_unit(request.user)
    if not form.is_bound:  # show what the figures are for: the default unit and period
        period = Period.ending(today)
        defaults = {"unit": unit.code if unit else "", "start": period.start, "end": period.end}
        form = PortfolioFilterForm(defaults, today=today)
    figures = portfolio(Scope(request.user, unit, form.period()))
    return figures, form


@login_required
@require_GET
def portfolio_page(request: HttpRequest) -> HttpResponse:
    """The portfolio: objectives, funnel, value, risk classes, where decisions wait, AI literacy."""
    figures, form = portfolio_for(request)
    context: dict[str, Any] = {
        "figures": figures,
        "form": form,
        "charts": portfolio_charts(figures),
        "query": request.GET.urlencode(),
        "can_read_metrics": can_read_metrics(request.user),
        "min_group": MIN_GROUP,
    }
    return render(request, "impact/portfolio.html", context)


@login_required
@require_GET
def portfolio_csv(request: HttpRequest, section: str) -> HttpResponse:
    """One chart of the portfolio as CSV, for the same filters."""
    if section not in SECTIONS:
        raise Http404
    figures, _form = portfolio_for(request)
    return csv_response(portfolio_charts(figures)[section], f"portfolio-{section}.csv")
