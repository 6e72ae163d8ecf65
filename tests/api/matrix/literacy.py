"""Matrix rows of ``/api/v1/literacy``.

Everyone signed in reads the offered courses and their own completions; administrators maintain
courses and completions and also see retired courses (``literacy.selectors.can_maintain_literacy``);
AI governance (company-wide) and auditors read every completion (``can_read_all_completions``).
Somebody else's completion is not found for everybody else; a visible one they may not remove is 403.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from leitplanke.literacy import services

from . import Call, Operation, everyone

COURSES = "/api/v1/literacy/courses"
COMPLETIONS = "/api/v1/literacy/completions"

#: Maintenance: administrators; everybody else may see the courses and the list.
ADMINISTRATORS = everyone(403, administrator=201)

#: The Buchhaltung member's completion: who sees it (the others hear 404).
COMPLETION_READERS = everyone(404, unit_member=200, ai_governance=200, auditor=200, administrator=200)


def _course(world: Any, **fields: Any) -> Any:
    values = {"code": "ai-literacy-basics", "title": "KI-Grundlagen", "validity_months": 24} | fields
    return services.course_create(actor=None, **values)


def _completion(world: Any) -> Any:
    day = timezone.localdate() - dt.timedelta(days=7)
    return services.completion_record(actor=None, person=world.org.member, course=_course(world), completed_on=day)


def _completion_path(world: Any) -> str:
    return f"{COMPLETIONS}/{_completion(world).pk}"


def _with_etag(world: Any, path: str, body: Any = None) -> Call:
    return Call(path, body, {"If-Match": world.etag(path)})


OPERATIONS = [
    Operation("GET", COURSES, everyone(200), lambda world: Call(COURSES)),
    Operation("GET", f"{COURSES}/{{course}}", everyone(200), lambda world: Call(f"{COURSES}/{_course(world).code}")),
    Operation(
        "GET",
        f"{COURSES}/{{course}}",
        everyone(404, administrator=200),
        lambda world: Call(f"{COURSES}/{_course(world, code='prompting-2023', active=False).pk}"),
    ),
    Operation(
        "POST",
        COURSES,
        ADMINISTRATORS,
        lambda world: Call(COURSES, {"code": "ki-recht", "title": "KI und Recht", "validity_months": 12}),
    ),
    Operation(
        "PATCH",
        f"{COURSES}/{{course}}",
        everyone(403, administrator=200),
        lambda world: _with_etag(world, f"{COURSES}/{_course(world).pk}", {"title": "KI-Basics"}),
    ),
    Operation("GET", COMPLETIONS, everyone(200), lambda world: Call(COMPLETIONS)),
    Operation(
        "GET", f"{COMPLETIONS}/{{completion_id}}", COMPLETION_READERS, lambda world: Call(_completion_path(world))
    ),
    Operation(
        "POST",
        COMPLETIONS,
        ADMINISTRATORS,
        lambda world: Call(
            COMPLETIONS,
            {"person": "olga.other", "course": _course(world).code, "completed_on": timezone.localdate().isoformat()},
        ),
    ),
    Operation(
        "DELETE",
        f"{COMPLETIONS}/{{completion_id}}",
        everyone(404, unit_member=403, ai_governance=403, auditor=403, administrator=204),
        lambda world: _with_etag(world, _completion_path(world)),
    ),
]
