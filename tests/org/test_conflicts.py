"""Two administrators edit the same unit or person: the second save is a conflict, nothing is lost."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from leitplanke.common.errors import Conflict
from leitplanke.org import services
from leitplanke.org.models import OrgUnit, Role

from ..factories import PersonFactory, UnitFactory

pytestmark = pytest.mark.django_db


def _second_admin() -> Client:
    person = PersonFactory(username="admin2")
    services.role_assign(actor=None, person=person, role=Role.ADMINISTRATOR)
    client = Client()
    client.force_login(person)
    return client


def _unit_form(unit: OrgUnit, **changes: object) -> dict[str, object]:
    data = {
        "name": unit.name,
        "code": unit.code,
        "kind": unit.kind,
        "parent": unit.parent_id or "",
        "lead": "",
        "deputy": "",
        "version": unit.version,
    }
    data.update(changes)
    return data


def test_the_second_of_two_overlapping_unit_edits_gets_a_conflict_page(admin_client: Client) -> None:
    unit = UnitFactory(name="Finanzen", code="fin")
    first_view = _unit_form(unit)
    second_view = _unit_form(unit)
    url = reverse("org:unit_edit", args=[unit.pk])

    # Given the first administrator saved a new name
    assert admin_client.post(url, {**first_view, "name": "Finanzen & Steuern"}).status_code == 302
    # When the second administrator saves the form they loaded before that
    response = _second_admin().post(url, {**second_view, "name": "Finance"})

    # Then nothing of the first change is overwritten, and both versions are on the page
    assert response.status_code == 409
    unit.refresh_from_db()
    assert unit.name == "Finanzen & Steuern"
    html = response.content.decode()
    assert "Von jemand anderem geändert" in html
    assert "Finanzen &amp; Steuern" in html
    assert 'value="Finance"' in html
    assert f'name="version" value="{unit.version}"' in html


def test_saving_again_after_the_conflict_applies_the_change_deliberately(admin_client: Client) -> None:
    unit = UnitFactory(name="Finanzen", code="fin")
    stale = _unit_form(unit)
    url = reverse("org:unit_edit", args=[unit.pk])
    admin_client.post(url, {**stale, "name": "Finanzen & Steuern"})
    second = _second_admin()
    second.post(url, {**stale, "name": "Finance"})

    unit.refresh_from_db()
    response = second.post(url, _unit_form(unit, name="Finance"))

    assert response.status_code == 302
    unit.refresh_from_db()
    assert unit.name == "Finance"


def test_an_edit_that_changes_nothing_keeps_the_version() -> None:
    unit = UnitFactory(name="Finanzen")

    services.unit_update(actor=None, unit=unit, expected_version=unit.version, name="Finanzen")

    unit.refresh_from_db()
    assert unit.version == 1


def test_overlapping_person_edits_conflict_in_the_service() -> None:
    person = PersonFactory(display_name="Anna Alt")
    seen = person.version
    services.person_update(actor=None, person=person, expected_version=seen, display_name="Anna Neu")

    with pytest.raises(Conflict) as caught:
        services.person_update(actor=None, person=person, expected_version=seen, display_name="Anna Anders")

    person.refresh_from_db()
    assert person.display_name == "Anna Neu"
    assert caught.value.current["display_name"] == "Anna Neu"
    assert caught.value.version == seen + 1


def test_overlapping_person_edits_get_a_conflict_page(admin_client: Client) -> None:
    person = PersonFactory(display_name="Anna Alt", email="anna@example.com")
    form = {
        "display_name": "Anna Alt",
        "email": "anna@example.com",
        "preferred_language": "de",
        "is_active": "on",
        "version": person.version,
    }
    url = reverse("org:person_edit", args=[person.pk])
    admin_client.post(url, {**form, "display_name": "Anna Neu"})

    response = _second_admin().post(url, {**form, "email": "anna.alt@example.com"})

    assert response.status_code == 409
    person.refresh_from_db()
    assert (person.display_name, person.email) == ("Anna Neu", "anna@example.com")
