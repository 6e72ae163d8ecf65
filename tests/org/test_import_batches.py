"""A people import is written in short batches and stays all or nothing: a refusal half-way undoes what it wrote."""

from __future__ import annotations

from typing import Any

import pytest

from leitplanke.accounts.models import User
from leitplanke.audit.models import Event
from leitplanke.common import batches
from leitplanke.common.csvfile import ImportFailed
from leitplanke.common.errors import DomainError
from leitplanke.org import services
from leitplanke.org.importing import people, people_import, units_import
from leitplanke.org.models import Membership, OrgUnit, RoleAssignment

from ..factories import PersonFactory
from .support import csv_file

pytestmark = pytest.mark.django_db

HEADER = "email,display_name,username,language,units,lead_of,deputy_of,roles"


def test_a_refusal_half_way_undoes_everything_the_import_wrote(monkeypatch) -> None:
    # Given a team without lead, an existing person, and a file that renames that person, makes them
    # the team's lead with a role, and creates eight more people, written three to a transaction
    units_import(
        actor=None, data=csv_file("code,name,kind,parent", "acme,Acme GmbH,company,", "fin,Finanzen,department,acme")
    )
    existing = PersonFactory(email="petra.lorenz@acme.example", display_name="Petra Lorenz")
    rows = ["petra.lorenz@acme.example,Petra Lorenz-Berg,,,fin,fin,,auditor"]
    rows += [f"neu{n}@acme.example,Neu {n},,,fin,,," for n in range(8)]
    monkeypatch.setattr(batches, "FIRST_BATCH", 3)
    monkeypatch.setattr(batches, "MAX_BATCH", 3)
    created: list[str] = []
    real_create = services.person_create

    def person_create(**fields: Any) -> Any:
        # the seventh new person is refused, as when someone took the address after the file was checked
        if len(created) == 6:
            raise DomainError("Diese E-Mail-Adresse ist schon vergeben.", field="email")
        created.append(fields["email"])
        return real_create(**fields)

    monkeypatch.setattr(people.services, "person_create", person_create)
    events_before = Event.objects.count()

    # When the file is imported
    with pytest.raises(ImportFailed) as failed:
        people_import(actor=None, data=csv_file(HEADER, *rows), source="leute.csv")

    # Then the refused row is named, and nothing the import wrote is left
    assert [(error.line, error.column) for error in failed.value.errors] == [(9, "email")]
    assert len(created) == 6
    assert list(User.objects.values_list("email", flat=True)) == ["petra.lorenz@acme.example"]
    existing.refresh_from_db()
    assert existing.display_name == "Petra Lorenz"
    assert not Membership.objects.exists()
    assert not RoleAssignment.objects.exists()
    assert OrgUnit.objects.get(code="fin").lead_id is None
    actions = list(Event.objects.order_by("seq").values_list("action", flat=True)[events_before:])
    assert actions[-1] == "org.import.rolled_back"
