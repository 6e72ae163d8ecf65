"""`leitplanke demo` gives the demo company a history: decisions take days, some reviews are overdue.

The history is replayed through the services with the clock frozen at each step, so the audit
trail tells the same story as the rows: each event has the time of the row it describes, and the
trail runs forward in time.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Max
from django.utils import timezone

from leitplanke.audit.models import Event
from leitplanke.decisions.metrics import bottlenecks
from leitplanke.decisions.models import Approval, Obligation, ObligationStatus, Review, ReviewStatus
from leitplanke.decisions.selectors import required_qualification
from leitplanke.literacy.models import Completion
from leitplanke.literacy.selectors import holds_qualification
from leitplanke.notifications.models import Notification
from leitplanke.usecases.models import Status, UseCase

pytestmark = pytest.mark.django_db

#: How many demo use cases stand in each state (the history moves times, never states).
STATES = {
    Status.APPROVED: 18,
    Status.AWAITING_APPROVAL: 8,
    Status.IN_REVIEW: 4,
    Status.BLOCKED: 4,
    Status.CHANGES_REQUESTED: 2,
    Status.REJECTED: 2,
    Status.DRAFT: 5,
}


#: How many demo use cases were submitted (every state but the draft).
STATES_SUBMITTED = sum(count for status, count in STATES.items() if status != Status.DRAFT)


def _demo() -> str:
    out = StringIO()
    call_command("demo", password="Demo-Passwort-Test-1", stdout=out)
    return out.getvalue()


@pytest.fixture
def demo(demo_company) -> None:
    """The demo company, loaded once for this module; each test's changes are rolled back."""


def _times() -> dict[str, list[tuple[object, ...]]]:
    return {
        "usecases": list(UseCase.objects.order_by("pk").values_list("pk", "submitted_at", "decided_at", "created_at")),
        "reviews": list(Review.objects.order_by("pk").values_list("pk", "created_at", "decided_at", "due_on")),
        "approvals": list(Approval.objects.order_by("pk").values_list("pk", "approved_at")),
        "obligations": list(
            Obligation.objects.order_by("pk").values_list("pk", "created_at", "completed_at", "due_on")
        ),
    }


def test_the_time_to_decision_spreads_over_days_and_departments(demo) -> None:
    figures = bottlenecks()

    assert Counter(UseCase.objects.values_list("status", flat=True)) == STATES
    assert figures.overall.median is not None and figures.overall.median > 1
    assert figures.overall.p90 is not None and figures.overall.p90 > figures.overall.median
    assert len([name for name, spread in figures.per_department if spread.count]) > 1
    assert 0 < figures.by_team_lead < figures.decided
    decided = UseCase.objects.filter(decided_at__isnull=False)
    assert decided.count() == STATES[Status.APPROVED] + STATES[Status.REJECTED]
    for usecase in decided:
        assert usecase.submitted_at is not None and usecase.decided_at >= usecase.submitted_at, usecase.title


def test_every_submission_began_in_the_past_and_its_steps_follow_in_order(demo) -> None:
    now = timezone.now()
    qualification = required_qualification()
    assert qualification is not None
    submitted = UseCase.objects.filter(submitted_at__isnull=False)
    ages = sorted((now - usecase.submitted_at).days for usecase in submitted if usecase.submitted_at)

    assert ages[0] >= 5 and ages[-1] <= 125 and ages[-1] - ages[0] > 30
    for usecase in submitted:
        assert usecase.created_at < usecase.submitted_at <= usecase.updated_at <= now, usecase.title
        reviews = Review.objects.filter(usecase=usecase, submission=usecase.submission)
        assert all(review.created_at == usecase.submitted_at for review in reviews), usecase.title
        assert all(review.decided_at > review.created_at for review in reviews if review.decided_at), usecase.title
        approval = Approval.objects.filter(usecase=usecase).first()
        if approval is not None:
            last_review = reviews.aggregate(last=Max("decided_at"))["last"]
            assert last_review is None or approval.approved_at > last_review, usecase.title
            assert usecase.decided_at == approval.approved_at, usecase.title
            assert holds_qualification(
                approval.approved_by, qualification, on=timezone.localdate(approval.approved_at)
            ), f"{usecase.title}: approved before the lead was qualified"


def test_reviews_are_pending_overdue_and_done(demo) -> None:
    today = timezone.localdate()
    figures = bottlenecks()
    open_reviews = Review.objects.filter(status=ReviewStatus.OPEN)

    assert sum(overdue for _role, _bands, overdue in figures.open_by_role) >= 2
    assert open_reviews.filter(due_on__lt=today).count() >= 2
    assert open_reviews.filter(due_on__gte=today).exists()
    assert Review.objects.filter(decided_at__isnull=False).exists()
    assert any(
        waiting.count and waiting.median and waiting.median > 1 for _role, waiting, _open in figures.waiting_by_role
    )


def test_obligations_are_open_overdue_and_done_in_time_order(demo) -> None:
    today, now = timezone.localdate(), timezone.now()
    done = Obligation.objects.filter(status=ObligationStatus.DONE)
    still_open = Obligation.objects.filter(status=ObligationStatus.OPEN)

    assert done.exists() and still_open.exists()
    assert still_open.filter(due_on__lt=today).exists()
    assert still_open.filter(due_on__gte=today).exists()
    for obligation in Obligation.objects.all():
        assert obligation.due_on >= timezone.localdate(obligation.created_at)
    for obligation in done:
        assert obligation.completed_at is not None and obligation.created_at < obligation.completed_at <= now


def test_a_second_demo_run_moves_no_date(demo) -> None:
    before = _times()

    output = _demo()

    assert "0 reviews decided and 0 approvals new" in output
    assert _times() == before


def _events(action: str) -> list[Event]:
    return list(Event.objects.filter(action=action).order_by("seq"))


def test_every_event_of_the_history_has_the_time_of_the_row_it_describes(demo) -> None:
    usecases = {str(usecase.pk): usecase for usecase in UseCase.objects.all()}
    reviews = {(str(r.usecase_id), r.role, r.submission): r for r in Review.objects.all()}
    approvals = {(str(a.usecase_id), a.submission): a for a in Approval.objects.all()}
    duties = {(str(o.usecase_id), o.code): o for o in Obligation.objects.all()}

    created = _events("usecase.created")
    submitted = _events("usecase.submitted")
    opened = _events("decisions.review.opened")
    decided = _events("decisions.review.decided")
    approved = _events("decisions.usecase.approved")
    duty_opened = _events("decisions.obligation.opened")
    duty_done = _events("decisions.obligation.completed")

    assert len(created) == len(usecases) and len(submitted) == STATES_SUBMITTED
    assert len(decided) == Review.objects.exclude(decided_at=None).count() > 0
    assert len(approved) == Approval.objects.count() == STATES[Status.APPROVED]
    assert len(duty_done) == Obligation.objects.filter(status=ObligationStatus.DONE).count() > 0
    for event in created:
        assert event.created_at == usecases[event.object_id].created_at, event.object_label
    for event in submitted:
        assert event.created_at == usecases[event.object_id].submitted_at, event.object_label
    for event in opened:
        review = reviews[(event.object_id, event.after["role"], event.after["submission"])]
        assert event.created_at == review.created_at, event.object_label
    for event in decided:
        review = reviews[(event.object_id, event.after["role"], event.after["submission"])]
        assert event.created_at == review.decided_at, event.object_label
    for event in approved:
        approval = approvals[(event.object_id, event.after["submission"])]
        assert event.created_at == approval.approved_at == usecases[event.object_id].decided_at, event.object_label
    for event in duty_opened:
        assert event.created_at == duties[(event.object_id, event.after["obligation"])].created_at
    for event in duty_done:
        assert event.created_at == duties[(event.object_id, event.after["obligation"])].completed_at
    for completion in Completion.objects.all():  # recorded on the day of the course, or when the history began
        assert timezone.localdate(completion.created_at) >= completion.completed_on


def test_the_notifications_of_the_history_carry_the_times_of_what_they_report(demo) -> None:
    reviews = {review.pk: review for review in Review.objects.all()}
    told = Notification.objects.filter(key__startswith="review-")

    assert told.exists()
    for notification in told:
        _kind, pk, *_rest, what = notification.key.split("-")
        review = reviews[int(pk)]
        moment = review.created_at if what == "assigned" else review.decided_at
        assert notification.created_at == moment, notification.key
        if what == "assigned":
            assert notification.params["due_on"] == review.due_on.isoformat(), notification.key


def test_the_audit_trail_of_the_demo_runs_forward_in_time_and_is_intact(demo) -> None:
    times = list(Event.objects.order_by("seq").values_list("created_at", flat=True))
    out = StringIO()

    call_command("audit", "verify", stdout=out)

    assert "Audit trail intact" in out.getvalue()
    assert times == sorted(times)
    assert times[0] < timezone.now() - dt.timedelta(days=100)  # the company began months ago
