"""Where decisions wait: the share decided by team leads, time to decision, waiting time per role."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from leitplanke.decisions import services as decisions
from leitplanke.decisions.metrics import bottlenecks
from leitplanke.decisions.models import Review
from leitplanke.usecases.models import UseCase

from .conftest import COMPLETE_FACTS, WORKS_COUNCIL_FACTS

pytestmark = pytest.mark.django_db


def _submitted_days_ago(usecase, days: float) -> None:
    # Arrange history: the submission started ``days`` ago (the services stamp "now").
    UseCase.objects.filter(pk=usecase.pk).update(submitted_at=timezone.now() - dt.timedelta(days=days))


def test_the_figures_of_a_small_portfolio(make_usecase, qualified_lead, reviewers) -> None:
    # Given two use cases the lead approved directly, after 2 and 4 days
    for days in (2, 4):
        usecase = make_usecase(title=f"Direkt {days}", **COMPLETE_FACTS)
        _submitted_days_ago(usecase, days)
        usecase.refresh_from_db()
        decisions.usecase_approve(actor=qualified_lead, usecase=usecase)
    # and one the works council rejected after 10 days, and one still in review for 9 days
    rejected = make_usecase(title="Abgelehnt", **WORKS_COUNCIL_FACTS)
    _submitted_days_ago(rejected, 10)
    decisions.review_decide(
        actor=reviewers.works_council, review=Review.objects.get(usecase=rejected), outcome="rejected", comment="Nein."
    )
    waiting = make_usecase(title="Wartet", **WORKS_COUNCIL_FACTS)
    Review.objects.filter(usecase=waiting).update(created_at=timezone.now() - dt.timedelta(days=9))

    figures = bottlenecks()

    assert (figures.decided, figures.by_team_lead) == (3, 2)
    assert figures.team_lead_share == pytest.approx(2 / 3)
    assert figures.overall.count == 3
    assert figures.overall.median == pytest.approx(4, abs=0.01)
    assert [name for name, _spread in figures.per_department] == ["Finanzen"]
    council = {role: (bands, overdue) for role, bands, overdue in figures.open_by_role}["Betriebsrat"]
    assert council[0] == {"week": 0, "two_weeks": 1, "older": 0}


@pytest.mark.parametrize(
    ("viewer", "status"),
    [("ai_governance", 200), ("auditor", 200), ("unit_lead", 404), ("data_protection", 404), ("administrator", 404)],
)
def test_the_metrics_page_is_for_governance_leadership_and_auditors(org, client_for, viewer, status) -> None:
    response = client_for(org.viewer(viewer)).get(reverse("decisions:metrics"))

    assert response.status_code == status


def test_the_metrics_page_draws_the_waiting_time_per_role_and_offers_its_figures(org, client_for) -> None:
    client = client_for(org.viewer("auditor"))

    page = client.get(reverse("decisions:metrics"))
    download = client.get(reverse("decisions:metrics_waiting_csv"))

    assert page.status_code == 200
    assert b'<svg xmlns="http://www.w3.org/2000/svg" role="img"' in page.content
    assert reverse("decisions:metrics_waiting_csv").encode() in page.content
    assert download.status_code == 200
    header, *rows = download.content.decode("utf-8").lstrip("\ufeff").splitlines()
    assert header.count(";") == 2
    assert len(rows) == len(bottlenecks().waiting_by_role)


def test_the_waiting_time_figures_are_not_for_everyone(org, client_for) -> None:
    response = client_for(org.viewer("unit_lead")).get(reverse("decisions:metrics_waiting_csv"))

    assert response.status_code == 404
