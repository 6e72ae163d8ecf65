"""Courses and completions: validity periods, who may record them, audit events, and qualifications."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from leitplanke.audit.models import Event
from leitplanke.common.errors import Conflict, DomainError, PermissionDenied
from leitplanke.literacy import services
from leitplanke.literacy.models import Completion, Course, add_months
from leitplanke.literacy.selectors import holds_qualification, qualification_of
from leitplanke.org.models import Role

from ..factories import PersonFactory, person_with

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin():
    return person_with(Role.ADMINISTRATOR, username="admin")


@pytest.fixture
def course(admin) -> Course:
    return services.course_create(actor=admin, code="ai-literacy-basics", title="KI-Grundlagen", validity_months=24)


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (dt.date(2026, 1, 31), 1, dt.date(2026, 2, 28)),  # no 31 February: the last day of the month
        (dt.date(2024, 2, 29), 12, dt.date(2025, 2, 28)),
        (dt.date(2026, 11, 15), 2, dt.date(2027, 1, 15)),
        (dt.date(2026, 3, 1), 24, dt.date(2028, 3, 1)),
    ],
)
def test_months_are_calendar_months(day, months, expected) -> None:
    assert add_months(day, months) == expected


def test_a_completion_counts_for_the_courses_validity(admin, course) -> None:
    person = PersonFactory()

    completion = services.completion_record(actor=admin, person=person, course=course, completed_on=dt.date(2026, 3, 1))

    # 24 months from 1 March 2026: the last day that counts is 29 February 2028
    assert completion.valid_until == dt.date(2028, 2, 29)
    assert holds_qualification(person, "ai-literacy-basics", on=dt.date(2028, 2, 29))
    assert not holds_qualification(person, "ai-literacy-basics", on=dt.date(2028, 3, 1))
    assert not holds_qualification(person, "ai-literacy-basics", on=dt.date(2026, 2, 28))


def test_a_course_without_validity_never_expires(admin) -> None:
    course = services.course_create(actor=admin, code="oversight", title="Aufsicht", validity_months=None)
    person = PersonFactory()
    services.completion_record(actor=admin, person=person, course=course, completed_on=dt.date(2020, 1, 1))

    assert holds_qualification(person, "oversight", on=dt.date(2099, 12, 31))


def test_the_longest_valid_completion_is_the_qualification(admin, course) -> None:
    person = PersonFactory()
    today = timezone.localdate()
    services.completion_record(actor=admin, person=person, course=course, completed_on=today - dt.timedelta(days=400))
    newer = services.completion_record(
        actor=admin, person=person, course=course, completed_on=today - dt.timedelta(days=10)
    )

    assert qualification_of(person, "ai-literacy-basics") == newer
    assert qualification_of(PersonFactory(), "ai-literacy-basics") is None


def test_recording_and_removing_a_completion_is_audited_on_the_person(admin, course) -> None:
    person = PersonFactory(username="lea.lead")
    completion = services.completion_record(
        actor=admin, person=person, course=course, completed_on=dt.date(2026, 6, 1), note="Zertifikat 4711"
    )

    services.completion_remove(actor=admin, completion=completion)

    events = list(Event.objects.filter(object_id=str(person.pk)).order_by("seq"))
    assert [event.action for event in events][-2:] == ["literacy.completion.recorded", "literacy.completion.removed"]
    assert events[-2].after["note"] == "Zertifikat 4711"
    assert events[-1].before["course"] == "ai-literacy-basics"
    assert not Completion.objects.exists()


def test_a_completion_in_the_future_is_refused(admin, course) -> None:
    with pytest.raises(DomainError) as caught:
        services.completion_record(
            actor=admin, person=PersonFactory(), course=course, completed_on=timezone.localdate() + dt.timedelta(days=1)
        )
    assert caught.value.field == "completed_on"
    assert not Completion.objects.exists()


def test_the_same_completion_twice_is_refused(admin, course) -> None:
    person = PersonFactory()
    services.completion_record(actor=admin, person=person, course=course, completed_on=dt.date(2026, 6, 1))

    with pytest.raises(DomainError) as caught:
        services.completion_record(actor=admin, person=person, course=course, completed_on=dt.date(2026, 6, 1))
    assert caught.value.field == "completed_on"
    assert Completion.objects.count() == 1


@pytest.mark.parametrize("role", ["employee", Role.AI_GOVERNANCE, Role.AUDITOR, Role.DATA_PROTECTION])
def test_only_administrators_maintain_courses_and_completions(course, role) -> None:
    actor = person_with(role)
    events = Event.objects.count()

    with pytest.raises(PermissionDenied):
        services.course_create(actor=actor, code="x", title="X")
    with pytest.raises(PermissionDenied):
        services.course_update(actor=actor, course=course, title="Geändert")
    with pytest.raises(PermissionDenied):
        services.completion_record(actor=actor, person=actor, course=course, completed_on=dt.date(2026, 1, 1))

    course.refresh_from_db()
    assert course.title == "KI-Grundlagen"
    assert Event.objects.count() == events
    assert not Completion.objects.exists()


def test_course_codes_are_unique_and_stored_in_lower_case(admin, course) -> None:
    with pytest.raises(DomainError) as caught:
        services.course_create(actor=admin, code="AI-Literacy-Basics", title="Doppelt")
    assert caught.value.field == "code"
    assert Course.objects.count() == 1


def test_a_course_change_made_in_the_meantime_is_a_conflict(admin, course) -> None:
    services.course_update(actor=admin, course=course, expected_version=1, title="KI-Grundlagen 2027")

    with pytest.raises(Conflict):
        services.course_update(actor=admin, course=course, expected_version=1, validity_months=12)
    course.refresh_from_db()
    assert (course.title, course.validity_months, course.version) == ("KI-Grundlagen 2027", 24, 2)


def test_a_new_validity_applies_to_completions_recorded_afterwards(admin, course) -> None:
    person, other = PersonFactory(), PersonFactory()
    before = services.completion_record(actor=admin, person=person, course=course, completed_on=dt.date(2026, 1, 1))

    services.course_update(actor=admin, course=course, validity_months=12)
    after = services.completion_record(actor=admin, person=other, course=course, completed_on=dt.date(2026, 1, 1))

    before.refresh_from_db()
    assert before.valid_until == dt.date(2027, 12, 31)
    assert after.valid_until == dt.date(2026, 12, 31)
