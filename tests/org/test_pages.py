"""The organisation pages everybody reads: the org chart and the history of units and people."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from leitplanke.org import services
from leitplanke.org.models import Role
from leitplanke.org.selectors import in_tree_order

from ..factories import PersonFactory, UnitFactory

pytestmark = pytest.mark.django_db


def test_the_org_chart_lists_parents_before_children_and_siblings_by_name(company) -> None:
    vertrieb = UnitFactory(name="Vertrieb", parent=company)
    UnitFactory(name="Zentrale Dienste", parent=company)
    UnitFactory(name="Außendienst", kind="team", parent=vertrieb)
    einkauf = UnitFactory(name="Einkauf", parent=company)

    names = [unit.name for unit in in_tree_order(type(company).objects.all())]

    assert names == ["Acme GmbH", "Einkauf", "Vertrieb", "Außendienst", "Zentrale Dienste"]
    assert einkauf.depth == 1


def test_the_org_chart_page_needs_a_fixed_number_of_queries(
    client: Client, company, django_assert_max_num_queries
) -> None:
    for number in range(30):
        UnitFactory(name=f"Abteilung {number}", parent=company, lead=PersonFactory())
    client.force_login(PersonFactory())

    with django_assert_max_num_queries(8):
        response = client.get(reverse("org:unit_list"))

    assert response.status_code == 200


def test_a_units_history_reads_in_plain_german(client: Client, company) -> None:
    lead = PersonFactory(username="bea", display_name="Bea Berg")
    unit = UnitFactory(name="Finanzen", parent=company)
    services.unit_update(actor=None, unit=unit, lead=lead)
    client.force_login(PersonFactory())

    html = client.get(reverse("org:unit_detail", args=[unit.pk])).content.decode()

    assert "Einheit geändert" in html
    assert "Leitung" in html and "bea" in html


def test_a_role_in_a_persons_history_shows_its_name(client: Client) -> None:
    person = PersonFactory()
    services.role_assign(actor=None, person=person, role=Role.WORKS_COUNCIL)
    client.force_login(person)

    html = client.get(reverse("org:person_detail", args=[person.pk])).content.decode()

    assert "Rolle zugewiesen" in html
    assert "Betriebsrat" in html


@pytest.mark.parametrize(
    ("viewer", "sees_history"),
    [("self", True), ("administrator", True), ("auditor", True), ("colleague", False)],
)
def test_a_persons_history_is_shown_to_the_person_administrators_and_auditors(
    client: Client, viewer: str, sees_history: bool
) -> None:
    person = PersonFactory()
    if viewer == "self":
        looking = person
    else:
        looking = PersonFactory()
        if viewer != "colleague":
            services.role_assign(actor=None, person=looking, role=viewer)
    client.force_login(looking)

    response = client.get(reverse("org:person_detail", args=[person.pk]))

    assert response.status_code == 200
    assert ("Person angelegt" in response.content.decode()) is sees_history
