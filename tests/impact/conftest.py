"""Fixtures of the impact tests: the registry's small company, leadership, a use case with a KPI."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from leitplanke.impact import services
from leitplanke.impact.models import Kpi, Objective
from leitplanke.org import services as org_services
from leitplanke.org.models import Role
from leitplanke.usecases.models import Status, UseCase

from ..factories import PersonFactory
from ..usecases.conftest import COMPLETE_FACTS, Org, client_for, make_usecase, org, tools

__all__ = ["COMPLETE_FACTS", "Org", "board", "client_for", "finance_leadership", "kpi", "make_usecase", "org", "tools"]


@pytest.fixture
def board(org: Org) -> Any:
    """Leadership for the whole company."""
    person = PersonFactory(username="bea.board", display_name="Bea Board")
    org_services.role_assign(actor=None, person=person, role=Role.LEADERSHIP)
    return person


@pytest.fixture
def finance_leadership(org: Org) -> Any:
    """Leadership for Finanzen (and the Buchhaltung team below it)."""
    person = PersonFactory(username="fiona.finance", display_name="Fiona Finance")
    org_services.role_assign(actor=None, person=person, role=Role.LEADERSHIP, unit=org.finance)
    return person


@pytest.fixture
def usecase(make_usecase: Any) -> UseCase:
    return make_usecase(status=Status.DRAFT)


@pytest.fixture
def kpi(org: Org, usecase: UseCase) -> Kpi:
    return services.kpi_create(
        actor=org.member,
        usecase=usecase,
        name="Bearbeitungszeit gespart",
        kind="hours_saved_per_month",
        baseline=Decimal("0"),
        target=Decimal("40"),
        target_date=dt.date(2027, 12, 31),
    )


def objective(actor: Any, *, unit: Any = None, title: str = "Durchlaufzeit halbieren", **fields: Any) -> Objective:
    values: dict[str, Any] = {
        "owner": actor,
        "metric": "Durchlaufzeit",
        "metric_unit": "Tage",
        "baseline": Decimal("10"),
        "target_value": Decimal("5"),
        "target_date": dt.date(2027, 12, 31),
    } | fields
    return services.objective_create(actor=actor, title=title, unit=unit, **values)
