"""The demo company's AI literacy: three courses and who completed them.

Most team leads hold the basic course that approvals require; one lead's completion has expired
and one lead has none, so the demo shows an approval that goes one level up. Loading twice
changes nothing (courses by code, completions by person and course). Each completion is recorded
through the service at the clock's time: ``leitplanke demo`` records those of the days before its
history began when it begins, and each later one on its day (see ``decisions.demo``).
"""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.utils import timezone

from leitplanke.common.actors import Actor
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


def plan(today: dt.date) -> list[tuple[str, str, dt.date]]:
    """Who completed which demo course on which day, as seen on ``today``: (user name, course code, day)."""
    usernames = [org_demo.username_for(name) for name in org_demo.all_people()]
    people = set(get_user_model().objects.filter(username__in=usernames).values_list("username", flat=True))
    leads = set(OrgUnit.objects.filter(lead__isnull=False).values_list("lead__username", flat=True))
    skipped = {org_demo.username_for(name) for name in (*EXPIRED, *MISSING)}
    planned: list[tuple[str, str, dt.date]] = []
    for number, username in enumerate(sorted(leads & people)):
        if username not in skipped:
            planned.append((username, "ai-literacy-basics", today - dt.timedelta(days=30 + 17 * number)))
    for name in EXPIRED:
        planned.append((org_demo.username_for(name), "ai-literacy-basics", today - dt.timedelta(days=800)))
    for number, username in enumerate(sorted(people)):
        if number % 3 != 2:  # about two thirds of the staff took the everyday course
            planned.append((username, "ai-prompting-everyday", today - dt.timedelta(days=20 + 11 * number)))
    for name in ("Susanne Graf", "Lisa Peters", "Claudia Hartmann"):
        planned.append((org_demo.username_for(name), "ai-human-oversight", today - dt.timedelta(days=120)))
    return [(username, code, day) for username, code, day in planned if username in people]


def courses_load(*, actor: Actor = None) -> int:
    """Create the demo courses that are missing; returns how many were created."""
    existing = set(Course.objects.filter(code__in=[c[0] for c in COURSES]).values_list("code", flat=True))
    created = 0
    for code, title, description, months in COURSES:
        if code not in existing:
            services.course_create(
                actor=actor, code=code, title=title, description=description, validity_months=months, is_demo=True
            )
            created += 1
    return created


def record(username: str, code: str, day: dt.date, *, actor: Actor = None) -> bool:
    """Record that ``username`` completed the demo course ``code`` on ``day``, unless any completion of
    theirs of that course is there (loaded before, perhaps on an earlier day, so with other dates)."""
    person = get_user_model().objects.filter(username=username).first()
    course = Course.objects.filter(code=code).first()
    if person is None or course is None or Completion.objects.filter(person=person, course=course).exists():
        return False
    services.completion_record(actor=actor, person=person, course=course, completed_on=day, note="Demo")
    return True


def load(*, actor: Actor = None, until: dt.date | None = None) -> dict[str, int]:
    """Create what is missing of the demo courses and completions; returns how many were created.

    With ``until``, only the completions of that day or earlier (``leitplanke demo`` records the
    later ones on their days, as its history reaches them).
    """
    created = {"courses": courses_load(actor=actor), "completions": 0}
    for username, code, day in plan(timezone.localdate()):
        if (until is None or day <= until) and record(username, code, day, actor=actor):
            created["completions"] += 1
    return created
