"""Writes to AI literacy records: courses and completions, each with its audit event.

Administrators maintain both; ``actor=None`` is the system (commands, the demo loader).
"""

from __future__ import annotations

import datetime as dt
from typing import Any, TypedDict, Unpack

from django.db import IntegrityError
from django.utils.translation import gettext as _

from leitplanke.audit.services import event_record
from leitplanke.common import clock
from leitplanke.common.actors import Actor
from leitplanke.common.errors import DomainError, full_clean
from leitplanke.common.permissions import check
from leitplanke.common.transactions import write_atomic
from leitplanke.common.versioning import check_version

from .models import Completion, Course

#: The fields of a course that ``course_create`` and ``course_update`` set.
COURSE_FIELDS = frozenset({"code", "title", "description", "validity_months", "active"})


class CourseFields(TypedDict, total=False):
    """The keywords of :func:`course_update`: every name of ``COURSE_FIELDS`` (a test keeps them the same)."""

    code: str
    title: str
    description: str
    validity_months: int | None
    active: bool


def _code_taken() -> DomainError:
    return DomainError(_("Another course already has this code."), field="code")


def _save(obj: Course | Completion, error: DomainError) -> None:
    """Save, turning a unique key taken by a concurrent request into ``error``."""
    try:
        with write_atomic():
            obj.save()
    except IntegrityError as exc:
        raise error from exc


def _clean_course(course: Course) -> None:
    course.code = course.code.strip().lower()
    course.title = course.title.strip()
    course.description = course.description.strip()
    full_clean(course, validate_unique=False, titles=["title"])
    if Course.objects.filter(code=course.code).exclude(pk=course.pk).exists():
        raise _code_taken()


@write_atomic
def course_create(
    *,
    actor: Actor,
    code: str,
    title: str,
    description: str = "",
    validity_months: int | None = None,
    active: bool = True,
    is_demo: bool = False,
) -> Course:
    """Offer a new course; completions of it can then be recorded."""
    check(actor, "literacy.manage_course")
    course = Course(
        code=code,
        title=title,
        description=description,
        validity_months=validity_months,
        active=active,
        is_demo=is_demo,
    )
    _clean_course(course)
    _save(course, _code_taken())
    event_record(actor=actor, action="literacy.course.created", target=course, after=course.audit_snapshot())
    return course


@write_atomic
def course_update(
    *, actor: Actor, course: Course, expected_version: int | None = None, **changes: Unpack[CourseFields]
) -> Course:
    """Change a course. A new validity applies to completions recorded from now on, not to earlier ones.

    With ``expected_version``, a change made by someone else in the meantime raises ``Conflict``.
    """
    check(actor, "literacy.manage_course", course)
    unknown = set(changes) - COURSE_FIELDS
    if unknown:
        raise ValueError(f"course_update cannot change {sorted(unknown)}")
    course = Course.objects.select_for_update().get(pk=course.pk)
    check_version(course, expected_version)
    before = course.audit_snapshot()
    for name, value in changes.items():
        setattr(course, name, value)
    _clean_course(course)
    after = course.audit_snapshot()
    if after == before:
        return course
    course.version += 1
    course.updated_at = clock.now()
    _save(course, _code_taken())
    event_record(actor=actor, action="literacy.course.updated", target=course, before=before, after=after)
    return course


@write_atomic
def completion_record(
    *, actor: Actor, person: Any, course: Course, completed_on: dt.date, note: str = ""
) -> Completion:
    """Record that ``person`` completed ``course`` on ``completed_on``; it counts for the course's validity."""
    check(actor, "literacy.record_completion")
    course = Course.objects.get(pk=course.pk)  # the validity as stored now, not as the caller last saw it
    if completed_on > clock.localdate():
        raise DomainError(_("A completion cannot lie in the future."), field="completed_on")
    completion = Completion(
        person=person,
        course=course,
        completed_on=completed_on,
        valid_until=course.valid_until(completed_on),
        note=note.strip(),
        recorded_by=actor,
    )
    full_clean(completion, validate_constraints=False)
    duplicate = DomainError(_("This completion is already recorded for this person and day."), field="completed_on")
    if Completion.objects.filter(person=person, course=course, completed_on=completed_on).exists():
        raise duplicate
    _save(completion, duplicate)
    event_record(actor=actor, action="literacy.completion.recorded", target=person, after=completion.audit_snapshot())
    return completion


@write_atomic
def completion_remove(*, actor: Actor, completion: Completion) -> None:
    """Remove a completion recorded by mistake; the audit trail keeps what it said."""
    check(actor, "literacy.record_completion", completion)
    before = completion.audit_snapshot()
    person = completion.person
    completion.delete()
    event_record(actor=actor, action="literacy.completion.removed", target=person, before=before)
