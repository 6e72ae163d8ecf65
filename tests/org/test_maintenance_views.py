"""The maintenance pages: only administrators may use them; everyone else finds nothing there."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from leitplanke.accounts.models import User
from leitplanke.audit.models import Event
from leitplanke.org import services
from leitplanke.org.models import Membership, OrgUnit, Role, RoleAssignment

from ..factories import PersonFactory, UnitFactory
from .support import VIEWER_ROLES, csv_file

pytestmark = pytest.mark.django_db


@dataclass
class World:
    """A small company with one person who belongs to a department and holds a role there."""

    company: OrgUnit
    dept: OrgUnit
    other: OrgUnit
    person: Any
    assignment: RoleAssignment


@pytest.fixture
def world(company) -> World:
    dept = UnitFactory(code="fin", name="Finanzen", parent=company)
    other = UnitFactory(code="it", name="IT", parent=company)
    person = PersonFactory(username="erika", email="erika@acme.example", display_name="Erika Muster")
    services.membership_add(actor=None, person=person, unit=dept)
    assignment = services.role_assign(actor=None, person=person, role=Role.DATA_PROTECTION, unit=dept)
    return World(company, dept, other, person, assignment)


def _snapshot(world: World) -> tuple[Any, ...]:
    """Everything a maintenance request could change."""
    world.dept.refresh_from_db()
    world.person.refresh_from_db()
    return (
        Event.objects.count(),
        OrgUnit.objects.count(),
        User.objects.count(),
        Membership.objects.count(),
        RoleAssignment.objects.count(),
        world.dept.audit_snapshot(),
        world.person.audit_snapshot(),
    )


def _upload() -> SimpleUploadedFile:
    data = csv_file("code,name,kind,parent", "hr,Personal,department,acme")
    return SimpleUploadedFile("units.csv", data, content_type="text/csv")


PAGES: dict[str, Callable[[World], str]] = {
    "unit_create": lambda w: reverse("org:unit_create"),
    "unit_edit": lambda w: reverse("org:unit_edit", args=[w.dept.pk]),
    "person_create": lambda w: reverse("org:person_create"),
    "person_edit": lambda w: reverse("org:person_edit", args=[w.person.pk]),
    "import": lambda w: reverse("org:import"),
}

#: Each change: its URL and a valid form for it.
CHANGES: dict[str, tuple[Callable[[World], str], Callable[[World], dict[str, Any]]]] = {
    "unit_create": (
        lambda w: reverse("org:unit_create"),
        lambda w: {"name": "Personal", "code": "hr", "kind": "department", "parent": w.company.pk},
    ),
    "unit_edit": (
        lambda w: reverse("org:unit_edit", args=[w.dept.pk]),
        lambda w: {"name": "Finance", "code": "fin", "kind": "department", "parent": w.company.pk, "lead": "erika"},
    ),
    "person_create": (
        lambda w: reverse("org:person_create"),
        lambda w: {
            "username": "neu",
            "display_name": "Neu",
            "email": "neu@acme.example",
            "preferred_language": "de",
            "is_active": "on",
        },
    ),
    "person_edit": (
        lambda w: reverse("org:person_edit", args=[w.person.pk]),
        lambda w: {
            "display_name": "Erika M.",
            "email": "erika@acme.example",
            "preferred_language": "en",
            "is_active": "on",
        },
    ),
    "membership_add": (
        lambda w: reverse("org:membership_add", args=[w.person.pk]),
        lambda w: {"membership-unit": w.other.pk},
    ),
    "membership_remove": (
        lambda w: reverse("org:membership_remove", args=[w.person.pk, w.dept.pk]),
        lambda w: {},
    ),
    "role_assign": (
        lambda w: reverse("org:role_assign", args=[w.person.pk]),
        lambda w: {"role-role": Role.LEGAL, "role-unit": ""},
    ),
    "role_revoke": (
        lambda w: reverse("org:role_revoke", args=[w.person.pk, w.assignment.pk]),
        lambda w: {},
    ),
    "import": (
        lambda w: reverse("org:import"),
        lambda w: {"kind": "units", "file": _upload()},
    ),
}


@pytest.mark.parametrize("role", VIEWER_ROLES)
@pytest.mark.parametrize("page", PAGES)
def test_maintenance_pages_open_for_administrators_only(world, client_as, role, page):
    client = client_as(role)

    response = client.get(PAGES[page](world))

    if role == Role.ADMINISTRATOR:
        assert response.status_code == 200
    elif role is None:
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))
    else:
        assert response.status_code == 404


@pytest.mark.parametrize("role", VIEWER_ROLES)
@pytest.mark.parametrize("change", CHANGES)
def test_changes_are_made_by_administrators_only(world, client_as, role, change):
    client = client_as(role)
    url, form = CHANGES[change]
    before = _snapshot(world)

    response = client.post(url(world), form(world))

    if role == Role.ADMINISTRATOR:
        assert response.status_code == 302
        assert _snapshot(world) != before
    else:
        assert response.status_code == (302 if role is None else 404)
        assert _snapshot(world) == before


@pytest.mark.parametrize("change", ["membership_add", "membership_remove", "role_assign", "role_revoke"])
def test_changes_refuse_get(world, admin_client, change):
    before = _snapshot(world)

    response = admin_client.get(CHANGES[change][0](world))

    assert response.status_code == 405
    assert _snapshot(world) == before


def test_a_change_without_csrf_token_is_refused(world, administrator):
    client = Client(enforce_csrf_checks=True)
    client.force_login(administrator)

    response = client.post(reverse("org:unit_create"), CHANGES["unit_create"][1](world))

    assert response.status_code == 403
    assert not OrgUnit.objects.filter(code="hr").exists()


def test_a_change_with_the_forms_csrf_token_succeeds(world, administrator):
    client = Client(enforce_csrf_checks=True)
    client.force_login(administrator)
    page = client.get(reverse("org:unit_create"))
    token = page.context["csrf_token"]

    response = client.post(
        reverse("org:unit_create"), {**CHANGES["unit_create"][1](world), "csrfmiddlewaretoken": token}
    )

    hr = OrgUnit.objects.get(code="hr")
    assert response.status_code == 302
    assert response["Location"] == reverse("org:unit_detail", args=[hr.pk])
    assert hr.parent == world.company
    assert Event.objects.filter(action="org.unit.created", object_id=str(hr.pk)).exists()


def test_a_service_error_is_shown_on_its_field_in_german(world, admin_client):
    data = {"name": "Personal", "code": "hr", "kind": "department", "parent": ""}

    response = admin_client.post(reverse("org:unit_create"), data)

    assert response.status_code == 200
    assert response.context["form"].errors["parent"] == [
        "Eine Abteilung oder ein Team braucht eine übergeordnete Einheit."
    ]
    assert 'id="id_parent_error"' in response.content.decode()
    assert not OrgUnit.objects.filter(code="hr").exists()


def test_a_taken_e_mail_address_is_shown_on_the_e_mail_field(world, admin_client):
    data = {"username": "neu", "email": "ERIKA@acme.example", "preferred_language": "de", "is_active": "on"}

    response = admin_client.post(reverse("org:person_create"), data)

    assert response.context["form"].errors["email"] == ["Eine andere Person hat bereits diese E-Mail-Adresse."]
    assert not User.objects.filter(username="neu").exists()


def test_the_lead_is_chosen_by_user_name_or_e_mail(world, admin_client):
    data = {**CHANGES["unit_edit"][1](world), "lead": "ERIKA@acme.example", "deputy": "nobody"}

    response = admin_client.post(reverse("org:unit_edit", args=[world.dept.pk]), data)

    assert list(response.context["form"].errors) == ["deputy"]
    data["deputy"] = ""
    admin_client.post(reverse("org:unit_edit", args=[world.dept.pk]), data)
    world.dept.refresh_from_db()
    assert world.dept.lead == world.person


def test_a_person_created_without_password_cannot_sign_in_with_one(world, admin_client):
    admin_client.post(reverse("org:person_create"), CHANGES["person_create"][1](world))

    assert not User.objects.get(username="neu").has_usable_password()


def test_a_weak_initial_password_is_refused_on_its_field(world, admin_client):
    data = {**CHANGES["person_create"][1](world), "password": "kurz"}

    response = admin_client.post(reverse("org:person_create"), data)

    assert "password" in response.context["form"].errors
    assert not User.objects.filter(username="neu").exists()


def test_a_company_wide_only_role_for_a_unit_is_refused_on_the_unit_field(world, admin_client):
    response = admin_client.post(
        reverse("org:role_assign", args=[world.person.pk]), {"role-role": Role.AUDITOR, "role-unit": world.dept.pk}
    )

    assert response.status_code == 200
    assert "unit" in response.context["role_form"].errors
    assert not RoleAssignment.objects.filter(person=world.person, role=Role.AUDITOR).exists()


def test_the_last_administrator_cannot_be_revoked(administrator, admin_client):
    assignment = RoleAssignment.objects.get(person=administrator, role=Role.ADMINISTRATOR)

    response = admin_client.post(reverse("org:role_revoke", args=[administrator.pk, assignment.pk]), follow=True)

    assert RoleAssignment.objects.filter(pk=assignment.pk).exists()
    assert [m.level_tag for m in response.context["messages"]] == ["error"]


def test_a_role_of_another_person_cannot_be_revoked_through_this_person(world, admin_client):
    stranger = PersonFactory()
    before = _snapshot(world)

    response = admin_client.post(reverse("org:role_revoke", args=[stranger.pk, world.assignment.pk]))

    assert response.status_code == 404
    assert _snapshot(world) == before


def test_the_import_page_lists_every_faulty_line(world, admin_client):
    data = csv_file("email,units", "ok@acme.example,fin", "broken,fin", "x@acme.example,nowhere")
    upload = SimpleUploadedFile("people.csv", data, content_type="text/csv")

    response = admin_client.post(reverse("org:import"), {"kind": "people", "file": upload})

    assert response.status_code == 200
    assert [(e.line, e.column) for e in response.context["errors"]] == [(3, "email"), (4, "units")]
    html = response.content.decode()
    assert "<td>3</td>" in html and "<td>4</td>" in html
    assert not User.objects.filter(email="ok@acme.example").exists()


def test_a_successful_import_redirects_with_the_summary(world, admin_client):
    response = admin_client.post(reverse("org:import"), {"kind": "units", "file": _upload()}, follow=True)

    assert response.redirect_chain[-1][0] == reverse("org:unit_list")
    assert [m.level_tag for m in response.context["messages"]] == ["success"]
    assert OrgUnit.objects.get(code="hr").parent == world.company


def test_an_import_dry_run_shows_the_summary_and_writes_nothing(world, admin_client):
    before = _snapshot(world)

    response = admin_client.post(reverse("org:import"), {"kind": "units", "file": _upload(), "dry_run": "on"})

    assert response.status_code == 200
    assert response.context["summary"].created == 1
    assert _snapshot(world) == before


@pytest.mark.parametrize(("role", "shown"), [(Role.ADMINISTRATOR, True), (Role.AUDITOR, False), ("employee", False)])
def test_maintenance_buttons_are_shown_to_administrators_only(world, client_as, role, shown):
    client = client_as(role)
    pages = {
        reverse("org:unit_list"): reverse("org:unit_create"),
        reverse("org:unit_detail", args=[world.dept.pk]): reverse("org:unit_edit", args=[world.dept.pk]),
        reverse("org:person_list"): reverse("org:person_create"),
        reverse("org:person_detail", args=[world.person.pk]): reverse("org:person_edit", args=[world.person.pk]),
    }

    for page, link in pages.items():
        assert (f'href="{link}' in client.get(page).content.decode()) is shown, page
