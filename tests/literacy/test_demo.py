"""The demo company's AI literacy: most leads may approve, one lead's course expired, one never took it."""

from __future__ import annotations

import pytest

from leitplanke.literacy import demo
from leitplanke.literacy.models import Completion, Course
from leitplanke.literacy.selectors import holds_qualification
from leitplanke.org import demo as org_demo
from leitplanke.org.models import OrgUnit

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_company(db) -> None:
    org_demo.load(password="Demo-Passwort-Test-1")
    demo.load()


def test_most_team_leads_hold_the_course_the_default_bundle_requires(demo_company) -> None:
    leads = {unit.lead for unit in OrgUnit.objects.select_related("lead") if unit.lead}
    qualified = {lead.username for lead in leads if holds_qualification(lead, "ai-literacy-basics")}

    assert len(qualified) >= len(leads) - 2
    assert "sebastian.koch" not in qualified  # completed, but more than 24 months ago
    assert "frank.weber" not in qualified  # never took it
    assert Completion.objects.filter(person__username="sebastian.koch", course__code="ai-literacy-basics").exists()


def test_every_demo_course_is_marked_as_demo_data_and_loading_twice_adds_nothing(demo_company) -> None:
    counts = (Course.objects.count(), Completion.objects.count())

    assert demo.load() == {"courses": 0, "completions": 0}
    assert (Course.objects.count(), Completion.objects.count()) == counts
    assert not Course.objects.filter(is_demo=False).exists()
