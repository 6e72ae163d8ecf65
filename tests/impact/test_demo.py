"""The demo company's direction and benefit: four objectives, one nobody serves; KPIs of the use cases in
pilot and production with a year of monthly measurements, recorded at their dates; some on track, some
behind, one stale."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db.models import Count
from django.test import override_settings
from django.utils import timezone

from leitplanke.audit.models import Event
from leitplanke.impact import demo
from leitplanke.impact.models import Kpi, Measurement, Objective
from leitplanke.impact.selectors import benefits_of, stale_kpis
from leitplanke.org.models import Role
from leitplanke.org.selectors import has_role
from leitplanke.usecases.models import Stage

from ..conftest import load_demo

pytestmark = pytest.mark.django_db

TITLES = {
    "Durchlaufzeit im Backoffice bis Ende 2027 halbieren",
    "Erstlösungsquote im Kundenservice +15 %",
    "Entwicklungszeit pro Feature −20 %",
    "90 % der Führungskräfte mit KI-Grundschulung",
}


def test_leadership_set_four_objectives_and_one_is_a_gap(demo_company) -> None:
    objectives = Objective.objects.annotate(serving=Count("usecases"))

    assert {o.title for o in objectives} == TITLES
    assert all(o.is_demo and has_role(o.owner, Role.LEADERSHIP) for o in objectives)
    assert [o.title for o in objectives if o.serving == 0] == ["90 % der Führungskräfte mit KI-Grundschulung"]
    setters = Event.objects.filter(action="impact.objective.created").values_list("actor__username", flat=True)
    assert set(setters) == {"katharina.vogel"}


def test_kpis_belong_to_use_cases_in_pilot_and_production_and_show_progress(demo_company) -> None:
    kpis = list(Kpi.objects.select_related("usecase"))
    usecases = {kpi.usecase for kpi in kpis}
    progress = [b.progress_percent for usecase in usecases for b in benefits_of(usecase)]

    assert len(kpis) >= 10 and all(kpi.is_demo for kpi in kpis)
    assert {usecase.stage for usecase in usecases} == {Stage.PILOT, Stage.PRODUCTION}
    assert all(p is not None for p in progress)
    assert sum(1 for p in progress if p >= 80) >= 5, "some on track"
    assert sum(1 for p in progress if p <= 40) >= 2, "some behind"


def test_a_year_of_monthly_measurements_recorded_at_their_dates(demo_company) -> None:
    today = timezone.localdate()
    ends = demo.month_ends(today)

    for kpi in Kpi.objects.exclude(name="Eingesparte Stunden pro Monat", usecase__title__startswith="Beschwerden"):
        days = list(kpi.measurements.order_by("measured_on").values_list("measured_on", flat=True))
        assert days == ends, kpi
    later = Measurement.objects.filter(created_at__gt=timezone.now() - dt.timedelta(days=400)).exclude(
        note="Aus der Teamauswertung nachgetragen."
    )
    assert later.exists()
    for measurement in later:  # recorded at the end of the month it measures, under the frozen clock
        assert timezone.localdate(measurement.created_at) == measurement.measured_on
    times = list(Event.objects.order_by("seq").values_list("created_at", flat=True))
    assert times == sorted(times), "the audit trail runs forward in time"


@override_settings(LEITPLANKE_MEASUREMENT_STALE_DAYS=90)
def test_one_kpi_is_stale(demo_company) -> None:
    [stale] = list(stale_kpis(today=timezone.localdate()))
    last = stale.measurements.order_by("-measured_on").first()

    assert stale.usecase.stage == Stage.PRODUCTION
    assert last is not None and (timezone.localdate() - last.measured_on).days > 90


def test_a_second_run_adds_nothing(demo_company) -> None:
    impact = ("impact.objective.created", "impact.kpi.created", "impact.measurement.recorded")
    counts = (
        Objective.objects.count(),
        Kpi.objects.count(),
        Measurement.objects.count(),
        Event.objects.filter(action__in=impact).count(),
    )

    output = load_demo()

    assert "0 objectives, 0 KPIs and 0 measurements new" in output
    assert (
        Objective.objects.count(),
        Kpi.objects.count(),
        Measurement.objects.count(),
        Event.objects.filter(action__in=impact).count(),
    ) == counts
