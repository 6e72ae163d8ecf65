"""Fixtures of the decision tests: the registry's small company, reviewers, a qualified team lead."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from leitplanke.literacy import services as literacy
from leitplanke.org import services as org_services
from leitplanke.org.models import Role

from ..factories import PersonFactory
from ..usecases.conftest import COMPLETE_FACTS, Org, client_for, make_usecase, org, tools

#: What the test packages built on the decisions (notifications, webhooks) take with one import.
__all__ = [
    "COMPLETE_FACTS",
    "TWO_REVIEWS_FACTS",
    "WORKS_COUNCIL_FACTS",
    "Org",
    "client_for",
    "make_usecase",
    "org",
    "qualified_lead",
    "qualify",
    "reviewers",
    "tools",
]

#: Facts that make the default bundle ask the works council (monitoring employees).
WORKS_COUNCIL_FACTS: dict[str, Any] = {**COMPLETE_FACTS, "monitors_employees": "yes"}
#: Facts that make it ask data protection and the works council.
TWO_REVIEWS_FACTS: dict[str, Any] = {**WORKS_COUNCIL_FACTS, "personal_data": "personal"}


def qualify(person: Any, *, days_ago: int = 30) -> None:
    """Record that ``person`` completed the course the default bundle requires of approving leads."""
    from leitplanke.literacy.models import Course

    course = Course.objects.filter(code="ai-literacy-basics").first() or literacy.course_create(
        actor=None, code="ai-literacy-basics", title="KI-Grundlagen", validity_months=24
    )
    literacy.completion_record(
        actor=None, person=person, course=course, completed_on=timezone.localdate() - dt.timedelta(days=days_ago)
    )


class Reviewers:
    """A works-council member company-wide, a data-protection coordinator for Finanzen."""

    def __init__(self, company: Org) -> None:
        self.works_council = PersonFactory(username="wera.council", display_name="Wera Betriebsrat")
        org_services.role_assign(actor=None, person=self.works_council, role=Role.WORKS_COUNCIL)
        self.finance_privacy = PersonFactory(username="dana.finance", display_name="Dana Datenschutz Finanzen")
        org_services.role_assign(
            actor=None, person=self.finance_privacy, role=Role.DATA_PROTECTION, unit=company.finance
        )
        self.company_privacy = company.role_holders[str(Role.DATA_PROTECTION)]


@pytest.fixture
def reviewers(org) -> Reviewers:
    return Reviewers(org)


@pytest.fixture
def qualified_lead(org) -> Any:
    qualify(org.lead)
    return org.lead
