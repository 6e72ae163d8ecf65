"""Importing units from CSV: the tree is built in any row order, faulty files change nothing."""

from __future__ import annotations

import pytest

from leitplanke.audit.models import Event
from leitplanke.common.csvfile import ImportFailed
from leitplanke.org.importing import units_import
from leitplanke.org.models import OrgUnit

from ..factories import UnitFactory
from .support import csv_file

pytestmark = pytest.mark.django_db

GOOD_UNITS = csv_file(
    "code,name,kind,parent",
    "fin-buha,Buchhaltung,team,fin",  # a child before its parent
    "acme,Acme GmbH,company,",
    "fin,Finanzen,department,acme",
    "it,IT,department,acme",
    "it-ops,IT-Betrieb,team,it",
)


def _errors(exc: pytest.ExceptionInfo[ImportFailed]) -> list[tuple[int | None, str]]:
    return [(error.line, error.column) for error in exc.value.errors]


def test_a_good_file_creates_the_tree_in_any_row_order():
    summary = units_import(actor=None, data=GOOD_UNITS, source="units.csv")

    assert (summary.created, summary.updated, summary.unchanged) == (5, 0, 0)
    acme, fin, team = (OrgUnit.objects.get(code=code) for code in ("acme", "fin", "fin-buha"))
    assert team.parent == fin and fin.parent == acme and acme.parent is None
    assert team.path == f"/{acme.pk}/{fin.pk}/{team.pk}/"
    assert team.depth == 2


def test_every_created_unit_and_the_import_are_audited():
    units_import(actor=None, data=GOOD_UNITS, source="units.csv")

    assert Event.objects.filter(action="org.unit.created").count() == 5
    summary = Event.objects.get(action="org.import.completed")
    assert summary.after["kind"] == "units"
    assert summary.after["file"] == "units.csv"
    assert (summary.after["created"], summary.after["updated"]) == (5, 0)


def test_importing_the_same_file_twice_changes_nothing_and_writes_no_events():
    units_import(actor=None, data=GOOD_UNITS)
    events = Event.objects.count()

    summary = units_import(actor=None, data=GOOD_UNITS)

    assert (summary.created, summary.updated, summary.unchanged) == (0, 0, 5)
    assert OrgUnit.objects.count() == 5
    assert Event.objects.count() == events


def test_existing_units_are_updated_by_code_and_may_move():
    units_import(actor=None, data=GOOD_UNITS)
    it_ops = OrgUnit.objects.get(code="it-ops")
    changed = csv_file(
        "code,name,kind,parent",
        "it-ops,IT Operations,team,fin",  # renamed and moved below Finanzen
    )

    summary = units_import(actor=None, data=changed)

    it_ops.refresh_from_db()
    fin = OrgUnit.objects.get(code="fin")
    assert (summary.created, summary.updated) == (0, 1)
    assert it_ops.name == "IT Operations"
    assert it_ops.parent == fin
    assert it_ops.path.startswith(fin.path)
    event = Event.objects.filter(action="org.unit.updated").get()
    assert event.before["parent"] == "it" and event.after["parent"] == "fin"


def test_a_parent_may_be_a_unit_already_in_the_database(company):
    summary = units_import(actor=None, data=csv_file("code,name,kind,parent", "hr,Personal,department,acme"))

    assert summary.created == 1
    assert OrgUnit.objects.get(code="hr").parent == company


def test_a_faulty_file_reports_every_faulty_row_and_writes_nothing(company):
    events = Event.objects.count()
    data = csv_file(
        "code,name,kind,parent",
        "fin,Finanzen,department,acme",
        "fin,Finanzen doppelt,department,acme",  # 3: duplicate code
        "hr,Personal,division,acme",  # 4: unknown kind
        "sales,Vertrieb,department,nowhere",  # 5: unknown parent
        "team-a,Team A,team,acme",  # 6: a team directly below a company
        "dept-x,Abteilung X,department,",  # 7: a department without parent
        "not a code,Name,department,acme",  # 8: invalid code
        ",,department,acme",  # 9: code and name missing
    )

    with pytest.raises(ImportFailed) as exc:
        units_import(actor=None, data=data)

    assert _errors(exc) == [
        (3, "code"),
        (4, "kind"),
        (5, "parent"),
        (6, "parent"),
        (7, "parent"),
        (8, "code"),
        (9, "code"),
        (9, "name"),
    ]
    assert OrgUnit.objects.count() == 1
    assert Event.objects.count() == events


def test_a_cycle_in_the_file_is_reported_on_every_row_of_the_cycle(company):
    data = csv_file(
        "code,name,kind,parent",
        "a,A,department,b",
        "b,B,department,c",
        "c,C,department,a",
        "d,D,department,acme",
    )

    with pytest.raises(ImportFailed) as exc:
        units_import(actor=None, data=data)

    assert _errors(exc) == [(2, "parent"), (3, "parent"), (4, "parent")]
    assert "a → b → c → a" in exc.value.errors[0].message
    assert not OrgUnit.objects.filter(code="d").exists()


def test_a_unit_moved_below_its_own_sub_unit_is_a_cycle(company):
    dept = UnitFactory(code="dept", parent=company)
    UnitFactory(code="sub", parent=dept)

    with pytest.raises(ImportFailed) as exc:
        units_import(actor=None, data=csv_file("code,name,kind,parent", "dept,Abteilung,department,sub"))

    assert _errors(exc) == [(2, "parent")]


def test_changing_a_kind_that_existing_sub_units_forbid_is_refused(company):
    dept = UnitFactory(code="dept", parent=company)
    UnitFactory(code="sub-dept", kind="department", parent=dept)

    with pytest.raises(ImportFailed) as exc:
        units_import(actor=None, data=csv_file("code,name,kind,parent", "dept,Abteilung,team,acme"))

    # A team below a company is refused, and so is the department that would end up below a team.
    assert _errors(exc) == [(2, "parent"), (2, "kind")]
    assert "sub-dept" in exc.value.errors[1].message
    assert OrgUnit.objects.get(code="dept").kind == "department"


def test_a_dry_run_reports_what_would_happen_and_writes_nothing():
    summary = units_import(actor=None, data=GOOD_UNITS, dry_run=True)

    assert summary.dry_run
    assert (summary.created, summary.updated, summary.unchanged) == (5, 0, 0)
    assert not OrgUnit.objects.exists()
    assert not Event.objects.exists()
