"""The periodic job reminds before a deadline, escalates after it, and reminds of due obligations; once each."""

from __future__ import annotations

import datetime as dt

import pytest

from leitplanke.decisions import services as decisions
from leitplanke.decisions.jobs import deadlines_run
from leitplanke.decisions.models import Obligation, Review
from leitplanke.notifications.models import Kind, Notification

from .conftest import COMPLETE_FACTS, WORKS_COUNCIL_FACTS

pytestmark = pytest.mark.django_db


def _kinds(person):
    return sorted(Notification.objects.filter(recipient=person).values_list("kind", flat=True))


def test_reviewers_are_reminded_before_the_deadline_and_escalated_after(make_usecase, reviewers, org) -> None:
    usecase = make_usecase(**WORKS_COUNCIL_FACTS)
    review = Review.objects.get(usecase=usecase)
    council = reviewers.works_council
    governance = org.role_holders["ai_governance"]
    assert _kinds(council) == [Kind.REVIEW_ASSIGNED]

    # two weeks before the deadline nothing happens; the day before, the reviewers are reminded
    assert deadlines_run(today=review.due_on - dt.timedelta(days=14))["reviews_near"] == 0
    assert deadlines_run(today=review.due_on - dt.timedelta(days=1))["reviews_near"] == 1
    assert _kinds(council) == [Kind.DEADLINE_NEAR, Kind.REVIEW_ASSIGNED]
    assert _kinds(org.lead) == []

    # the day after, the reviewers are told it is overdue, and the unit's lead and AI governance too
    counts = deadlines_run(today=review.due_on + dt.timedelta(days=1))
    assert counts["reviews_overdue"] == 1
    assert _kinds(council) == [Kind.DEADLINE_NEAR, Kind.DEADLINE_PASSED, Kind.REVIEW_ASSIGNED]
    escalation = Notification.objects.get(recipient=governance, kind=Kind.DEADLINE_PASSED)
    assert escalation.params["escalation"] is True
    assert Notification.objects.filter(recipient=org.lead, kind=Kind.DEADLINE_PASSED).exists()

    # running it again tells nobody twice
    total = Notification.objects.count()
    deadlines_run(today=review.due_on + dt.timedelta(days=2))
    assert Notification.objects.count() == total


def test_owners_are_reminded_of_due_and_overdue_obligations(make_usecase, qualified_lead, org) -> None:
    usecase = make_usecase(**COMPLETE_FACTS)
    decisions.usecase_approve(actor=qualified_lead, usecase=usecase)
    obligation = Obligation.objects.filter(usecase=usecase).order_by("due_on").first()
    assert obligation is not None

    due = deadlines_run(today=obligation.due_on - dt.timedelta(days=3))
    assert due["obligations_due"] >= 1
    reminder = Notification.objects.get(
        recipient=org.member, kind=Kind.OBLIGATION_DUE, key__startswith=f"obligation-{obligation.pk}-"
    )
    assert reminder.params["obligation_de"] == obligation.title_de

    deadlines_run(today=obligation.due_on + dt.timedelta(days=1))
    overdue = Notification.objects.filter(
        kind=Kind.OBLIGATION_DUE, params__overdue=True, key__startswith=f"obligation-{obligation.pk}-"
    )
    assert {n.recipient for n in overdue} >= {org.member, org.lead}

    decisions.obligation_complete(actor=org.member, obligation=obligation, evidence="Erledigt.")
    total = Notification.objects.count()
    deadlines_run(today=obligation.due_on + dt.timedelta(days=5))
    assert not Notification.objects.filter(pk__gt=0).count() > total + 10  # other obligations may still remind
    assert (
        not Notification.objects.filter(
            key=f"obligation-{obligation.pk}-{obligation.due_on}-overdue", recipient=org.member
        ).count()
        > 1
    )
