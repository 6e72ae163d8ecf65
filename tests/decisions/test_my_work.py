"""The start page shows each person their work: approvals waiting for them, reviews, their use cases."""

from __future__ import annotations

import pytest
from django.urls import reverse

from .conftest import COMPLETE_FACTS, WORKS_COUNCIL_FACTS

pytestmark = pytest.mark.django_db


def test_the_lead_sees_what_waits_for_their_approval(make_usecase, qualified_lead, client_for) -> None:
    waiting = make_usecase(**COMPLETE_FACTS)
    make_usecase(title="In Prüfung", **WORKS_COUNCIL_FACTS)

    response = client_for(qualified_lead).get(reverse("web:home"))

    assert response.context["approvals"] == [waiting]


def test_an_unqualified_lead_is_not_asked_to_approve(make_usecase, org, client_for) -> None:
    make_usecase(**COMPLETE_FACTS)

    response = client_for(org.lead).get(reverse("web:home"))

    assert response.context["approvals"] == []


def test_a_reviewer_sees_the_reviews_routed_to_them_with_a_count(make_usecase, reviewers, client_for) -> None:
    usecase = make_usecase(**WORKS_COUNCIL_FACTS)

    response = client_for(reviewers.works_council).get(reverse("web:home"))

    assert response.context["review_count"] == 1
    assert response.context["reviews"][0].usecase == usecase


def test_the_owner_sees_their_use_cases_counted_by_status(make_usecase, org, client_for) -> None:
    make_usecase(**COMPLETE_FACTS)
    make_usecase(title="Zweiter", **WORKS_COUNCIL_FACTS)
    make_usecase(title="Entwurf", status="draft")

    response = client_for(org.member).get(reverse("web:home"))

    assert len(response.context["owned"]) == 3
    assert sorted(count for _label, count in response.context["owned_counts"]) == [1, 1, 1]


def test_owner_and_lead_see_the_obligations_due(make_usecase, qualified_lead, org, client_for) -> None:
    from leitplanke.decisions import services as decisions

    usecase = make_usecase(**COMPLETE_FACTS)
    decisions.usecase_approve(actor=qualified_lead, usecase=usecase)

    owner = client_for(org.member).get(reverse("web:home")).context
    lead = client_for(qualified_lead).get(reverse("web:home")).context
    outsider = client_for(org.outsider).get(reverse("web:home")).context

    assert owner["obligation_count"] == lead["obligation_count"] >= 1
    assert outsider["obligation_count"] == 0
