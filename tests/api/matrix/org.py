"""Matrix rows of ``/api/v1/units`` and ``/api/v1/people``.

Every signed-in person reads every unit and every active person (``org.selectors``); inactive
people only administrators and auditors find. Only administrators maintain the organisation: a
visible unit or person answers everybody else 403.
"""

from __future__ import annotations

from typing import Any

from leitplanke.org import services
from leitplanke.org.models import Role

from ...factories import PersonFactory
from . import Call, Operation, everyone

#: Administrators change the organisation; everybody else may see what they would change.
ADMINISTRATORS_ONLY = everyone(403, administrator=200)


def _admin_etag(world: Any, path: str) -> str:
    """A person's tag as administrators read them (colleagues get fewer fields, hence another tag)."""
    response = world.client("administrator").get(path)
    assert response.status_code == 200, response.content
    return str(response["ETag"])


def _colleague(world: Any, **fields: Any) -> Any:
    """A person of Finanzen whom nobody of the matrix is."""
    person = PersonFactory(username="paula.person", display_name="Paula Person", **fields)
    services.membership_add(actor=None, person=person, unit=world.org.finance)
    return person


def _person_patch(world: Any, **fields: Any) -> Call:
    path = f"/api/v1/people/{_colleague(world, **fields).username}"
    return Call(path, {"display_name": "Paula P."}, {"If-Match": _admin_etag(world, path)})


def _membership_remove(world: Any) -> Call:
    person = _colleague(world)
    path = f"/api/v1/people/{person.username}"
    return Call(f"{path}/memberships/fin", headers={"If-Match": _admin_etag(world, path)})


def _role_revoke(world: Any) -> Call:
    person = _colleague(world)
    assignment = services.role_assign(actor=None, person=person, role=Role.DATA_PROTECTION, unit=world.org.finance)
    path = f"/api/v1/people/{person.username}"
    return Call(f"{path}/roles/{assignment.pk}", headers={"If-Match": _admin_etag(world, path)})


OPERATIONS = [
    Operation("GET", "/api/v1/units", everyone(200), lambda world: Call("/api/v1/units")),
    Operation("GET", "/api/v1/units/{code}", everyone(200), lambda world: Call("/api/v1/units/fin-buha")),
    Operation("GET", "/api/v1/units/{code}", everyone(404), lambda world: Call("/api/v1/units/no-such-unit")),
    Operation(
        "POST",
        "/api/v1/units",
        everyone(403, administrator=201),
        lambda world: Call(
            "/api/v1/units", {"code": "fin-ctrl", "name": "Controlling", "kind": "team", "parent": "fin"}
        ),
    ),
    Operation(
        "PATCH",
        "/api/v1/units/{code}",
        ADMINISTRATORS_ONLY,
        lambda world: Call(
            "/api/v1/units/fin-buha",
            {"name": "Buchhaltung & Steuern"},
            {"If-Match": world.etag("/api/v1/units/fin-buha")},
        ),
    ),
    Operation("GET", "/api/v1/people", everyone(200), lambda world: Call("/api/v1/people")),
    Operation("GET", "/api/v1/people/me", everyone(200), lambda world: Call("/api/v1/people/me")),
    Operation(
        "GET",
        "/api/v1/people/{username}",
        everyone(200),
        lambda world: Call(f"/api/v1/people/{_colleague(world).username}"),
    ),
    Operation(
        "GET",
        "/api/v1/people/{username}",
        everyone(404, auditor=200, administrator=200),
        lambda world: Call(f"/api/v1/people/{_colleague(world, is_active=False).username}"),
    ),
    Operation(
        "POST",
        "/api/v1/people",
        everyone(403, administrator=201),
        lambda world: Call(
            "/api/v1/people", {"username": "neu.person", "display_name": "Neu", "email": "neu@example.com"}
        ),
    ),
    Operation("PATCH", "/api/v1/people/{username}", ADMINISTRATORS_ONLY, _person_patch),
    Operation(
        "PATCH",
        "/api/v1/people/{username}",
        # Only administrators and auditors find an inactive person; auditors may not change them.
        everyone(404, auditor=403, administrator=200),
        lambda world: _person_patch(world, is_active=False),
    ),
    Operation(
        "POST",
        "/api/v1/people/{username}/memberships",
        ADMINISTRATORS_ONLY,
        lambda world: Call(f"/api/v1/people/{_colleague(world).username}/memberships", {"unit": "mkt"}),
    ),
    Operation("DELETE", "/api/v1/people/{username}/memberships/{code}", ADMINISTRATORS_ONLY, _membership_remove),
    Operation(
        "POST",
        "/api/v1/people/{username}/roles",
        ADMINISTRATORS_ONLY,
        lambda world: Call(f"/api/v1/people/{_colleague(world).username}/roles", {"role": "legal", "unit": "fin"}),
    ),
    Operation("DELETE", "/api/v1/people/{username}/roles/{assignment_id}", ADMINISTRATORS_ONLY, _role_revoke),
]
