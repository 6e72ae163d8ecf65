"""Importing use cases from a generic CSV file: the good file, faulty rows by line with nothing written,
importing again without duplicates, and who may upload in the UI."""

from __future__ import annotations

import io
import re

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse

from leitplanke.audit.models import Event
from leitplanke.org.models import Role
from leitplanke.usecases.models import UseCase
from leitplanke.usecases.transfer.importing import ImportFailed, generic_csv_import, usecases_import

from ..factories import PersonFactory

pytestmark = pytest.mark.django_db

COMPLETE = (
    "purposes;affected_people;interacts_with_people;generated_content;personal_data;data_classification;"
    "monitors_employees;decision_role;human_review;scale"
)


def csv_file(*lines: str, encoding: str = "utf-8") -> bytes:
    return ("\n".join(lines) + "\n").encode(encoding)


GOOD = csv_file(
    "title,unit,owner,stage,tools,confidential,summary,personal_data,purposes",
    'Rechnungen vorkontieren,fin-buha,max.member,pilot,Enterprise-Chat,no,"Eingangsrechnungen\nwerden vorkontiert.",'
    "none,productivity",
    "Kampagnentexte,mkt,olga.other,idea,Enterprise-Chat;Cloud-Modell-API (EU),ja,,personal,content_creation;analytics",
)


def _complete_row(title: str, unit: str = "fin-buha") -> str:
    answers = ["productivity", "employees", "no", "text", "none", "internal", "no", "none", "always", "small"]
    return ";".join([title, unit, *answers])


def _errors(exc: pytest.ExceptionInfo[ImportFailed]) -> list[tuple[int | None, str]]:
    return [(error.line, error.column) for error in exc.value.errors]


def test_a_good_file_creates_use_cases_with_units_owners_tools_and_answers(org, tools):
    summary = usecases_import(actor=None, format="csv", data=GOOD, owner=None, source="inventar.csv")

    assert (summary.created, summary.updated, summary.unchanged) == (2, 0, 0)
    invoices = UseCase.objects.get(title="Rechnungen vorkontieren")
    assert (invoices.unit, invoices.owner, invoices.stage) == (org.team, org.member, "pilot")
    assert invoices.confidential is False
    assert invoices.summary == "Eingangsrechnungen\nwerden vorkontiert."
    assert [tool.name for tool in invoices.tools.all()] == ["Enterprise-Chat"]
    assert (invoices.personal_data, invoices.purposes, invoices.scale) == ("none", ["productivity"], "unsure")
    campaigns = UseCase.objects.get(title="Kampagnentexte")
    assert campaigns.confidential is True
    assert campaigns.purposes == ["content_creation", "analytics"]
    assert campaigns.tools.count() == 2
    assert (invoices.source, campaigns.source) == ("csv", "csv")


def test_rows_are_drafts_unless_every_question_is_answered(org):
    data = csv_file(f"title;unit;{COMPLETE}", _complete_row("Vollständig"), "Halb;fin-buha;;;;;none;;;;;")

    usecases_import(actor=None, format="csv", data=data, owner=org.member)

    # a complete row is submitted, so it goes the way its verdict names (here: to the team lead)
    assert UseCase.objects.get(title="Vollständig").status == "awaiting_approval"
    assert UseCase.objects.get(title="Halb").status == "draft"


def test_every_row_and_the_import_are_audited(org, tools):
    usecases_import(actor=None, format="csv", data=GOOD, owner=None, source="inventar.csv")

    assert Event.objects.filter(action="usecase.created").count() == 2
    completed = Event.objects.get(action="usecases.import.completed")
    assert (completed.after["format"], completed.after["file"]) == ("csv", "inventar.csv")
    assert completed.after["created"] == 2


def test_importing_the_same_file_again_changes_nothing_and_writes_no_events(org, tools):
    usecases_import(actor=None, format="csv", data=GOOD, owner=None)
    counts = (UseCase.objects.count(), Event.objects.count())

    summary = usecases_import(actor=None, format="csv", data=GOOD, owner=None)

    assert (summary.created, summary.updated, summary.unchanged) == (0, 0, 2)
    assert (UseCase.objects.count(), Event.objects.count()) == counts


def test_a_source_id_identifies_a_use_case_even_when_its_title_changes(org):
    first = csv_file("source_id,title,unit", "A-1,Alt,fin-buha")
    usecases_import(actor=None, format="csv", data=first, owner=org.member)

    summary = usecases_import(
        actor=None, format="csv", data=csv_file("source_id,title,unit", "A-1,Neu,fin-buha"), owner=org.member
    )

    assert (summary.created, summary.updated) == (0, 1)
    assert list(UseCase.objects.values_list("title", "source_id")) == [("Neu", "A-1")]


def test_german_excel_files_with_semicolons_and_windows_1252_are_read(org):
    data = csv_file("title;unit;stage", "Prüfberichte zusammenfassen;fin-buha;production", encoding="cp1252")
    usecases_import(actor=None, format="csv", data=data, owner=org.member)

    assert UseCase.objects.get().title == "Prüfberichte zusammenfassen"


def test_a_faulty_file_names_every_faulty_line_and_writes_nothing(org, tools):
    events = Event.objects.count()
    data = csv_file(
        "title,unit,owner,stage,tools,personal_data,purposes,confidential",
        "Gut,fin-buha,,idea,,,,",
        ",fin-buha,,,,,,",  # 3: title missing
        "Ohne Einheit,nowhere,,,,,,",  # 4: unknown unit
        "Falsche Phase,fin-buha,,someday,,,,",  # 5: unknown stage
        "Falsches Werkzeug,fin-buha,,,Schatten-KI,,,",  # 6: not in the catalogue
        '"Zeilen\numbruch",fin-buha,,,,maybe,,',  # 7 (two lines): unknown answer
        "Falscher Zweck,fin-buha,,,,,productivity;world_domination,",  # 9: unknown code in a list
        "Unbekannte Person,fin-buha,nobody,,,,,",  # 10: unknown owner
        "Vertraulich?,fin-buha,,,,,,vielleicht",  # 11: not yes or no
        "Gut,fin-buha,,,,,,",  # 12: the same use case as line 2
    )

    with pytest.raises(ImportFailed) as exc:
        usecases_import(actor=None, format="csv", data=data, owner=org.member)

    assert _errors(exc) == [
        (3, "title"),
        (4, "unit"),
        (5, "stage"),
        (6, "tools"),
        (7, "personal_data"),
        (9, "purposes"),
        (10, "owner"),
        (11, "confidential"),
        (12, "title"),
    ]
    assert UseCase.objects.count() == 0
    assert Event.objects.count() == events


def test_a_dry_run_checks_the_file_and_writes_nothing(org, tools):
    summary = usecases_import(actor=None, format="csv", data=GOOD, owner=None, dry_run=True)

    assert (summary.created, summary.dry_run) == (2, True)
    assert UseCase.objects.count() == 0


def test_an_upload_may_only_register_use_cases_for_units_the_uploader_works_in(org):
    data = csv_file("title,unit", "Eigenes Team,fin-buha", "Fremde Abteilung,mkt")

    with pytest.raises(ImportFailed) as exc:
        generic_csv_import(actor=org.member, data=data)

    assert _errors(exc) == [(3, "unit")]
    assert UseCase.objects.count() == 0


def test_an_upload_cannot_change_a_use_case_of_a_unit_the_uploader_does_not_work_in(org):
    usecases_import(actor=None, format="csv", data=csv_file("source_id,title,unit", "X,Alt,mkt"), owner=org.outsider)

    with pytest.raises(ImportFailed) as exc:
        generic_csv_import(actor=org.member, data=csv_file("source_id,title,unit", "X,Übernommen,fin-buha"))

    assert _errors(exc) == [(2, "source_id")]
    assert UseCase.objects.get().title == "Alt"


def test_the_uploader_owns_rows_without_owner(org):
    generic_csv_import(actor=org.member, data=csv_file("title,unit", "Meins,fin-buha"))

    usecase = UseCase.objects.get()
    assert (usecase.owner, usecase.created_by) == (org.member, org.member)


# --- the upload page ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("viewer", "status"),
    [("unit_member", 200), ("unit_lead", 200), (Role.ADMINISTRATOR, 200), ("no_unit", 404), ("anonymous", 302)],
)
def test_the_upload_page_is_for_people_who_work_in_a_unit_and_administrators(org, viewer, status):
    client = Client()
    person = PersonFactory() if viewer == "no_unit" else org.viewer(viewer)
    if person is not None:
        client.force_login(person)

    response = client.get(reverse("usecases:import"))

    assert response.status_code == status


@pytest.mark.parametrize(
    ("viewer", "unit", "imported"),
    [
        ("unit_member", "fin-buha", True),
        ("unit_lead", "fin-buha", True),
        ("unit_member", "mkt", False),
        ("other_unit", "fin-buha", False),
        (Role.AI_GOVERNANCE, "fin-buha", False),  # governs, but does not work in the team
        (Role.ADMINISTRATOR, "fin-buha", True),
    ],
)
def test_uploading_registers_use_cases_only_for_permitted_units(org, viewer, unit, imported):
    client = Client(enforce_csrf_checks=True)
    client.force_login(org.viewer(viewer))
    page = client.get(reverse("usecases:import"))
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode()).group(1)
    upload = io.BytesIO(csv_file("title,unit", f"Hochgeladen,{unit}"))
    upload.name = "inventar.csv"
    events = Event.objects.count()

    response = client.post(reverse("usecases:import"), {"file": upload, "csrfmiddlewaretoken": token})

    if imported:
        assert response.status_code == 302 and response["Location"] == reverse("usecases:library")
        assert UseCase.objects.get().owner == org.viewer(viewer)
    else:
        assert response.status_code == 200
        assert b"import-errors" in response.content
        assert UseCase.objects.count() == 0
        assert Event.objects.count() == events


def test_the_upload_page_lists_faulty_lines(org):
    client = Client()
    client.force_login(org.member)
    upload = io.BytesIO(csv_file("title,unit,stage", "Eins,fin-buha,someday"))
    upload.name = "inventar.csv"

    response = client.post(reverse("usecases:import"), {"file": upload})

    assert response.status_code == 200
    assert re.search(rb"<td>2</td><td><code>stage</code></td>", response.content)


# --- the command line ----------------------------------------------------------------------------------------


def test_the_command_imports_a_generic_file(org, tmp_path):
    path = tmp_path / "inventar.csv"
    path.write_bytes(csv_file("title,unit", "Per Kommando,fin-buha"))
    out = io.StringIO()

    call_command(
        "import",
        "usecases",
        str(path),
        "--format",
        "csv",
        "--owner",
        org.member.username,
        stdout=out,
        stderr=io.StringIO(),
    )

    assert UseCase.objects.get().owner == org.member
    assert "1" in out.getvalue()


def test_the_command_prints_every_faulty_line(org, tmp_path):
    path = tmp_path / "inventar.csv"
    path.write_bytes(csv_file("title,unit", "A,nowhere", "B,fin-buha", ",fin-buha"))
    err = io.StringIO()

    with pytest.raises(CommandError):
        call_command(
            "import",
            "usecases",
            str(path),
            "--format",
            "csv",
            "--owner",
            org.member.username,
            stdout=io.StringIO(),
            stderr=err,
        )

    assert [line.split(":")[0] for line in err.getvalue().splitlines()] == ["line 2", "line 4"]
