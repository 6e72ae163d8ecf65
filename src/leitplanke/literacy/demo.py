"""The demo company's AI literacy: three courses and who completed them.

Most team leads hold the basic course that approvals require; one lead's completion has expired
and one lead has none, so the demo shows an approval that goes one level up. Loading twice
changes nothing (courses by code, completions by person, course and day).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth import get_user_model
from django.utils import timezone

from leitplanke.org import demo as org_demo
from leitplanke.org.models import OrgUnit

from . import services
from .models import Completion, Course

#: code, title, description, validity in months (``None``: never expires)
COURSES: tuple[tuple[str, str, str, int | None], ...] = (
    (
        "ai-literacy-basics",
        "KI-Grundlagen für Führungskräfte (Art. 4 KI-Verordnung)",
        "Was KI-Systeme können und was nicht, typische Fehler, Datenschutz und Vertraulichkeit, die "
        "Leitplanken der Beispiel AG und die Verantwortung bei der Freigabe. 3 Stunden, online. "
        "Voraussetzung für Freigaben durch Teamleitungen.",
        24,
    ),
    (
        "ai-prompting-everyday",
        "KI im Arbeitsalltag: gute Prompts, sichere Daten",
        "Für alle Mitarbeitenden: wie man mit Chat-Assistenten gute Ergebnisse erzielt, Ergebnisse "
        "prüft und welche Daten in welches Werkzeug dürfen. 90 Minuten.",
        12,
    ),
    (
        "ai-human-oversight",
        "Menschliche Aufsicht über Hochrisiko-KI (Art. 14 und 26 KI-Verordnung)",
        "Für Personen, die Hochrisiko-KI beaufsichtigen: Automatisierungsbias erkennen, Ergebnisse "
        "übersteuern, Vorfälle melden. Ganztägig, mit Abschlusstest.",
        None,
    ),
)

#: Leads whose basic-course completion has expired, and leads who never took it.
EXPIRED = ("Sebastian Koch",)
MISSING = ("Frank Weber",)


def load(*, actor: Any = None) -> dict[str, int]:
    """Create what is missing of the demo courses and completions; returns how many were created."""
    created = {"courses": 0, "completions": 0}
    courses = {course.code: course for course in Course.objects.filter(code__in=[c[0] for c in COURSES])}
    for code, title, description, months in COURSES:
        if code not in courses:
            courses[code] = services.course_create(
                actor=actor, code=code, title=title, description=description, validity_months=months, is_demo=True
            )
            created["courses"] += 1
    today = timezone.localdate()
    usernames = [org_demo.username_for(name) for name in org_demo.all_people()]
    people = {p.username: p for p in get_user_model().objects.filter(username__in=usernames)}
    leads = set(OrgUnit.objects.filter(lead__isnull=False).values_list("lead__username", flat=True))
    skipped = {org_demo.username_for(name) for name in (*EXPIRED, *MISSING)}
    plan: list[tuple[str, str, dt.date]] = []
    for number, username in enumerate(sorted(leads & people.keys())):
        if username not in skipped:
            plan.append((username, "ai-literacy-basics", today - dt.timedelta(days=30 + 17 * number)))
    for name in EXPIRED:
        plan.append((org_demo.username_for(name), "ai-literacy-basics", today - dt.timedelta(days=800)))
    for number, username in enumerate(sorted(people)):
        if number % 3 != 2:  # about two thirds of the staff took the everyday course
            plan.append((username, "ai-prompting-everyday", today - dt.timedelta(days=20 + 11 * number)))
    for name in ("Susanne Graf", "Lisa Peters", "Claudia Hartmann"):
        plan.append((org_demo.username_for(name), "ai-human-oversight", today - dt.timedelta(days=120)))
    for username, code, day in plan:
        person = people.get(username)
        if person is None:
            continue
        if Completion.objects.filter(person=person, course=courses[code]).exists():
            continue  # loaded before (perhaps on an earlier day, so with other dates)
        services.completion_record(actor=actor, person=person, course=courses[code], completed_on=day, note="Demo")
        created["completions"] += 1
    return created
