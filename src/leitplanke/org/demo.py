"""The demo company "Beispiel AG": departments, teams, about 60 people and every role.

Everything is created through the services (so the audit trail records it) and looked up by code
or user name first, so loading the demo twice changes nothing. ``leitplanke demo`` loads it with
the clock frozen on the day the company began to use Leitplanke (``decisions.demo.founded``), so
its rows and events come before the history that follows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model

from leitplanke.common.actors import Actor
from leitplanke.common.transactions import write_atomic

from . import services
from .models import OrgUnit, Role, RoleAssignment

EMAIL_DOMAIN = "beispiel-ag.example"


@dataclass(frozen=True)
class DemoUnit:
    code: str
    name: str
    kind: str
    parent: str | None
    lead: str | None
    deputy: str | None = None
    members: tuple[str, ...] = ()


# People are written "First Last"; the user name is "first.last" in lower case without umlauts.
UNITS: tuple[DemoUnit, ...] = (
    DemoUnit("beispiel-ag", "Beispiel AG", "company", None, "Katharina Vogel", "Michael Brandt"),
    DemoUnit(
        "gf", "Geschäftsführung", "department", "beispiel-ag", "Katharina Vogel", "Michael Brandt", ("Sabine Krause",)
    ),
    DemoUnit("fin", "Finanzen", "department", "beispiel-ag", "Michael Brandt", "Petra Lorenz"),
    DemoUnit(
        "fin-buha", "Buchhaltung", "team", "fin", "Petra Lorenz", "Jens Hoffmann", ("Monika Schulze", "Ali Yilmaz")
    ),
    DemoUnit("fin-zv", "Zahlungsverkehr", "team", "fin", "Dirk Neumann", None, ("Lena Busch",)),
    DemoUnit(
        "ctrl", "Controlling", "department", "beispiel-ag", "Stefanie Berger", None, ("Uwe Pohl", "Ingrid Sommer")
    ),
    DemoUnit("mkt", "Marketing", "department", "beispiel-ag", "Julia Becker", "Nina Scholz"),
    DemoUnit(
        "mkt-content", "Content & Kampagnen", "team", "mkt", "Nina Scholz", "Tim Richter", ("Laura Fuchs", "Emre Demir")
    ),
    DemoUnit("mkt-digital", "Digital Marketing", "team", "mkt", "Sebastian Koch", None, ("Hannah Wolf",)),
    DemoUnit("vt", "Vertrieb", "department", "beispiel-ag", "Thomas Meyer", "Andrea Schmitt"),
    DemoUnit(
        "vt-innendienst", "Vertriebsinnendienst", "team", "vt", "Andrea Schmitt", None, ("Kevin Lange", "Sarah Engel")
    ),
    DemoUnit("vt-kam", "Key Account Management", "team", "vt", "Frank Weber", None, ("Miriam Roth",)),
    DemoUnit("ks", "Kundenservice", "department", "beispiel-ag", "Claudia Hartmann", "Markus Franke"),
    DemoUnit(
        "ks-hotline",
        "Service-Hotline",
        "team",
        "ks",
        "Markus Franke",
        "Olga Kowalski",
        ("Daniel Simon", "Fatma Aydin", "Patrick Kraus"),
    ),
    DemoUnit("ks-beschwerde", "Beschwerdemanagement", "team", "ks", "Birgit Schröder", None, ("Jonas Winter",)),
    DemoUnit("hr", "Personal", "department", "beispiel-ag", "Martina Keller", "Susanne Graf", ("Heike Ludwig",)),
    DemoUnit("hr-recruiting", "Recruiting", "team", "hr", "Susanne Graf", None, ("Lisa Peters", "Marco Rossi")),
    DemoUnit("hr-pe", "Personalentwicklung", "team", "hr", "Anja Dietrich", None, ("Ralf Kühn",)),
    DemoUnit("dev", "Entwicklung", "department", "beispiel-ag", "Stefan Zimmermann", "Lukas Braun"),
    DemoUnit(
        "dev-plattform", "Plattform-Team", "team", "dev", "Lukas Braun", "Mehmet Öztürk", ("Felix Jung", "Anna Hahn")
    ),
    DemoUnit("dev-data", "Data & Analytics", "team", "dev", "Eva Schubert", None, ("Niklas Vogt", "Yuki Tanaka")),
    DemoUnit("it", "IT", "department", "beispiel-ag", "Tobias Wagner", "Kerstin Albrecht"),
    DemoUnit("it-betrieb", "IT-Betrieb", "team", "it", "Kerstin Albrecht", None, ("Paul Schwarz", "Jan Krüger")),
    DemoUnit("it-kiplattform", "KI-Plattform", "team", "it", "Christian Lehmann", "Sophie Maier", ("David Huber",)),
    DemoUnit(
        "recht",
        "Recht & Datenschutz",
        "department",
        "beispiel-ag",
        "Dr. Barbara Lang",
        None,
        ("Matthias Ernst", "Carina Otto"),
    ),
    DemoUnit("isec", "Informationssicherheit", "department", "beispiel-ag", "Oliver Seidel", None, ("Tanja Brückner",)),
    DemoUnit("br", "Betriebsrat", "department", "beispiel-ag", "Gerhard Bauer", "Ute Haas", ("Horst Kaiser",)),
)

#: (person, role, unit code or None for company-wide)
ROLES: tuple[tuple[str, str, str | None], ...] = (
    ("Katharina Vogel", Role.LEADERSHIP, None),
    ("Michael Brandt", Role.LEADERSHIP, None),
    ("Sabine Krause", Role.LEADERSHIP, None),
    ("Kerstin Albrecht", Role.ADMINISTRATOR, None),
    ("Paul Schwarz", Role.ADMINISTRATOR, None),
    ("Christian Lehmann", Role.AI_GOVERNANCE, None),
    ("Sophie Maier", Role.AI_GOVERNANCE, None),
    ("Matthias Ernst", Role.DATA_PROTECTION, None),
    ("Heike Ludwig", Role.DATA_PROTECTION, "hr"),
    ("Oliver Seidel", Role.INFORMATION_SECURITY, None),
    ("Tanja Brückner", Role.INFORMATION_SECURITY, None),
    ("Gerhard Bauer", Role.WORKS_COUNCIL, None),
    ("Ute Haas", Role.WORKS_COUNCIL, None),
    ("Dr. Barbara Lang", Role.LEGAL, None),
    ("Carina Otto", Role.LEGAL, None),
    ("Ingrid Sommer", Role.AUDITOR, None),
)

#: People whose preferred language is English.
ENGLISH_SPEAKERS = frozenset({"Yuki Tanaka", "Marco Rossi", "Olga Kowalski"})

#: The logins the demo prints, with what each is good for trying.
SHOWCASE: tuple[tuple[str, str], ...] = (
    ("Kerstin Albrecht", "Administrator (IT-Betrieb)"),
    ("Nina Scholz", "Teamleitung Content & Kampagnen"),
    ("Susanne Graf", "Teamleitung Recruiting"),
    ("Christian Lehmann", "KI-Governance (KI-Plattform)"),
    ("Matthias Ernst", "Datenschutzbeauftragter"),
    ("Heike Ludwig", "Datenschutzkoordination Personal"),
    ("Oliver Seidel", "Informationssicherheit"),
    ("Gerhard Bauer", "Betriebsrat (Vorsitz)"),
    ("Dr. Barbara Lang", "Recht & Compliance"),
    ("Katharina Vogel", "Geschäftsführung"),
    ("Ingrid Sommer", "Interne Revision (Prüferin)"),
    ("Laura Fuchs", "Mitarbeiterin Marketing"),
)

_TRANSLITERATION = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "Ä": "ae", "Ö": "oe", "Ü": "ue"})


def username_for(name: str) -> str:
    """``"Dr. Barbara Lang"`` → ``"barbara.lang"``."""
    parts = [p for p in name.replace("Dr. ", "").split() if p]
    return ".".join(parts).lower().translate(_TRANSLITERATION)


def all_people() -> list[str]:
    """Every demo person, in a stable order."""
    seen: dict[str, None] = {}
    for unit in UNITS:
        for name in (unit.lead, unit.deputy, *unit.members):
            if name:
                seen.setdefault(name, None)
    for name, _role, _unit in ROLES:
        seen.setdefault(name, None)
    return list(seen)


@write_atomic
def load(*, password: str, actor: Actor = None) -> dict[str, int]:
    """Create or complete the demo company; returns how many units and people were created."""
    User = get_user_model()
    created = {"units": 0, "people": 0}
    people: dict[str, Any] = {}
    for name in all_people():
        username = username_for(name)
        person = User.objects.filter(username=username).first()
        if person is None:
            person = services.person_create(
                actor=actor,
                username=username,
                display_name=name,
                email=f"{username}@{EMAIL_DOMAIN}",
                preferred_language="en" if name in ENGLISH_SPEAKERS else "de",
                password=password,
            )
            created["people"] += 1
        people[name] = person

    units: dict[str, OrgUnit] = {}
    for spec in UNITS:
        lead = people[spec.lead] if spec.lead else None
        deputy = people[spec.deputy] if spec.deputy else None
        parent = units[spec.parent] if spec.parent else None
        unit = OrgUnit.objects.filter(code=spec.code).first()
        if unit is None:
            unit = services.unit_create(
                actor=actor, code=spec.code, name=spec.name, kind=spec.kind, parent=parent, lead=lead, deputy=deputy
            )
            created["units"] += 1
        units[spec.code] = unit
        for member in (spec.lead, spec.deputy, *spec.members):
            if member and spec.kind != "company":
                services.membership_add(actor=actor, person=people[member], unit=unit)

    for name, role, unit_code in ROLES:
        role_unit = units[unit_code] if unit_code else None
        if not RoleAssignment.objects.filter(person=people[name], role=role, unit=role_unit).exists():
            services.role_assign(actor=actor, person=people[name], role=role, unit=role_unit)
    return created
