"""``leitplanke import units|people FILE``: prints the summary, or every error and fails."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from leitplanke.accounts.models import User
from leitplanke.audit.models import Event
from leitplanke.org.models import OrgUnit

from .support import csv_file

pytestmark = pytest.mark.django_db


def _run(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("import", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_importing_units_prints_the_summary(tmp_path):
    path = tmp_path / "units.csv"
    path.write_bytes(csv_file("code,name,kind,parent", "acme,Acme,company,", "fin,Finanzen,department,acme"))

    out, err = _run("units", str(path))

    assert "2" in out and err == ""
    assert OrgUnit.objects.count() == 2
    assert Event.objects.get(action="org.import.completed").actor_label == "system"


def test_importing_people_prints_the_summary(tmp_path, company):
    path = tmp_path / "people.csv"
    path.write_bytes(csv_file("email;units", "a@acme.example;acme", "b@acme.example;acme"))

    out, _err = _run("people", str(path))

    assert "2" in out
    assert User.objects.filter(memberships__unit=company).count() == 2


def test_a_faulty_file_prints_every_error_and_exits_non_zero(tmp_path, company):
    path = tmp_path / "people.csv"
    path.write_bytes(
        csv_file(
            "email,units,roles", "ok@acme.example,acme,", "bad,acme,", "x@acme.example,nowhere,", "y@acme.example,,boss"
        )
    )
    err = io.StringIO()

    with pytest.raises(CommandError) as exc:
        call_command("import", "people", str(path), stdout=io.StringIO(), stderr=err)

    assert exc.value.returncode == 1
    lines = err.getvalue().splitlines()
    assert [line.split(":")[:2] for line in lines] == [["line 3", " email"], ["line 4", " units"], ["line 5", " roles"]]
    assert not User.objects.exists()


def test_a_dry_run_checks_and_writes_nothing(tmp_path):
    path = tmp_path / "units.csv"
    path.write_bytes(csv_file("code,name,kind,parent", "acme,Acme,company,"))

    out, _err = _run("units", str(path), "--dry-run")

    assert "1" in out
    assert not OrgUnit.objects.exists()
    assert not Event.objects.exists()


def test_a_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(CommandError, match="Cannot read"):
        _run("units", str(tmp_path / "missing.csv"))


def test_the_kind_of_file_is_required():
    with pytest.raises(CommandError):
        _run()
