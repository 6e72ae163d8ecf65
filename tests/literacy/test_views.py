"""AI literacy pages: everyone reads the courses and their own completions; administrators maintain them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from leitplanke.audit.models import Event
from leitplanke.literacy import services
from leitplanke.literacy.models import Completion, Course
from leitplanke.org.models import Role

from ..factories import PersonFactory, person_with

pytestmark = pytest.mark.django_db

#: Everyone the pages are checked against; ``"employee"`` holds no role, ``None`` is not signed in.
VIEWER_ROLES = (Role.ADMINISTRATOR, Role.AI_GOVERNANCE, Role.AUDITOR, Role.DATA_PROTECTION, "employee", None)
#: Who reads every completion of a course.
READERS_OF_ALL = {Role.ADMINISTRATOR, Role.AI_GOVERNANCE, Role.AUDITOR}


class World:
    """One offered course with a completion by somebody, one course no longer offered."""

    def __init__(self) -> None:
        self.admin = person_with(Role.ADMINISTRATOR, username="admin", display_name="Ada Admin")
        self.course = services.course_create(
            actor=None, code="ai-literacy-basics", title="KI-Grundlagen", validity_months=24
        )
        self.retired = services.course_create(actor=None, code="old", title="Alter Kurs", active=False)
        self.learner = PersonFactory(username="lea.lead", display_name="Lea Lernend")
        self.completion = services.completion_record(
            actor=None,
            person=self.learner,
            course=self.course,
            completed_on=dt.date(2026, 5, 4),
            note="Zertifikat 4711",
        )


@pytest.fixture
def world(db) -> World:
    return World()


@pytest.fixture
def client_as() -> Callable[[Any], Client]:
    def make(role: Any) -> Client:
        client = Client()
        if role is not None:
            client.force_login(role if hasattr(role, "pk") else person_with(role))
        return client

    return make


def _snapshot(world: World) -> tuple[Any, ...]:
    world.course.refresh_from_db()
    return (
        Event.objects.count(),
        Course.objects.count(),
        Completion.objects.count(),
        world.course.audit_snapshot(),
        world.course.version,
    )


def _course_form(course: Course, **changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {name: getattr(course, name) for name in services.COURSE_FIELDS}
    data["version"] = course.version
    data.update(changes)
    return {
        key: ("on" if value is True else ("" if value is None else value))
        for key, value in data.items()
        if value is not False
    }


CHANGES: dict[str, tuple[Callable[[World], str], Callable[[World], dict[str, Any]]]] = {
    "course_create": (
        lambda w: reverse("literacy:course_create"),
        lambda w: {"title": "Neu", "code": "neu", "validity_months": "12", "active": "on"},
    ),
    "course_edit": (
        lambda w: reverse("literacy:course_edit", args=[w.course.pk]),
        lambda w: _course_form(w.course, title="KI-Grundlagen 2027"),
    ),
    "completion_record": (
        lambda w: reverse("literacy:course_detail", args=[w.course.pk]),
        lambda w: {"person": "admin", "completed_on": "2026-06-01", "note": ""},
    ),
    "completion_remove": (lambda w: reverse("literacy:completion_remove", args=[w.completion.pk]), lambda w: {}),
}


@pytest.mark.parametrize("role", VIEWER_ROLES)
def test_the_course_list_is_open_to_everyone_signed_in(world, client_as, role) -> None:
    response = client_as(role).get(reverse("literacy:course_list"))

    if role is None:
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))
    else:
        assert response.status_code == 200
        assert "KI-Grundlagen" in response.text
        # Courses no longer offered are listed for administrators only.
        assert ("Alter Kurs" in response.text) == (role == Role.ADMINISTRATOR)


@pytest.mark.parametrize("role", VIEWER_ROLES)
def test_who_completed_a_course_is_shown_to_administrators_governance_and_auditors(world, client_as, role) -> None:
    response = client_as(role).get(reverse("literacy:course_detail", args=[world.course.pk]))

    if role is None:
        assert response.status_code == 302
    else:
        assert response.status_code == 200
        assert ("Lea Lernend" in response.text) == (role in READERS_OF_ALL)
        assert (response.context["form"] is not None) == (role == Role.ADMINISTRATOR)


@pytest.mark.parametrize("role", VIEWER_ROLES)
def test_a_course_no_longer_offered_is_not_found_except_for_administrators(world, client_as, role) -> None:
    response = client_as(role).get(reverse("literacy:course_detail", args=[world.retired.pk]))

    expected = {None: 302, Role.ADMINISTRATOR: 200}.get(role, 404)
    assert response.status_code == expected


@pytest.mark.parametrize("role", VIEWER_ROLES)
@pytest.mark.parametrize("change", CHANGES)
def test_courses_and_completions_are_changed_by_administrators_only(world, client_as, role, change) -> None:
    url, form = CHANGES[change]
    client = client_as(role)
    before = _snapshot(world)

    response = client.post(url(world), form(world))

    if role == Role.ADMINISTRATOR:
        assert response.status_code == 302, response.content
        assert _snapshot(world) != before
    else:
        assert response.status_code == (302 if role is None else 404)
        assert _snapshot(world) == before


def test_people_see_their_own_completions_with_their_validity(world, client_as) -> None:
    response = client_as(world.learner).get(reverse("literacy:course_list"))

    assert list(response.context["mine"]) == [world.completion]
    # completed on 4 May 2026, counts for 24 months: up to and including 3 May 2028
    assert "03.05.2028" in response.text


def test_recording_for_an_unknown_person_shows_the_error_and_keeps_the_input(world, client_as) -> None:
    response = client_as(world.admin).post(
        reverse("literacy:course_detail", args=[world.course.pk]),
        {"person": "niemand", "completed_on": "2026-06-01", "note": "Zertifikat 99"},
    )

    assert response.status_code == 400
    assert response.context["form"].errors["person"]
    assert 'value="Zertifikat 99"' in response.text
    assert Completion.objects.count() == 1


def test_a_completion_in_the_future_is_refused_on_its_field(world, client_as) -> None:
    response = client_as(world.admin).post(
        reverse("literacy:course_detail", args=[world.course.pk]),
        {"person": "admin", "completed_on": "2999-01-01"},
    )

    assert response.status_code == 400
    assert response.context["form"].errors["completed_on"]
    assert Completion.objects.count() == 1


def test_a_conflicting_course_edit_shows_both_versions_and_keeps_the_input(world, client_as) -> None:
    client = client_as(world.admin)
    services.course_update(actor=world.admin, course=world.course, title="Von jemand anderem")

    response = client.post(
        reverse("literacy:course_edit", args=[world.course.pk]),
        _course_form(world.course, title="Meine Änderung", version=1),
    )

    assert response.status_code == 409
    assert "Von jemand anderem" in response.text
    assert 'value="Meine Änderung"' in response.text
    world.course.refresh_from_db()
    assert world.course.title == "Von jemand anderem"


def test_the_course_page_shows_its_history(world, client_as) -> None:
    services.course_update(actor=world.admin, course=world.course, validity_months=12)

    response = client_as(world.admin).get(reverse("literacy:course_detail", args=[world.course.pk]))

    assert [event.action for event in response.context["history"]][:2] == [
        "literacy.course.updated",
        "literacy.course.created",
    ]
