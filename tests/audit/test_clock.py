"""The clock of writes: a frozen time stamps the audit events of its own thread, and only those, and
the rows the services write in it: created, updated, decided, approved, completed, due."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.utils import timezone

from leitplanke.audit.models import Event
from leitplanke.audit.services import event_record
from leitplanke.catalog import services as catalog
from leitplanke.common import clock
from leitplanke.common.errors import DomainError
from leitplanke.decisions import selectors
from leitplanke.decisions import services as decisions
from leitplanke.decisions.models import Approval, Obligation, Review, ReviewStatus
from leitplanke.literacy import services as literacy
from leitplanke.notifications.models import Notification
from leitplanke.usecases import services as usecases
from leitplanke.usecases.models import Status

from ..decisions.conftest import *  # noqa: F403 (the decision tests' company, reviewers and tools)
from ..decisions.conftest import WORKS_COUNCIL_FACTS, qualify

pytestmark = pytest.mark.django_db

MOMENT = dt.datetime(2026, 3, 2, 9, 30, tzinfo=dt.UTC)


def record(label: str) -> Event:
    return event_record(actor=None, action="test.clock", object_type="test.clock", object_id=label, object_label=label)


def test_an_event_recorded_in_a_frozen_time_carries_that_time_and_other_threads_keep_the_real_one() -> None:
    # Given a thread that reads the clock while this one has frozen it
    seen: list[dt.datetime] = []
    with clock.frozen_at(MOMENT):
        other = threading.Thread(target=lambda: seen.append(clock.now()))
        other.start()
        other.join()
        # When an event is recorded in the frozen time
        replayed = record("replayed")
    # Then it carries the frozen time; the other thread and everything after the block have the real one
    assert replayed.created_at == MOMENT
    assert clock.localdate() == timezone.localdate()
    assert seen[0] > MOMENT
    assert record("today").created_at > MOMENT
    assert Event.objects.get(object_id="replayed").created_at == MOMENT


def test_a_naive_time_cannot_be_frozen() -> None:
    with pytest.raises(ValueError), clock.frozen_at(dt.datetime(2026, 3, 2, 9, 30)):  # noqa: DTZ001
        pass


# --- the services stamp their rows with the clock ---------------------------------------------------


def _at(days_ago: int, hour: int) -> dt.datetime:
    """A moment ``days_ago`` days before today at ``hour`` o'clock, local time."""
    day = timezone.localdate() - dt.timedelta(days=days_ago)
    return dt.datetime.combine(day, dt.time(hour), tzinfo=timezone.get_current_timezone())


def test_a_use_case_replayed_step_by_step_carries_each_steps_time_in_its_rows_and_events(
    make_usecase, reviewers, org
) -> None:
    # Given a lead qualified long ago and the moments of a use case's way to its decision
    qualify(org.lead, days_ago=90)
    registered, submitted, reviewed, approved, fulfilled = (
        _at(40, 9),
        _at(38, 10),
        _at(33, 14),
        _at(31, 11),
        _at(20, 16),
    )
    # When each step runs in its own frozen time
    with clock.frozen_at(registered):
        usecase = make_usecase(status=Status.DRAFT, **WORKS_COUNCIL_FACTS)
    with clock.frozen_at(submitted):
        usecase = decisions.usecase_submit(actor=org.member, usecase=usecase)
    review = Review.objects.select_related("usecase").get(usecase=usecase)
    with clock.frozen_at(reviewed):
        decisions.review_decide(
            actor=reviewers.works_council,
            review=review,
            outcome=ReviewStatus.APPROVED_WITH_CONDITIONS,
            conditions="Betriebsvereinbarung abschließen.",
        )
    with clock.frozen_at(approved):
        decisions.usecase_approve(actor=org.lead, usecase=usecase)
    duty = Obligation.objects.filter(usecase=usecase, review__isnull=False).select_related("owner").get()
    with clock.frozen_at(fulfilled):
        decisions.obligation_complete(actor=org.member, obligation=duty, evidence="Unterschrieben.")

    # Then every row has the time of its step, deadlines count from that day, and so do the events
    usecase.refresh_from_db()
    review.refresh_from_db()
    duty.refresh_from_db()
    approval = Approval.objects.get(usecase=usecase)
    assert usecase.created_at == registered and usecase.submitted_at == submitted
    assert usecase.decided_at == approved == approval.approved_at == usecase.updated_at
    assert review.created_at == submitted and review.decided_at == reviewed
    assert review.due_on == selectors.due_date(review.role, start=submitted.date())
    assert approval.expires_on == selectors.approval_expiry(approval.risk_class, start=approved.date())
    assert duty.created_at == reviewed and duty.completed_at == fulfilled
    assert duty.due_on == reviewed.date() + dt.timedelta(days=decisions.CONDITION_DAYS)
    assert {n.created_at for n in Notification.objects.filter(key=f"review-{review.pk}-assigned")} == {submitted}
    times: dict[str, dt.datetime] = {}
    for event in Event.objects.filter(object_type="usecases.usecase", object_id=str(usecase.pk)).order_by("seq"):
        times.setdefault(event.action, event.created_at)  # the first of each kind
    assert times["usecase.created"] == registered
    assert times["usecase.submitted"] == times["decisions.review.opened"] == submitted
    assert times["decisions.review.decided"] == times["decisions.obligation.opened"] == reviewed
    assert times["decisions.usecase.approved"] == approved
    assert list(times.values()) == sorted(times.values())
    assert times["decisions.obligation.completed"] == fulfilled


def test_a_changed_tool_course_or_use_case_is_updated_at_the_clocks_time(make_usecase, tools, org) -> None:
    # Given a tool, a course and a draft created now
    tool = tools["Enterprise-Chat"]
    course = literacy.course_create(actor=None, code="clock-course", title="Kurs", validity_months=12)
    usecase = make_usecase(status=Status.DRAFT)
    created = {"tool": tool.created_at, "course": course.created_at, "usecase": usecase.created_at}
    moment = timezone.now() + dt.timedelta(hours=1)
    # When each is changed in a frozen time
    with clock.frozen_at(moment):
        tool = catalog.tool_update(actor=None, tool=tool, vendor="Musteranbieter GmbH")
        course = literacy.course_update(actor=None, course=course, title="Kurs, neu")
        usecase = usecases.usecase_update(actor=org.member, usecase=usecase, summary="Neu beschrieben.")
    # Then each was updated at that time and created when it was
    for name, row in (("tool", tool), ("course", course), ("usecase", usecase)):
        row.refresh_from_db()
        assert (row.created_at, row.updated_at) == (created[name], moment), name


def test_a_completion_in_the_future_of_the_clock_is_refused(org) -> None:
    course = literacy.course_create(actor=None, code="clock-future", title="Kurs", validity_months=12)

    with clock.frozen_at(_at(30, 9)), pytest.raises(DomainError):
        literacy.completion_record(
            actor=None, person=org.member, course=course, completed_on=timezone.localdate() - dt.timedelta(days=10)
        )
    assert not course.completions.exists()
