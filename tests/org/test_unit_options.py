"""The unit options of the selects: kept between pages, built again whenever the org chart changes."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test.utils import CaptureQueriesContext

from leitplanke.org import services
from leitplanke.org.forms import MembershipForm
from leitplanke.org.models import OrgUnit
from leitplanke.org.selectors import unit_options, units_visible_to

from ..factories import UnitFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def chart(company):
    finance = UnitFactory(code="fin", name="Finanzen", parent=company)
    UnitFactory(code="fin-buha", name="Buchhaltung", kind="team", parent=finance)
    UnitFactory(code="hr", name="Personal", parent=company)
    return finance


def test_units_are_offered_in_tree_order_indented_with_their_code(chart, person) -> None:
    assert [label for _pk, label in unit_options(units_visible_to(person))] == [
        "Acme GmbH (acme)",
        "– Finanzen (fin)",
        "– – Buchhaltung (fin-buha)",
        "– Personal (hr)",
    ]


def test_the_second_select_reads_only_the_fingerprint_of_the_org_chart(chart, person) -> None:
    first = unit_options(units_visible_to(person))

    with CaptureQueriesContext(connection) as queries:
        second = unit_options(units_visible_to(person))

    assert second == first
    assert len(queries) == 1
    assert "version" in queries[0]["sql"].lower()


def test_a_renamed_unit_shows_its_new_name_on_the_next_page(chart, person) -> None:
    unit_options(units_visible_to(person))

    services.unit_update(actor=None, unit=chart, name="Finanzen und Controlling")

    assert "– Finanzen und Controlling (fin)" in dict(unit_options(units_visible_to(person))).values()


def test_a_new_unit_and_a_moved_one_are_offered_where_they_now_are(chart, company, person) -> None:
    unit_options(units_visible_to(person))
    services.unit_create(actor=None, code="it", name="IT", kind="department", parent=company)
    hr = OrgUnit.objects.get(code="hr")
    services.unit_update(actor=None, unit=hr, parent=chart, kind="team")

    labels = [label for _pk, label in unit_options(units_visible_to(person))]

    assert labels == [
        "Acme GmbH (acme)",
        "– Finanzen (fin)",
        "– – Buchhaltung (fin-buha)",
        "– – Personal (hr)",
        "– IT (it)",
    ]


def test_each_query_keeps_its_own_options(chart, person) -> None:
    everything = unit_options(units_visible_to(person))
    below_finance = unit_options(OrgUnit.objects.filter(path__startswith=chart.path))

    assert len(everything) == 4
    assert [label for _pk, label in below_finance] == ["– Finanzen (fin)", "– – Buchhaltung (fin-buha)"]


def test_nobody_signed_out_is_offered_a_unit(chart) -> None:
    assert unit_options(units_visible_to(AnonymousUser())) == []
    assert unit_options(OrgUnit.objects.filter(pk__in=[])) == []


def test_a_form_still_checks_the_chosen_unit_against_the_current_units(chart, person) -> None:
    form = MembershipForm(viewer=person)
    offered = [value for value, _label in form.fields["unit"].choices][1:]
    assert offered == [pk for pk, _label in unit_options(units_visible_to(person))]

    unknown = MembershipForm({"unit": "999999"}, viewer=person)

    assert not unknown.is_valid()
    assert "unit" in unknown.errors
