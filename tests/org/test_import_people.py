"""Importing people from CSV: accounts, memberships, leads and roles, all or nothing."""

from __future__ import annotations

import pytest

from leitplanke.accounts.models import User
from leitplanke.audit.models import Event
from leitplanke.common.csvfile import ImportFailed
from leitplanke.org.importing import people_import, units_import
from leitplanke.org.models import Membership, OrgUnit, Role, RoleAssignment
from leitplanke.org.selectors import has_role

from ..factories import PersonFactory
from .support import csv_file

pytestmark = pytest.mark.django_db

UNITS = csv_file(
    "code,name,kind,parent",
    "acme,Acme GmbH,company,",
    "fin,Finanzen,department,acme",
    "fin-buha,Buchhaltung,team,fin",
    "it,IT,department,acme",
)

HEADER = "email,display_name,username,language,units,lead_of,deputy_of,roles"

GOOD_PEOPLE = csv_file(
    HEADER,
    "petra.lorenz@acme.example,Petra Lorenz,,de,fin;fin-buha,fin,,",
    "jens.hoffmann@acme.example,Jens Hoffmann,jhoffmann,en,fin-buha,fin-buha,fin,",
    "dana.schutz@acme.example,Dana Schütz,,,it,,,data_protection@fin;auditor",
    "ole.admin@acme.example,Ole Admin,,,,,,administrator",
)


@pytest.fixture
def units(db):
    """Acme with Finanzen (and its team Buchhaltung) and IT."""
    units_import(actor=None, data=UNITS)
    return {unit.code: unit for unit in OrgUnit.objects.all()}


def _person(email: str) -> User:
    return User.objects.get(email__iexact=email)


def test_a_good_file_creates_people_with_unusable_passwords(units):
    summary = people_import(actor=None, data=GOOD_PEOPLE, source="people.csv")

    assert (summary.created, summary.updated, summary.unchanged) == (4, 0, 0)
    petra = _person("petra.lorenz@acme.example")
    assert petra.display_name == "Petra Lorenz"
    assert petra.username == "petra.lorenz"  # the e-mail's local part
    assert petra.preferred_language == "de"
    assert not petra.has_usable_password()
    jens = _person("jens.hoffmann@acme.example")
    assert (jens.username, jens.preferred_language) == ("jhoffmann", "en")


def test_a_good_file_adds_memberships_and_sets_leads_and_deputies(units):
    people_import(actor=None, data=GOOD_PEOPLE)

    petra, jens = _person("petra.lorenz@acme.example"), _person("jens.hoffmann@acme.example")
    assert set(Membership.objects.filter(person=petra).values_list("unit__code", flat=True)) == {"fin", "fin-buha"}
    fin, buha = OrgUnit.objects.get(code="fin"), OrgUnit.objects.get(code="fin-buha")
    assert (fin.lead, fin.deputy) == (petra, jens)
    assert buha.lead == jens


def test_a_good_file_assigns_roles_company_wide_and_per_unit(units):
    people_import(actor=None, data=GOOD_PEOPLE)

    dana = _person("dana.schutz@acme.example")
    assert set(RoleAssignment.objects.filter(person=dana).values_list("role", "unit__code")) == {
        (Role.DATA_PROTECTION, "fin"),
        (Role.AUDITOR, None),
    }
    assert RoleAssignment.objects.filter(person__email="ole.admin@acme.example", role=Role.ADMINISTRATOR).exists()


def test_a_good_file_writes_an_audit_event_for_every_change(units):
    before = Event.objects.count()

    people_import(actor=None, data=GOOD_PEOPLE, source="people.csv")

    actions = list(Event.objects.filter(seq__gt=before).values_list("action", flat=True))
    assert actions.count("org.person.created") == 4
    assert actions.count("org.membership.added") == 4
    assert actions.count("org.role.assigned") == 3
    assert actions.count("org.unit.updated") == 2  # fin (lead and deputy at once) and fin-buha
    assert actions[-1] == "org.import.completed"
    assert Event.objects.filter(seq__gt=before).get(action="org.import.completed").after["created"] == 4


def test_a_role_for_a_unit_also_counts_below_it_but_not_beside_it(units):
    people_import(actor=None, data=GOOD_PEOPLE)

    dana = _person("dana.schutz@acme.example")
    assert has_role(dana, Role.DATA_PROTECTION, units["fin"])
    assert has_role(dana, Role.DATA_PROTECTION, units["fin-buha"])
    assert not has_role(dana, Role.DATA_PROTECTION, units["it"])
    assert not has_role(dana, Role.DATA_PROTECTION)
    assert has_role(dana, Role.AUDITOR, units["it"])  # company-wide counts everywhere


def test_three_faulty_rows_import_nothing_and_are_all_named(units):
    people = User.objects.count()
    events = Event.objects.count()
    data = csv_file(
        HEADER,
        "anna@acme.example,Anna,,,fin,,,",
        "bert@acme.example,Bert,,,marketing,,,",  # 3: unknown unit code
        "carla(at)acme.example,Carla,,,fin,,,",  # 4: invalid e-mail address
        "dirk@acme.example,Dirk,,,fin,,,",
        "emil@acme.example,Emil,,,fin,,,coffee_officer",  # 6: unknown role
    )

    with pytest.raises(ImportFailed) as exc:
        people_import(actor=None, data=data)

    assert [(e.line, e.column) for e in exc.value.errors] == [(3, "units"), (4, "email"), (6, "roles")]
    assert "marketing" in exc.value.errors[0].message
    assert "coffee_officer" in exc.value.errors[2].message
    assert User.objects.count() == people
    assert not Membership.objects.exists()
    assert Event.objects.count() == events


def test_a_company_wide_only_role_is_refused_for_a_unit(units):
    with pytest.raises(ImportFailed) as exc:
        people_import(actor=None, data=csv_file(HEADER, "x@acme.example,X,,,,,,auditor@fin"))

    assert [(e.line, e.column) for e in exc.value.errors] == [(2, "roles")]
    assert not User.objects.filter(email="x@acme.example").exists()


@pytest.mark.parametrize(
    ("row", "column"),
    [
        ("a@acme.example,A,,fr,,,,", "language"),
        (",Nobody,,,,,,", "email"),
        ("a@acme.example,A,not valid!,,,,,", "username"),
        ("a@acme.example,A,,,,fin,fin,", "deputy_of"),
        ("a@acme.example,A,,,,,,data_protection@", "roles"),
        ("a@acme.example,A,,,,,,data_protection@nowhere", "roles"),
    ],
)
def test_a_faulty_cell_is_named_by_line_and_column(units, row, column):
    with pytest.raises(ImportFailed) as exc:
        people_import(actor=None, data=csv_file(HEADER, row))

    assert [(e.line, e.column) for e in exc.value.errors] == [(2, column)]


def test_duplicate_e_mail_addresses_in_the_file_are_refused_in_any_case(units):
    data = csv_file(HEADER, "max@acme.example,Max,,,,,,", "MAX@acme.example,Max again,,,,,,")

    with pytest.raises(ImportFailed) as exc:
        people_import(actor=None, data=data)

    assert [(e.line, e.column) for e in exc.value.errors] == [(3, "email")]
    assert "2" in exc.value.errors[0].message


def test_two_leads_for_one_unit_are_refused(units):
    data = csv_file(HEADER, "a@acme.example,A,,,,fin,,", "b@acme.example,B,,,,fin,,")

    with pytest.raises(ImportFailed) as exc:
        people_import(actor=None, data=data)

    assert [(e.line, e.column) for e in exc.value.errors] == [(3, "lead_of")]


def test_a_new_lead_who_is_the_units_deputy_is_refused(units):
    deputy = PersonFactory(email="d@acme.example")
    people_import(actor=None, data=csv_file(HEADER, "d@acme.example,,,,,,fin,"))
    assert OrgUnit.objects.get(code="fin").deputy == deputy

    with pytest.raises(ImportFailed) as exc:
        people_import(actor=None, data=csv_file(HEADER, "d@acme.example,,,,,fin,,"))

    assert [(e.line, e.column) for e in exc.value.errors] == [(2, "lead_of")]


def test_importing_twice_creates_no_duplicates_and_no_events(units):
    people_import(actor=None, data=GOOD_PEOPLE)
    counts = (User.objects.count(), Membership.objects.count(), RoleAssignment.objects.count())
    events = Event.objects.count()

    summary = people_import(actor=None, data=GOOD_PEOPLE)

    assert (summary.created, summary.updated, summary.unchanged) == (0, 0, 4)
    assert (User.objects.count(), Membership.objects.count(), RoleAssignment.objects.count()) == counts
    assert Event.objects.count() == events


def test_existing_people_are_matched_by_e_mail_in_any_case_and_updated(units):
    existing = PersonFactory(username="pl", email="Petra.Lorenz@acme.example", display_name="P. Lorenz")

    summary = people_import(actor=None, data=GOOD_PEOPLE)

    existing.refresh_from_db()
    assert (summary.created, summary.updated) == (3, 1)
    assert existing.display_name == "Petra Lorenz"
    assert existing.username == "pl"
    assert existing.has_usable_password()  # an import never touches a password
    assert OrgUnit.objects.get(code="fin").lead == existing


def test_blank_cells_leave_an_existing_persons_values_alone(units):
    existing = PersonFactory(email="e@acme.example", display_name="Erika", preferred_language="en")

    summary = people_import(actor=None, data=csv_file(HEADER, "e@acme.example,,,,,,,"))

    existing.refresh_from_db()
    assert summary.unchanged == 1
    assert (existing.display_name, existing.preferred_language) == ("Erika", "en")


def test_an_import_cannot_change_a_user_name(units):
    PersonFactory(username="erika", email="e@acme.example")

    with pytest.raises(ImportFailed) as exc:
        people_import(actor=None, data=csv_file(HEADER, "e@acme.example,,erika.m,,,,,"))

    assert [(e.line, e.column) for e in exc.value.errors] == [(2, "username")]


def test_generated_user_names_are_unique(units):
    PersonFactory(username="max")
    data = csv_file(HEADER, "max@acme.example,,,,,,,", "max@other.example,,,,,,,", "Max.Mueller+hr@acme.example,,,,,,,")

    people_import(actor=None, data=data)

    assert _person("max@acme.example").username == "max2"
    assert _person("max@other.example").username == "max3"
    assert _person("max.mueller+hr@acme.example").username == "max.mueller+hr"


def test_a_user_name_taken_by_someone_else_is_refused(units):
    PersonFactory(username="max", email="max@acme.example")

    with pytest.raises(ImportFailed) as exc:
        people_import(actor=None, data=csv_file(HEADER, "new@acme.example,,MAX,,,,,"))

    assert [(e.line, e.column) for e in exc.value.errors] == [(2, "username")]


def test_only_the_email_column_is_required(units):
    summary = people_import(actor=None, data=csv_file("E-Mail", "solo@acme.example"))

    assert summary.created == 1
    assert _person("solo@acme.example").username == "solo"
