"""Fixtures of the registry tests: a small company, people in every role, tools, use cases."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from leitplanke.accounts.models import User
from leitplanke.catalog.models import Tool
from leitplanke.common.permissions import SYSTEM, allowed
from leitplanke.org import services as org_services
from leitplanke.org.models import OrgUnit, Role
from leitplanke.usecases import services
from leitplanke.usecases.models import Status, UseCase

from ..factories import PersonFactory, UnitFactory

#: Every risk question answered (the harmless answers), as a submitted use case needs.
COMPLETE_FACTS: dict[str, Any] = {
    "purposes": ["productivity"],
    "affected_people": ["employees"],
    "interacts_with_people": "no",
    "generated_content": "text",
    "personal_data": "none",
    "data_classification": "internal",
    "monitors_employees": "no",
    "decision_role": "none",
    "human_review": "always",
    "scale": "small",
    "prohibited_practices": [],
}


class Org:
    """The company of these tests: Finanzen with the team Buchhaltung (the owning unit), and Marketing."""

    def __init__(self) -> None:
        self.company = UnitFactory(code="acme", name="Acme GmbH", kind="company", parent=None)
        self.lead = PersonFactory(username="lea.lead", display_name="Lea Lead")
        self.member = PersonFactory(username="max.member", display_name="Max Member")
        self.finance = UnitFactory(code="fin", name="Finanzen", parent=self.company)
        self.team = UnitFactory(code="fin-buha", name="Buchhaltung", kind="team", parent=self.finance, lead=self.lead)
        org_services.membership_add(actor=None, person=self.member, unit=self.team)
        self.marketing = UnitFactory(code="mkt", name="Marketing", parent=self.company)
        self.outsider = PersonFactory(username="olga.other", display_name="Olga Other")
        org_services.membership_add(actor=None, person=self.outsider, unit=self.marketing)
        self.role_holders: dict[str, Any] = {}
        for role in (Role.AI_GOVERNANCE, Role.AUDITOR, Role.DATA_PROTECTION, Role.ADMINISTRATOR):
            person = PersonFactory(username=f"{role}.person")
            org_services.membership_add(actor=None, person=person, unit=self.marketing)
            org_services.role_assign(actor=None, person=person, role=role)
            self.role_holders[str(role)] = person

    def fresh(self) -> Org:
        """The same company read again from the database: new objects, as a test of their own would have.

        A test that changes its objects in memory (or in a transaction that is rolled back) then
        leaves nothing behind for the next test.
        """
        again = Org.__new__(Org)
        units = OrgUnit.objects.in_bulk([self.company.pk, self.finance.pk, self.team.pk, self.marketing.pk])
        people = User.objects.in_bulk(
            [self.lead.pk, self.member.pk, self.outsider.pk, *(person.pk for person in self.role_holders.values())]
        )
        for name, value in vars(self).items():
            if isinstance(value, OrgUnit | User):
                setattr(again, name, (units if isinstance(value, OrgUnit) else people)[value.pk])
        again.role_holders = {role: people[person.pk] for role, person in self.role_holders.items()}
        return again

    def viewer(self, kind: str) -> Any:
        """The person for a viewer kind of the authorization matrix (``None``: anonymous)."""
        if kind == "anonymous":
            return None
        people = {"unit_member": self.member, "unit_lead": self.lead, "other_unit": self.outsider}
        return people.get(kind) or self.role_holders[kind]


@pytest.fixture
def org(_kept_org, db) -> Org:
    return _kept_org.fresh() if _kept_org is not None else Org()


def make_tools() -> dict[str, Tool]:
    """Three catalogue tools: approved, approved with conditions, not allowed."""
    specs = [
        ("Enterprise-Chat", "approved", "confidential", True),
        ("Cloud-Modell-API (EU)", "approved_with_conditions", "internal", True),
        ("Freier Web-Chatbot", "not_allowed", "public", False),
    ]
    return {
        name: Tool.objects.create(
            name=name,
            hosting_region="eu",
            status=status,
            max_classification=classification,
            personal_data_allowed=personal,
        )
        for name, status, classification, personal in specs
    }


@pytest.fixture
def tools(_kept_tools, db) -> dict[str, Tool]:
    """Three catalogue tools: approved, approved with conditions, not allowed."""
    if _kept_tools is None:
        return make_tools()
    fresh = Tool.objects.in_bulk([tool.pk for tool in _kept_tools.values()])
    return {name: fresh[tool.pk] for name, tool in _kept_tools.items()}


@pytest.fixture
def make_usecase(org: Org) -> Callable[..., UseCase]:
    """A use case of the Buchhaltung team, owned by its member, registered through the service."""

    def make(**fields: Any) -> UseCase:
        values: dict[str, Any] = {
            "title": "Rechnungen klassifizieren",
            "summary": "Eingangsrechnungen werden vorkontiert.",
            "unit": org.team,
            "owner": org.member,
            "status": Status.SUBMITTED,
            **COMPLETE_FACTS,
        }
        values.update(fields)
        submit = values.pop("status") == Status.SUBMITTED
        # Registered by its owner; by the system (as an import would) when the owner does not work
        # in the unit, which only the service's permission check would refuse.
        actor = values["owner"] if allowed(values["owner"], "usecases.add_usecase", values["unit"]) else SYSTEM
        return services.usecase_create(actor=actor, submit=submit, **values)

    return make


@pytest.fixture
def client_for() -> Callable[[Any], Client]:
    """A browser signed in as ``person`` (anonymous for ``None``)."""

    def make(person: Any) -> Client:
        client = Client()
        if person is not None:
            client.force_login(person)
        return client

    return make


@pytest.fixture
def library_queries() -> Callable[..., int]:
    """The SQL queries of one library page for ``client`` with ``params``.

    The page is asked once before it is counted: the first page after a change of the org chart
    also builds the unit options that the pages after it reuse (``org.selectors.unit_options``).
    """

    def count(client: Client, **params: Any) -> int:
        assert client.get(reverse("usecases:library"), params).status_code == 200
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("usecases:library"), params)
        assert response.status_code == 200
        return len(queries)

    return count
