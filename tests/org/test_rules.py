"""The organisation's rules, which the import and the maintenance pages share with the services."""

from __future__ import annotations

import pytest

from leitplanke.common.errors import DomainError
from leitplanke.org import services
from leitplanke.org.models import Role, RoleAssignment
from leitplanke.org.selectors import has_role

from ..factories import PersonFactory, UnitFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("kind", "parent_kind", "allowed"),
    [
        ("company", None, True),
        ("company", "department", False),
        ("department", "company", True),
        ("department", "department", True),
        ("department", None, False),
        ("team", "department", True),
        ("team", "team", True),
        ("team", "company", False),
    ],
)
def test_placement_rules(kind, parent_kind, allowed):
    if allowed:
        services.unit_placement_check(kind=kind, parent_kind=parent_kind)
    else:
        with pytest.raises(DomainError) as exc:
            services.unit_placement_check(kind=kind, parent_kind=parent_kind)
        assert exc.value.field == "parent"


def test_creating_a_team_below_a_company_is_still_refused(company):
    with pytest.raises(DomainError) as exc:
        services.unit_create(actor=None, code="t", name="T", kind="team", parent=company)

    assert exc.value.field == "parent"


def test_moving_a_unit_below_its_sub_unit_is_still_refused(company):
    dept = UnitFactory(parent=company)
    sub = UnitFactory(parent=dept)

    with pytest.raises(DomainError):
        services.unit_update(actor=None, unit=dept, parent=sub)


def test_a_role_for_a_unit_counts_for_its_sub_units_only(company):
    dept, sibling = UnitFactory(parent=company), UnitFactory(parent=company)
    team = UnitFactory(kind="team", parent=dept)
    person = PersonFactory()

    services.role_assign(actor=None, person=person, role=Role.WORKS_COUNCIL, unit=dept)

    assert has_role(person, Role.WORKS_COUNCIL, dept)
    assert has_role(person, Role.WORKS_COUNCIL, team)
    assert not has_role(person, Role.WORKS_COUNCIL, sibling)
    assert not has_role(person, Role.WORKS_COUNCIL)


def test_a_company_wide_role_counts_everywhere(company):
    dept = UnitFactory(parent=company)
    person = PersonFactory()

    services.role_assign(actor=None, person=person, role=Role.LEGAL)

    assert has_role(person, Role.LEGAL)
    assert has_role(person, Role.LEGAL, dept)


@pytest.mark.parametrize("role", [Role.AUDITOR, Role.ADMINISTRATOR])
def test_company_wide_only_roles_are_refused_for_a_unit(company, role):
    person = PersonFactory()

    with pytest.raises(DomainError) as exc:
        services.role_assign(actor=None, person=person, role=role, unit=company)

    assert exc.value.field == "unit"
    assert not RoleAssignment.objects.filter(person=person).exists()


def test_an_e_mail_address_taken_in_another_case_is_refused_on_the_e_mail_field():
    PersonFactory(email="max@acme.example")

    with pytest.raises(DomainError) as exc:
        services.person_create(actor=None, username="max2", display_name="", email="MAX@acme.example")

    assert exc.value.field == "email"
