"""`leitplanke demo`: a believable company with every role, safe to load twice."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings

from leitplanke.accounts.models import User
from leitplanke.audit.models import Event
from leitplanke.org.models import Membership, OrgUnit, Role, RoleAssignment

pytestmark = pytest.mark.django_db

DEPARTMENTS = {
    "Geschäftsführung",
    "Finanzen",
    "Controlling",
    "Marketing",
    "Vertrieb",
    "Kundenservice",
    "Personal",
    "Entwicklung",
    "IT",
    "Recht & Datenschutz",
    "Informationssicherheit",
    "Betriebsrat",
}


def _demo(**options) -> str:
    out = StringIO()
    call_command("demo", password="Demo-Passwort-Test-1", stdout=out, **options)
    return out.getvalue()


def _counts() -> tuple[int, ...]:
    return tuple(model.objects.count() for model in (User, OrgUnit, Membership, RoleAssignment))


def test_the_demo_company_has_its_departments_teams_people_and_every_role(demo_company) -> None:

    assert set(OrgUnit.objects.filter(kind="department").values_list("name", flat=True)) == DEPARTMENTS
    assert 10 <= OrgUnit.objects.filter(kind="team").count() <= 16
    assert 55 <= User.objects.count() <= 70
    assert set(RoleAssignment.objects.values_list("role", flat=True)) == set(Role.values)
    assert RoleAssignment.objects.filter(role=Role.DATA_PROTECTION, unit__code="hr").exists()
    assert not OrgUnit.objects.exclude(kind="company").filter(lead__isnull=True).exists()


def test_the_demo_prints_logins_that_work(demo_company) -> None:
    output = demo_company

    assert "nina.scholz" in output and "Demo-Passwort-Test-1" in output
    assert User.objects.get(username="nina.scholz").check_password("Demo-Passwort-Test-1")


def test_loading_the_demo_twice_duplicates_nothing(demo_company) -> None:
    counts = _counts()
    events = Event.objects.count()

    output = _demo()

    assert _counts() == counts
    assert Event.objects.count() == events
    assert (
        "0 units, 0 people, 0 tools, 0 use cases, 0 courses, 0 course completions, 0 reviews decided and "
        "0 approvals new"
    ) in output


def test_the_demo_is_recorded_in_an_intact_audit_trail(demo_company) -> None:
    out = StringIO()

    call_command("audit", "verify", stdout=out)

    assert "Audit trail intact" in out.getvalue()
    assert Event.objects.filter(action="org.unit.created").count() == OrgUnit.objects.count()


@override_settings(PRODUCTION=True)
def test_the_demo_refuses_production_mode() -> None:
    people = User.objects.count()

    with pytest.raises(CommandError, match="production"):
        _demo()

    assert User.objects.count() == people
