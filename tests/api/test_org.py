"""``/api/v1/units`` and ``/api/v1/people``: the organisation as its pages show it, maintained by administrators."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from leitplanke.accounts.models import User
from leitplanke.api.models import Scope
from leitplanke.audit.models import Event
from leitplanke.org import services
from leitplanke.org.models import Membership, OrgUnit, Role, RoleAssignment

from ..factories import PersonFactory
from .conftest import problem

pytestmark = pytest.mark.django_db

UNITS = "/api/v1/units"
PEOPLE = "/api/v1/people"

#: Everyone but administrators: they may read the organisation, not change it.
NOT_ADMINISTRATORS = ("unit_member", "unit_lead", "other_unit", "ai_governance", "auditor", "data_protection")

#: What colleagues see of a person, and what the person, administrators and auditors see besides.
COLLEAGUE_FIELDS = {"username", "name", "email", "units", "roles"}
DETAIL_FIELDS = COLLEAGUE_FIELDS | {"display_name", "preferred_language", "active", "version"}


def send(client: Any, method: str, path: str, body: Any = None, **headers: str) -> Any:
    """A JSON request (``if_match="…"`` becomes the ``If-Match`` header)."""
    extra = {"If-Match": headers.pop("if_match")} if "if_match" in headers else {}
    kwargs: dict[str, Any] = {"headers": extra | headers}
    if body is not None:
        kwargs |= {"data": json.dumps(body), "content_type": "application/json"}
    return getattr(client, method.lower())(path, **kwargs)


def field_errors(body: dict[str, Any]) -> dict[str, str]:
    """Field path → code of a validation problem (ninja names the body parameter: ``body.payload.x``)."""
    return {error["field"].replace("body.payload.", "body."): error["code"] for error in body["errors"]}


@pytest.fixture
def admin(org, api_for):
    """A read-write client of the administrator."""
    return api_for(org.viewer("administrator"), scope=Scope.READ_WRITE)


def actions_since(count: int) -> list[str]:
    return list(Event.objects.order_by("seq").values_list("action", flat=True)[count:])


# --- units: reading ---------------------------------------------------------------------------------


def test_the_unit_list_is_the_org_chart_in_tree_order(org, api_for) -> None:
    body = api_for(org.outsider).get(UNITS).json()

    assert [item["code"] for item in body["items"]] == ["acme", "fin", "fin-buha", "mkt"]
    buha = body["items"][2]
    assert buha == {
        "code": "fin-buha", "name": "Buchhaltung", "kind": "team", "parent": "fin", "depth": 2,
        "lead": {"username": "lea.lead", "name": "Lea Lead"}, "deputy": None, "member_count": 1,
    }  # fmt: skip
    assert (body["count"], body["limit"], body["offset"]) == (4, 50, 0)


def test_the_unit_list_filters_by_parent_kind_and_text(org, api_for) -> None:
    client = api_for(org.member)

    def codes(query: str) -> list[str]:
        response = client.get(f"{UNITS}?{query}")
        assert response.status_code == 200, response.content
        return [item["code"] for item in response.json()["items"]]

    assert codes("parent=acme") == ["fin", "mkt"]
    assert codes("kind=team") == ["fin-buha"]
    assert codes("q=buch") == ["fin-buha"]
    assert codes("q=MKT") == ["mkt"]


def test_the_unit_list_pages_in_a_stable_order(org, api_for) -> None:
    client = api_for(org.member)
    first = client.get(f"{UNITS}?limit=2").json()
    second = client.get(f"{UNITS}?limit=2&offset=2").json()

    assert [item["code"] for item in first["items"] + second["items"]] == ["acme", "fin", "fin-buha", "mkt"]
    assert first["count"] == second["count"] == 4


@pytest.mark.parametrize(
    ("query", "field", "code"),
    [("parent=nowhere", "query.parent", "unknown_unit"), ("kind=division", "query.kind", "enum"),
     ("limit=101", "query.limit", "less_than_equal")],
)  # fmt: skip
def test_a_bad_unit_filter_is_a_field_error(org, api_for, query, field, code) -> None:
    body = problem(api_for(org.member).get(f"{UNITS}?{query}"), 422)
    assert field_errors(body) == {field: code}


def test_a_unit_reads_with_parent_lead_children_and_an_etag(org, api_for) -> None:
    services.unit_update(actor=None, unit=org.finance, lead=org.lead)
    client = api_for(org.member)

    response = client.get(f"{UNITS}/fin")

    assert response.status_code == 200
    assert response.json() == {
        "code": "fin", "name": "Finanzen", "kind": "department", "parent": {"code": "acme", "name": "Acme GmbH"},
        "lead": {"username": "lea.lead", "name": "Lea Lead"}, "deputy": None,
        "children": [{"code": "fin-buha", "name": "Buchhaltung", "kind": "team"}], "member_count": 0, "version": 2,
    }  # fmt: skip
    again = client.get(f"{UNITS}/fin", headers={"If-None-Match": response["ETag"]})
    assert again.status_code == 304


def test_the_unit_list_takes_the_same_number_of_queries_for_more_units(org, api_for) -> None:
    client = api_for(org.member)
    client.get(UNITS)  # the token's first use is recorded once

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(UNITS).status_code == 200
        return len(captured)

    before = queries()
    for number in range(5):
        services.unit_create(actor=None, code=f"team-{number}", name=f"Team {number}", kind="team",
                             parent=org.marketing, lead=org.lead, deputy=org.member)  # fmt: skip
    assert queries() == before


def test_an_unknown_unit_code_answers_404(org, api_for) -> None:
    assert problem(api_for(org.member).get(f"{UNITS}/nowhere"), 404)["code"] == "not_found"


# --- units: writing ---------------------------------------------------------------------------------


def test_an_administrator_creates_a_unit_with_its_audit_event(org, admin) -> None:
    events = Event.objects.count()
    body = {"code": "fin-ctrl", "name": "Controlling", "kind": "team", "parent": "fin", "lead": "max.member"}

    response = send(admin, "POST", UNITS, body)

    assert response.status_code == 201, response.content
    assert response["ETag"]
    assert response.json()["parent"] == {"code": "fin", "name": "Finanzen"}
    assert response.json()["lead"] == {"username": "max.member", "name": "Max Member"}
    unit = OrgUnit.objects.get(code="fin-ctrl")
    assert (unit.parent, unit.lead, unit.depth) == (org.finance, org.member, 2)
    assert actions_since(events) == ["org.unit.created"]


@pytest.mark.parametrize(
    ("body", "field", "code"),
    [
        (
            {"code": "fin", "name": "Noch einmal Finanzen", "kind": "department", "parent": "acme"},
            "body.code",
            "invalid",
        ),
        ({"code": "neu", "name": "Neu", "kind": "team", "parent": "nowhere"}, "body.parent", "unknown_unit"),
        (
            {"code": "neu", "name": "Neu", "kind": "team", "parent": "fin", "lead": "nobody"},
            "body.lead",
            "unknown_person",
        ),
        ({"code": "neu", "name": "Neu", "kind": "team"}, "body.parent", "invalid"),
        ({"code": "neu", "name": "Neu", "kind": "division", "parent": "fin"}, "body.kind", "enum"),
        ({"code": "kein slug", "name": "Neu", "kind": "team", "parent": "fin"}, "body.code", "invalid"),
        ({"code": "x" * 51, "name": "Neu", "kind": "team", "parent": "fin"}, "body.code", "string_too_long"),
    ],
    ids=[
        "duplicate code",
        "unknown parent",
        "unknown lead",
        "team without parent",
        "bad kind",
        "not a slug",
        "too long",
    ],
)
def test_a_bad_new_unit_is_refused_on_its_field_and_nothing_is_created(org, admin, body, field, code) -> None:
    units, events = OrgUnit.objects.count(), Event.objects.count()

    refused = problem(send(admin, "POST", UNITS, body), 422)

    assert field_errors(refused) == {field: code}
    assert (OrgUnit.objects.count(), Event.objects.count()) == (units, events)


@pytest.mark.parametrize("viewer", NOT_ADMINISTRATORS)
def test_only_administrators_create_units(org, api_for, viewer) -> None:
    client = api_for(org.viewer(viewer), scope=Scope.READ_WRITE)
    units, events = OrgUnit.objects.count(), Event.objects.count()

    response = send(client, "POST", UNITS, {"code": "neu", "name": "Neu", "kind": "team", "parent": "fin"})

    assert problem(response, 403)["code"] == "forbidden"
    assert (OrgUnit.objects.count(), Event.objects.count()) == (units, events)


def test_changing_a_unit_needs_if_match(org, admin) -> None:
    missing = send(admin, "PATCH", f"{UNITS}/fin-buha", {"name": "Steuern"})
    stale = send(admin, "PATCH", f"{UNITS}/fin-buha", {"name": "Steuern"}, if_match='"1-1-0000000000000000"')

    assert problem(missing, 428)["code"] == "precondition_required"
    assert problem(stale, 412)["code"] == "precondition_failed"
    assert OrgUnit.objects.get(code="fin-buha").name == "Buchhaltung"


def test_an_administrator_moves_renames_and_unleads_a_unit_with_chained_etags(org, admin) -> None:
    tag = admin.get(f"{UNITS}/fin-buha")["ETag"]
    events = Event.objects.count()

    moved = send(admin, "PATCH", f"{UNITS}/fin-buha", {"parent": "mkt", "code": "mkt-buha"}, if_match=tag)
    renamed = send(admin, "PATCH", f"{UNITS}/mkt-buha", {"name": "Buchhaltung Marketing", "lead": None},
                   if_match=moved["ETag"])  # fmt: skip

    assert moved.status_code == 200, moved.content
    assert renamed.status_code == 200, renamed.content
    assert renamed.json()["parent"] == {"code": "mkt", "name": "Marketing"}
    assert renamed.json()["lead"] is None
    unit = OrgUnit.objects.get(pk=org.team.pk)
    assert (unit.code, unit.name, unit.parent, unit.lead, unit.version) == (
        "mkt-buha", "Buchhaltung Marketing", org.marketing, None, 3,
    )  # fmt: skip
    assert actions_since(events) == ["org.unit.updated", "org.unit.updated"]


def test_a_unit_cannot_move_below_its_own_sub_unit(org, admin) -> None:
    tag = admin.get(f"{UNITS}/fin")["ETag"]

    refused = problem(send(admin, "PATCH", f"{UNITS}/fin", {"parent": "fin-buha"}, if_match=tag), 422)

    assert field_errors(refused) == {"body.parent": "invalid"}
    assert OrgUnit.objects.get(code="fin").parent == org.company


def test_a_unit_patch_with_a_null_name_is_a_field_error(org, admin) -> None:
    tag = admin.get(f"{UNITS}/fin")["ETag"]
    refused = problem(send(admin, "PATCH", f"{UNITS}/fin", {"name": None}, if_match=tag), 422)
    assert field_errors(refused) == {"body.name": "string_type"}


@pytest.mark.parametrize("viewer", NOT_ADMINISTRATORS)
def test_only_administrators_change_units(org, api_for, viewer) -> None:
    client = api_for(org.viewer(viewer), scope=Scope.READ_WRITE)
    tag = client.get(f"{UNITS}/fin-buha")["ETag"]
    events = Event.objects.count()

    response = send(client, "PATCH", f"{UNITS}/fin-buha", {"name": "Gekapert"}, if_match=tag)

    assert problem(response, 403)["code"] == "forbidden"
    assert OrgUnit.objects.get(code="fin-buha").name == "Buchhaltung"
    assert Event.objects.count() == events


def test_changing_an_unknown_unit_answers_404(org, admin) -> None:
    assert problem(send(admin, "PATCH", f"{UNITS}/nowhere", {"name": "X"}, if_match="*"), 404)["code"] == "not_found"


# --- people: what each caller sees ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("viewer", "sees_details"),
    [("unit_member", False), ("unit_lead", False), ("other_unit", False), ("ai_governance", False),
     ("data_protection", False), ("auditor", True), ("administrator", True)],
)  # fmt: skip
def test_colleagues_see_what_a_company_directory_shows(org, api_for, viewer, sees_details) -> None:
    paula = PersonFactory(username="paula.person", email="paula@example.com")
    services.membership_add(actor=None, person=paula, unit=org.marketing)
    services.role_assign(actor=None, person=paula, role=Role.LEGAL, unit=org.marketing)
    client = api_for(org.viewer(viewer))

    detail = client.get(f"{PEOPLE}/paula.person").json()
    listed = next(item for item in client.get(PEOPLE).json()["items"] if item["username"] == "paula.person")

    expected = DETAIL_FIELDS if sees_details else COLLEAGUE_FIELDS
    assert detail.keys() == listed.keys() == expected
    assert detail["units"] == [{"code": "mkt", "name": "Marketing"}]
    if sees_details:
        assert detail["email"] == "paula@example.com"
        assert detail["active"] is True
        assert [(role["role"], role["unit"]) for role in detail["roles"]] == [
            ("legal", {"code": "mkt", "name": "Marketing"})
        ]
    else:
        assert detail["email"] == "paula@example.com"  # the directory's contact, without language or status


def test_a_person_sees_their_own_details_and_roles(org, api_for) -> None:
    client = api_for(org.viewer("data_protection"))

    me = client.get(f"{PEOPLE}/me")
    by_name = client.get(f"{PEOPLE}/data_protection.person")

    assert me.status_code == 200
    assert me.json().keys() == DETAIL_FIELDS
    assert me.json() == by_name.json()
    assert me["ETag"] == by_name["ETag"]
    assert [(role["role"], role["unit"]) for role in me.json()["roles"]] == [("data_protection", None)]
    assert me.json()["units"] == [{"code": "mkt", "name": "Marketing"}]


@pytest.mark.parametrize(
    ("viewer", "finds"),
    [("unit_member", False), ("ai_governance", False), ("auditor", True), ("administrator", True)],
)
def test_an_inactive_person_is_found_by_administrators_and_auditors_only(org, api_for, viewer, finds) -> None:
    PersonFactory(username="ex.kollege", is_active=False)
    client = api_for(org.viewer(viewer))

    detail = client.get(f"{PEOPLE}/ex.kollege")
    listed = [item["username"] for item in client.get(f"{PEOPLE}?q=ex.kollege").json()["items"]]

    if finds:
        assert detail.status_code == 200
        assert detail.json()["active"] is False
        assert listed == ["ex.kollege"]
    else:
        assert problem(detail, 404)["code"] == "not_found"
        assert listed == []


def test_an_unknown_person_looks_like_an_inactive_one(org, api_for) -> None:
    PersonFactory(username="ex.kollege", is_active=False)
    client = api_for(org.member)
    assert client.get(f"{PEOPLE}/ex.kollege").json() == client.get(f"{PEOPLE}/niemand").json()


def test_the_directory_searches_by_name_and_lists_the_members_of_a_unit(org, api_for) -> None:
    client = api_for(org.outsider)

    def usernames(query: str) -> list[str]:
        response = client.get(f"{PEOPLE}?{query}")
        assert response.status_code == 200, response.content
        return [item["username"] for item in response.json()["items"]]

    assert usernames("q=lead") == ["lea.lead"]
    assert usernames("unit=fin-buha") == ["max.member"]
    assert problem(client.get(f"{PEOPLE}?unit=nowhere"), 422)["errors"][0]["field"] == "query.unit"


def test_the_directory_takes_the_same_number_of_queries_for_more_people(org, api_for) -> None:
    client = api_for(org.viewer("administrator"))
    client.get(PEOPLE)  # the token's first use is recorded once

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(PEOPLE).status_code == 200
        return len(captured)

    before = queries()
    for number in range(5):
        person = PersonFactory(username=f"neu{number}")
        services.membership_add(actor=None, person=person, unit=org.team)
        services.role_assign(actor=None, person=person, role=Role.LEGAL, unit=org.team)
    assert queries() == before


# --- people: writing --------------------------------------------------------------------------------


def test_an_administrator_creates_a_person_with_its_audit_event(org, admin) -> None:
    events = Event.objects.count()
    body = {
        "username": "nora.neu", "display_name": "Nora Neu", "email": "nora@example.com", "preferred_language": "en",
        "password": "ein langes und gutes Passwort",
    }  # fmt: skip

    response = send(admin, "POST", PEOPLE, body)

    assert response.status_code == 201, response.content
    assert response.json() | {"version": 1} == {
        "username": "nora.neu", "name": "Nora Neu", "units": [], "display_name": "Nora Neu",
        "email": "nora@example.com", "preferred_language": "en", "active": True, "roles": [], "version": 1,
    }  # fmt: skip
    person = User.objects.get(username="nora.neu")
    assert person.check_password("ein langes und gutes Passwort")
    assert actions_since(events) == ["org.person.created"]
    assert "password" not in json.dumps(Event.objects.order_by("seq").last().after)  # type: ignore[union-attr]


def test_a_person_created_without_a_password_cannot_sign_in_with_one(org, admin) -> None:
    assert send(admin, "POST", PEOPLE, {"username": "sso.person"}).status_code == 201
    assert not User.objects.get(username="sso.person").has_usable_password()


@pytest.mark.parametrize(
    ("body", "field", "code"),
    [
        ({"username": "max.member"}, "body.username", "invalid"),
        ({"username": "neu", "email": "MAX.MEMBER@example.com"}, "body.email", "invalid"),
        ({"username": "neu", "email": "keine-adresse"}, "body.email", "invalid"),
        ({"username": "neu", "password": "kurz"}, "body.password", "weak_password"),
        ({"username": "neu", "preferred_language": "fr"}, "body.preferred_language", "unknown_language"),
        ({"username": "mit leerzeichen"}, "body.username", "invalid"),
        ({"username": "neu\u0000"}, "body.username", "value_error"),
    ],
    ids=["taken user name", "taken e-mail", "bad e-mail", "weak password", "unknown language", "bad user name", "NUL"],
)
def test_a_bad_new_person_is_refused_on_its_field_and_nobody_is_created(org, admin, body, field, code) -> None:
    people, events = User.objects.count(), Event.objects.count()

    refused = problem(send(admin, "POST", PEOPLE, body), 422)

    assert field_errors(refused) == {field: code}
    assert (User.objects.count(), Event.objects.count()) == (people, events)


@pytest.mark.parametrize("viewer", NOT_ADMINISTRATORS)
def test_only_administrators_create_people(org, api_for, viewer) -> None:
    client = api_for(org.viewer(viewer), scope=Scope.READ_WRITE)
    people, events = User.objects.count(), Event.objects.count()

    assert problem(send(client, "POST", PEOPLE, {"username": "neu"}), 403)["code"] == "forbidden"
    assert (User.objects.count(), Event.objects.count()) == (people, events)


def test_changing_a_person_needs_the_administrators_etag(org, admin, api_for) -> None:
    colleague_tag = api_for(org.member).get(f"{PEOPLE}/olga.other")["ETag"]

    missing = send(admin, "PATCH", f"{PEOPLE}/olga.other", {"display_name": "Olga O."})
    stale = send(admin, "PATCH", f"{PEOPLE}/olga.other", {"display_name": "Olga O."}, if_match=colleague_tag)

    assert problem(missing, 428)["code"] == "precondition_required"
    assert problem(stale, 412)["code"] == "precondition_failed"  # another representation, another tag
    assert User.objects.get(username="olga.other").display_name == "Olga Other"


def test_an_administrator_deactivates_a_person_with_its_audit_event(org, admin) -> None:
    tag = admin.get(f"{PEOPLE}/olga.other")["ETag"]
    events = Event.objects.count()

    response = send(
        admin, "PATCH", f"{PEOPLE}/olga.other", {"active": False, "email": "olga@example.org"}, if_match=tag
    )

    assert response.status_code == 200, response.content
    assert (response.json()["active"], response.json()["email"], response.json()["version"]) == (
        False, "olga@example.org", 2,
    )  # fmt: skip
    assert response["ETag"] != tag
    assert not User.objects.get(username="olga.other").is_active
    assert actions_since(events) == ["org.person.updated"]


def test_nobody_deactivates_their_own_account(org, admin) -> None:
    tag = admin.get(f"{PEOPLE}/me")["ETag"]

    refused = problem(send(admin, "PATCH", f"{PEOPLE}/administrator.person", {"active": False}, if_match=tag), 422)

    assert field_errors(refused) == {"body.active": "invalid"}
    assert User.objects.get(username="administrator.person").is_active


@pytest.mark.parametrize("viewer", NOT_ADMINISTRATORS)
def test_only_administrators_change_people(org, api_for, viewer) -> None:
    client = api_for(org.viewer(viewer), scope=Scope.READ_WRITE)
    tag = client.get(f"{PEOPLE}/olga.other")["ETag"]
    events = Event.objects.count()

    response = send(client, "PATCH", f"{PEOPLE}/olga.other", {"display_name": "Gekapert"}, if_match=tag)

    assert problem(response, 403)["code"] == "forbidden"
    assert User.objects.get(username="olga.other").display_name == "Olga Other"
    assert Event.objects.count() == events


def test_an_administrator_adds_and_removes_a_membership(org, admin) -> None:
    events = Event.objects.count()

    added = send(admin, "POST", f"{PEOPLE}/olga.other/memberships", {"unit": "fin-buha"})
    removed = send(admin, "DELETE", f"{PEOPLE}/olga.other/memberships/mkt", if_match=added["ETag"])

    assert added.status_code == 200, added.content
    assert added.json()["units"] == [{"code": "fin-buha", "name": "Buchhaltung"}, {"code": "mkt", "name": "Marketing"}]
    assert removed.status_code == 200, removed.content
    assert removed.json()["units"] == [{"code": "fin-buha", "name": "Buchhaltung"}]
    assert list(Membership.objects.filter(person=org.outsider).values_list("unit__code", flat=True)) == ["fin-buha"]
    assert actions_since(events) == ["org.membership.added", "org.membership.removed"]


def test_a_membership_change_refuses_a_stale_if_match_and_an_unknown_unit(org, admin) -> None:
    tag = admin.get(f"{PEOPLE}/olga.other")["ETag"]
    send(admin, "POST", f"{PEOPLE}/olga.other/memberships", {"unit": "fin"})
    events = Event.objects.count()

    stale = send(admin, "POST", f"{PEOPLE}/olga.other/memberships", {"unit": "fin-buha"}, if_match=tag)
    unknown = send(admin, "POST", f"{PEOPLE}/olga.other/memberships", {"unit": "nowhere"})
    not_member = send(admin, "DELETE", f"{PEOPLE}/olga.other/memberships/fin-buha", if_match="*")
    without_tag = send(admin, "DELETE", f"{PEOPLE}/olga.other/memberships/fin")

    assert problem(stale, 412)["code"] == "precondition_failed"
    assert field_errors(problem(unknown, 422)) == {"body.unit": "unknown_unit"}
    assert problem(not_member, 404)["code"] == "not_found"
    assert problem(without_tag, 428)["code"] == "precondition_required"
    assert Event.objects.count() == events


def test_an_administrator_assigns_and_revokes_a_role(org, admin) -> None:
    events = Event.objects.count()

    assigned = send(admin, "POST", f"{PEOPLE}/olga.other/roles", {"role": "data_protection", "unit": "mkt"})
    role = assigned.json()["roles"][0]
    revoked = send(admin, "DELETE", f"{PEOPLE}/olga.other/roles/{role['id']}", if_match=assigned["ETag"])

    assert assigned.status_code == 200, assigned.content
    assert (role["role"], role["unit"]) == ("data_protection", {"code": "mkt", "name": "Marketing"})
    assert revoked.status_code == 200, revoked.content
    assert revoked.json()["roles"] == []
    assert not RoleAssignment.objects.filter(person=org.outsider).exists()
    assert actions_since(events) == ["org.role.assigned", "org.role.revoked"]


@pytest.mark.parametrize(
    ("body", "field", "code"),
    [({"role": "auditor", "unit": "mkt"}, "body.unit", "invalid"), ({"role": "kaiser"}, "body.role", "enum"),
     ({"role": "legal", "unit": "nowhere"}, "body.unit", "unknown_unit")],
    ids=["company-wide role for a unit", "unknown role", "unknown unit"],
)  # fmt: skip
def test_a_bad_role_is_refused_on_its_field(org, admin, body, field, code) -> None:
    events = Event.objects.count()

    refused = problem(send(admin, "POST", f"{PEOPLE}/olga.other/roles", body), 422)

    assert field_errors(refused) == {field: code}
    assert not RoleAssignment.objects.filter(person=org.outsider).exists()
    assert Event.objects.count() == events


def test_the_last_administrator_keeps_the_role(org, admin) -> None:
    me = admin.get(f"{PEOPLE}/me")
    role = next(role for role in me.json()["roles"] if role["role"] == "administrator")

    events = Event.objects.count()

    kept = problem(send(admin, "DELETE", f"{PEOPLE}/administrator.person/roles/{role['id']}", if_match=me["ETag"]), 422)

    assert kept["reason"] == "last_administrator"
    assert Event.objects.count() == events
    assert RoleAssignment.objects.filter(pk=role["id"]).exists()


def test_a_role_of_someone_else_answers_404(org, admin) -> None:
    other = RoleAssignment.objects.get(person=org.viewer("auditor"))
    refused = send(admin, "DELETE", f"{PEOPLE}/olga.other/roles/{other.pk}", if_match="*")
    assert problem(refused, 404)["code"] == "not_found"
    assert RoleAssignment.objects.filter(pk=other.pk).exists()


@pytest.mark.parametrize("viewer", NOT_ADMINISTRATORS)
def test_only_administrators_change_memberships_and_roles(org, api_for, viewer) -> None:
    assignment = services.role_assign(actor=None, person=org.outsider, role=Role.LEGAL)
    client = api_for(org.viewer(viewer), scope=Scope.READ_WRITE)
    events = Event.objects.count()

    answers = [
        send(client, "POST", f"{PEOPLE}/olga.other/memberships", {"unit": "fin"}),
        send(client, "DELETE", f"{PEOPLE}/olga.other/memberships/mkt", if_match="*"),
        send(client, "POST", f"{PEOPLE}/olga.other/roles", {"role": "auditor"}),
        send(client, "DELETE", f"{PEOPLE}/olga.other/roles/{assignment.pk}", if_match="*"),
    ]

    assert [problem(answer, 403)["code"] for answer in answers] == ["forbidden"] * 4
    assert list(Membership.objects.filter(person=org.outsider).values_list("unit__code", flat=True)) == ["mkt"]
    assert list(RoleAssignment.objects.filter(person=org.outsider).values_list("role", flat=True)) == ["legal"]
    assert Event.objects.count() == events
