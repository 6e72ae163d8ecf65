"""``/api/v1/literacy``: the AI literacy courses and who completed them, as on the literacy pages.

Reads go through ``literacy.selectors``: every signed-in person reads the offered courses and their
own completions; administrators, AI governance (company-wide) and auditors read every completion;
administrators also see courses no longer offered. Writes go through ``literacy.services``, which
allow them to administrators only and record the audit events.
"""

from __future__ import annotations

import datetime as dt
import re
from datetime import datetime
from typing import Annotated, Any

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from pydantic import BeforeValidator

from leitplanke.common.errors import DomainError, NotFound
from leitplanke.common.permissions import check
from leitplanke.literacy import services
from leitplanke.literacy.models import Completion, Course
from leitplanke.literacy.selectors import (
    completions_visible_to,
    courses_visible_to,
    valid_on,
)
from leitplanke.org.selectors import people_visible_to

from ..concurrency import object_response, require_current
from ..schemas import PersonOut
from .common import DEFAULT_LIMIT, MAX_LIMIT, Text, body_fields, caller, lookup_key, max_length, problems

router = Router(tags=["literacy"])


def _iso_date(value: Any) -> Any:
    # Pydantic would also read numbers as days since 1970; a day is only ever written as YYYY-MM-DD.
    if isinstance(value, dt.date) or (isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value)):
        return value
    raise ValueError(_("Give the day as YYYY-MM-DD."))


#: A day, written as ``YYYY-MM-DD`` (the schema's ``format: date``).
IsoDate = Annotated[dt.date, BeforeValidator(_iso_date)]


def _require_maintainer(user: Any) -> None:
    # Checked before If-Match, so that the wrong role hears 403 whatever it sends.
    check(user, "literacy.manage_course")


def _person(person: Any) -> dict[str, str]:
    return {"username": person.username, "name": str(person)}


# --- courses ----------------------------------------------------------------------------------------


class CourseOut(Schema):
    """A course or training that teaches people to work with AI; rule bundles name it by ``code``."""

    id: int
    code: str
    title: str
    description: str
    validity_months: int | None = Field(description="How long a completion counts; null: it never expires.")
    active: bool = Field(description="Offered now; courses no longer offered keep their completions.")
    is_demo: bool
    created: datetime
    updated: datetime
    version: int = Field(description="Counts the changes people made; the ETag of the course contains it.")


class CoursePage(Schema):
    """One page of courses: the offered ones first, then by title."""

    items: list[CourseOut]
    count: int
    limit: int
    offset: int


class CourseFilters(Schema):
    """The course list's filters."""

    active: bool | None = Field(None, description="Only offered (true) or no longer offered (false) courses.")
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)
    offset: int = Field(0, ge=0)


class CourseIn(Schema):
    """A new course."""

    code: Text = Field(
        max_length=max_length(Course, "code"),
        description="A short, stable key such as `ai-literacy-basics` (letters, digits, - and _).",
    )
    title: Text = Field(max_length=max_length(Course, "title"))
    description: Text = Field("", max_length=20_000)
    validity_months: int | None = Field(None, ge=1, le=120, description="Empty: a completion never expires.")
    active: bool = True


class CoursePatchIn(Schema):
    """The fields of a course to change (a new validity applies to completions recorded from now on)."""

    code: Text = Field(None, max_length=max_length(Course, "code"))  # type: ignore[assignment]
    title: Text = Field(None, max_length=max_length(Course, "title"))  # type: ignore[assignment]
    description: Text = Field(None, max_length=20_000)  # type: ignore[assignment]
    validity_months: int | None = Field(None, ge=1, le=120)
    active: bool = Field(None)  # type: ignore[assignment]


def _course_out(course: Course) -> CourseOut:
    return CourseOut.model_validate(
        {
            "id": course.pk,
            "code": course.code,
            "title": course.title,
            "description": course.description,
            "validity_months": course.validity_months,
            "active": course.active,
            "is_demo": course.is_demo,
            "created": course.created_at,
            "updated": course.updated_at,
            "version": course.version,
        }
    )


def _course_response(request: HttpRequest, course: Course, *, status: int = 200) -> HttpResponse:
    return object_response(request, pk=course.pk, version=course.version, payload=_course_out(course), status=status)


def _course_by_key(user: Any, key: str) -> Course:
    """A course by its id (digits only) or its code, among those ``user`` may see."""
    key = lookup_key(key)
    courses = courses_visible_to(user)
    course = courses.filter(pk=int(key)).first() if key.isascii() and key.isdigit() else None
    course = course or courses.filter(code=key.lower()).first()
    if course is None:
        raise NotFound(_("There is no course with this id or code."))
    return course


@router.get("/courses", response={200: CoursePage, **problems(401, 422)}, summary="List courses")
def course_list(request: HttpRequest, filters: Query[CourseFilters]) -> dict[str, Any]:
    """The courses on offer (administrators also see those no longer offered), offered ones first, by title."""
    courses = courses_visible_to(caller(request))
    if filters.active is not None:
        courses = courses.filter(active=filters.active)
    courses = courses.order_by("-active", "title", "pk")
    page = courses[filters.offset : filters.offset + filters.limit]
    return {
        "items": [_course_out(course) for course in page],
        "count": courses.count(),
        "limit": filters.limit,
        "offset": filters.offset,
    }


@router.get(
    "/courses/{course}",
    response={200: CourseOut, 304: None, **problems(401, 404)},
    summary="Read a course",
)
def course_read(request: HttpRequest, course: str) -> HttpResponse:
    """One course by its id or its code (a key of digits only is an id), with an ``ETag``."""
    return _course_response(request, _course_by_key(caller(request), course))


@router.post(
    "/courses",
    response={201: CourseOut, **problems(400, 401, 403, 422)},
    summary="Add a course",
)
def course_create(request: HttpRequest, payload: CourseIn) -> HttpResponse:
    """Offer a new course (administrators). Codes are unique. Audited as ``literacy.course.created``."""
    user = caller(request)
    _require_maintainer(user)
    with body_fields():
        course = services.course_create(actor=user, **payload.model_dump())
    return _course_response(request, course, status=201)


@router.patch(
    "/courses/{course}",
    response={200: CourseOut, **problems(400, 401, 403, 404, 409, 412, 422, 428)},
    summary="Change a course",
)
def course_update(request: HttpRequest, course: str, payload: CoursePatchIn) -> HttpResponse:
    """Change a course (administrators); needs ``If-Match``. Audited as ``literacy.course.updated``.

    A new validity applies to completions recorded from now on, not to earlier ones.
    """
    user = caller(request)
    found = _course_by_key(user, course)
    _require_maintainer(user)
    require_current(request, pk=found.pk, version=found.version, payload=_course_out(found))
    changes = payload.model_dump(exclude_unset=True)
    with body_fields():
        for field, value in changes.items():
            if value is None and field != "validity_months":
                raise DomainError(_("This field cannot be empty."), field=f"body.{field}", code="required")
        saved = services.course_update(actor=user, course=found, expected_version=found.version, **changes)
    return _course_response(request, saved)


# --- completions ------------------------------------------------------------------------------------


class CourseRefOut(Schema):
    """The course a completion is of."""

    id: int
    code: str
    title: str


class CompletionOut(Schema):
    """A person completed a course on a day; it counts until ``valid_until`` (inclusive)."""

    id: int
    person: PersonOut
    course: CourseRefOut
    completed_on: dt.date
    valid_until: dt.date | None = Field(description="Null: the completion does not expire.")
    valid_today: bool
    note: str
    recorded_by: PersonOut | None = Field(description="Null when the system recorded it (an import, the demo).")
    recorded: datetime


class CompletionPage(Schema):
    """One page of completions, the latest first."""

    items: list[CompletionOut]
    count: int
    limit: int
    offset: int


class CompletionFilters(Schema):
    """Filters of the completion list."""

    course: Text | None = Field(None, max_length=max_length(Course, "code"), description="A course code.")
    person: Text | None = Field(None, max_length=150, description="A user name.")
    valid_on: IsoDate | None = Field(None, description="Only completions that count on this day.")
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)
    offset: int = Field(0, ge=0)


class CompletionIn(Schema):
    """Record that a person completed a course on a day."""

    person: Text = Field(max_length=150, description="The user name of an active person.")
    course: Text = Field(max_length=max_length(Course, "code"), description="The course code.")
    completed_on: IsoDate = Field(description="Not in the future.")
    note: Text = Field("", max_length=max_length(Completion, "note"), description="For example the certificate number.")


def _completion_out(completion: Completion) -> CompletionOut:
    course = completion.course
    return CompletionOut.model_validate(
        {
            "id": completion.pk,
            "person": _person(completion.person),
            "course": {"id": course.pk, "code": course.code, "title": course.title},
            "completed_on": completion.completed_on,
            "valid_until": completion.valid_until,
            "valid_today": completion.is_valid_on(timezone.localdate()),
            "note": completion.note,
            "recorded_by": _person(completion.recorded_by) if completion.recorded_by else None,
            "recorded": completion.created_at,
        }
    )


def _completion_response(request: HttpRequest, completion: Completion, *, status: int = 200) -> HttpResponse:
    # A completion is never changed, only recorded and removed: its version is always 1.
    return object_response(request, pk=completion.pk, version=1, payload=_completion_out(completion), status=status)


def _completion_by_id(user: Any, completion_id: int) -> Completion:
    completion = completions_visible_to(user).filter(pk=completion_id).first()
    if completion is None:
        raise NotFound(_("There is no completion with this id."))
    return completion


def _course_field(user: Any, code: str, field: str) -> Course:
    course = courses_visible_to(user).filter(code=code.strip().lower()).first()
    if course is None:
        raise DomainError(_("There is no course with this code."), field=field, code="unknown_course")
    return course


def _person_field(user: Any, username: str, field: str, *, active: bool = False) -> Any:
    people = people_visible_to(user)
    person = (people.filter(is_active=True) if active else people).filter(username=username).first()
    if person is None:
        message = (
            _("There is no active person with this user name.")
            if active
            else _("There is no person with this user name.")
        )
        raise DomainError(message, field=field, code="unknown_person")
    return person


@router.get("/completions", response={200: CompletionPage, **problems(401, 422)}, summary="List completions")
def completion_list(request: HttpRequest, filters: Query[CompletionFilters]) -> dict[str, Any]:
    """The caller's own completions; everybody's for administrators, AI governance and auditors. Latest first."""
    user = caller(request)
    completions = completions_visible_to(user)
    if filters.course is not None:
        completions = completions.filter(course=_course_field(user, filters.course, "query.course"))
    if filters.person is not None:
        completions = completions.filter(person=_person_field(user, filters.person, "query.person"))
    if filters.valid_on is not None:
        completions = completions.filter(valid_on(filters.valid_on))
    completions = completions.order_by("-completed_on", "-pk")
    page = completions[filters.offset : filters.offset + filters.limit]
    return {
        "items": [_completion_out(completion) for completion in page],
        "count": completions.count(),
        "limit": filters.limit,
        "offset": filters.offset,
    }


@router.get(
    "/completions/{completion_id}",
    response={200: CompletionOut, 304: None, **problems(401, 404, 422)},
    summary="Read a completion",
)
def completion_read(request: HttpRequest, completion_id: int) -> HttpResponse:
    """One completion with an ``ETag``; someone else's answers 404 to those who read only their own."""
    return _completion_response(request, _completion_by_id(caller(request), completion_id))


@router.post(
    "/completions",
    response={201: CompletionOut, **problems(400, 401, 403, 422)},
    summary="Record a completion",
)
def completion_create(request: HttpRequest, payload: CompletionIn) -> HttpResponse:
    """Record that a person completed a course (administrators); it counts for the course's validity.

    The same person, course and day can be recorded once. Audited as ``literacy.completion.recorded``
    on the person.
    """
    user = caller(request)
    _require_maintainer(user)
    person = _person_field(user, payload.person, "body.person", active=True)
    course = _course_field(user, payload.course, "body.course")
    with body_fields():
        completion = services.completion_record(
            actor=user, person=person, course=course, completed_on=payload.completed_on, note=payload.note
        )
    return _completion_response(request, _completion_by_id(user, completion.pk), status=201)


@router.delete(
    "/completions/{completion_id}",
    response={204: None, **problems(401, 403, 404, 412, 422, 428)},
    summary="Remove a completion",
)
def completion_delete(request: HttpRequest, completion_id: int) -> HttpResponse:
    """Remove a completion recorded by mistake (administrators); needs ``If-Match``.

    The audit trail keeps what it said (``literacy.completion.removed`` on the person).
    """
    user = caller(request)
    completion = _completion_by_id(user, completion_id)
    _require_maintainer(user)
    require_current(request, pk=completion.pk, version=1, payload=_completion_out(completion))
    services.completion_remove(actor=user, completion=completion)
    return HttpResponse(status=204)
