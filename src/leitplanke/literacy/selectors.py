"""Who maintains AI literacy records, who reads them, and whether a person holds a qualification.

Courses are readable by every signed-in person (everyone should know what is offered). A person
reads their own completions; administrators maintain courses and completions; AI governance and
auditors read every completion.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from leitplanke.org.models import Role
from leitplanke.org.selectors import has_role, is_administrator, is_auditor

from .models import Completion, Course


def can_maintain_literacy(user: Any) -> bool:
    """Administrators maintain courses and record completions."""
    return is_administrator(user)


def can_read_all_completions(user: Any) -> bool:
    """Administrators, AI governance (company-wide) and auditors read everybody's completions."""
    return is_administrator(user) or has_role(user, Role.AI_GOVERNANCE) or is_auditor(user)


def courses_visible_to(user: Any) -> QuerySet[Course]:
    """Every course for those who maintain them; the offered ones for everybody else."""
    courses = Course.objects.all()
    return courses if can_maintain_literacy(user) else courses.filter(active=True)


def completions_visible_to(user: Any) -> QuerySet[Completion]:
    """Everybody's completions for those who may read them all, else the person's own."""
    completions = Completion.objects.select_related("person", "course", "recorded_by")
    return completions if can_read_all_completions(user) else completions.filter(person=user)


def valid_on(day: dt.date) -> Q:
    """The completions that count on ``day``."""
    return Q(completed_on__lte=day) & (Q(valid_until__isnull=True) | Q(valid_until__gte=day))


def holds_qualification(person: Any, course_code: str, *, on: dt.date | None = None) -> bool:
    """Whether ``person`` has a completion of the course ``course_code`` that counts on ``on`` (today)."""
    day = on or timezone.localdate()
    return Completion.objects.filter(valid_on(day), person=person, course__code=course_code).exists()


def qualification_of(person: Any, course_code: str, *, on: dt.date | None = None) -> Completion | None:
    """The completion of ``course_code`` that counts longest for ``person`` on ``on``, or ``None``.

    A completion without expiry comes first; then the one valid longest.
    """
    day = on or timezone.localdate()
    found = list(
        Completion.objects.filter(valid_on(day), person=person, course__code=course_code).select_related("course")
    )
    if not found:
        return None
    return max(found, key=lambda c: (c.valid_until is None, c.valid_until or dt.date.min, c.completed_on))
