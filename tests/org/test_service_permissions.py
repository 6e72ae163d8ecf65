"""The organisation's services refuse whoever is not allowed, whoever calls them.

Pages and the API refuse non-administrators before a service is reached; these tests call the
services directly, as a future page, command or job would, and check that nothing is written:
no row and no audit event.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.utils import translation

from leitplanke.accounts.models import User
from leitplanke.audit.models import Event
from leitplanke.common.errors import PermissionDenied
from leitplanke.common.permissions import SYSTEM
from leitplanke.org import services
from leitplanke.org.models import Membership, OrgUnit, Role, RoleAssignment

from ..factories import PersonFactory, UnitFactory

pytestmark = pytest.mark.django_db

#: People who hold a role but not the administrator's, and one who holds nothing.
NOT_ADMINISTRATORS = [Role.AI_GOVERNANCE, Role.AUDITOR, Role.DATA_PROTECTION, None]


def _person_holding(role: str | None) -> Any:
    person = PersonFactory()
    if role is not None:
        services.role_assign(actor=SYSTEM, person=person, role=role)
    return person


@pytest.fixture
def company() -> OrgUnit:
    return UnitFactory(code="acme", name="Acme GmbH", kind="company", parent=None)


def _writes(company: OrgUnit, person: Any, colleague: Any) -> dict[str, Callable[[Any], Any]]:
    """Every write of the organisation, as ``actor`` would call it."""
    department = UnitFactory(code="fin", name="Finanzen", parent=company)
    services.membership_add(actor=SYSTEM, person=colleague, unit=department)
    assignment = services.role_assign(actor=SYSTEM, person=colleague, role=Role.AUDITOR)
    return {
        "unit_create": lambda actor: services.unit_create(
            actor=actor, code="it", name="IT", kind="department", parent=company
        ),
        "unit_update": lambda actor: services.unit_update(actor=actor, unit=department, name="Finanzwesen"),
        "person_create": lambda actor: services.person_create(actor=actor, username="neu", display_name="Neu"),
        "person_update": lambda actor: services.person_update(actor=actor, person=colleague, display_name="Anders"),
        "membership_add": lambda actor: services.membership_add(actor=actor, person=person, unit=department),
        "membership_remove": lambda actor: services.membership_remove(actor=actor, person=colleague, unit=department),
        "role_assign": lambda actor: services.role_assign(actor=actor, person=person, role=Role.ADMINISTRATOR),
        "role_revoke": lambda actor: services.role_revoke(actor=actor, assignment=assignment),
    }


def _state() -> tuple[Any, ...]:
    return (
        list(OrgUnit.objects.order_by("pk").values_list("pk", "name", "version")),
        list(User.objects.order_by("pk").values_list("pk", "display_name", "version")),
        list(Membership.objects.order_by("pk").values_list("pk", flat=True)),
        list(RoleAssignment.objects.order_by("pk").values_list("pk", flat=True)),
        Event.objects.count(),
    )


WRITES = [
    "unit_create",
    "unit_update",
    "person_create",
    "person_update",
    "membership_add",
    "membership_remove",
    "role_assign",
    "role_revoke",
]


@pytest.mark.parametrize("write", WRITES)
@pytest.mark.parametrize("role", NOT_ADMINISTRATORS, ids=lambda role: role or "employee")
def test_a_write_by_someone_who_is_not_an_administrator_is_refused_and_writes_nothing(company, write, role) -> None:
    actor = _person_holding(role)
    writes = _writes(company, actor, PersonFactory())
    before = _state()

    with translation.override("en"), pytest.raises(PermissionDenied) as refused:
        writes[write](actor)

    assert str(refused.value) == "Only administrators maintain the organisation."

    assert _state() == before


@pytest.mark.parametrize("write", WRITES)
def test_a_deactivated_administrator_is_refused(company, write) -> None:
    actor = _person_holding(Role.ADMINISTRATOR)
    services.role_assign(actor=SYSTEM, person=PersonFactory(), role=Role.ADMINISTRATOR)  # not the last one
    actor = services.person_update(actor=SYSTEM, person=actor, is_active=False)
    writes = _writes(company, PersonFactory(), PersonFactory())
    before = _state()

    with pytest.raises(PermissionDenied):
        writes[write](actor)

    assert _state() == before


@pytest.mark.parametrize("write", WRITES)
@pytest.mark.parametrize("actor_kind", ["administrator", "system"])
def test_administrators_and_the_system_write(company, write, actor_kind) -> None:
    actor = _person_holding(Role.ADMINISTRATOR) if actor_kind == "administrator" else SYSTEM
    services.role_assign(actor=SYSTEM, person=PersonFactory(), role=Role.ADMINISTRATOR)  # not the last one
    writes = _writes(company, PersonFactory(), PersonFactory())
    events = Event.objects.count()

    writes[write](actor)

    assert Event.objects.count() == events + 1
    assert Event.objects.order_by("-seq").first().actor_id == (actor.pk if actor is not None else None)
