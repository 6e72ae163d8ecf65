"""The demo catalogue: twelve fictional tools across every status, two requests, safe to load twice."""

from __future__ import annotations

import pytest

from leitplanke.audit.models import Event
from leitplanke.catalog import demo
from leitplanke.catalog.models import Tool, ToolRequest, ToolRequestStatus, ToolStatus
from leitplanke.org import demo as org_demo

pytestmark = pytest.mark.django_db

NAMES = {
    "Office-Copilot",
    "Enterprise-Chat",
    "Cloud-Modell-API (EU)",
    "Übersetzungsdienst",
    "Code-Assistent",
    "KI-Plattform (intern)",
    "Transkriptionsdienst",
    "CRM-KI-Assistent",
    "Dokumenten-KI (OCR)",
    "Bewerbermanagement-KI",
    "Bildgenerator",
    "Freier Web-Chatbot",
}


@pytest.fixture
def demo_company(db) -> None:
    org_demo.load(password="Demo-Passwort-Test-1")


def test_the_demo_catalogue_has_twelve_marked_fictional_tools_across_every_status(demo_company):
    created = demo.load()

    assert created == {"tools": 12, "requests": 2}
    assert set(Tool.objects.values_list("name", flat=True)) == NAMES
    assert set(Tool.objects.values_list("status", flat=True)) == set(ToolStatus.values)
    assert not Tool.objects.filter(is_demo=False).exists()
    assert not Tool.objects.filter(usage_guidelines="").exists()
    assert all("Musteranbieter" in t.vendor for t in Tool.objects.exclude(kind="internal_platform"))
    assert Event.objects.filter(action="catalog.tool.created").count() == 12


def test_the_facts_of_the_demo_tools_are_the_agreed_ones(demo_company):
    demo.load()

    chatbot = Tool.objects.get(name="Freier Web-Chatbot")
    platform = Tool.objects.get(name="KI-Plattform (intern)")
    assert chatbot.guardrail_facts() == {
        "name": "Freier Web-Chatbot",
        "status": "not_allowed",
        "hosting_region": "non_eu",
        "max_classification": "public",
        "personal_data_allowed": False,
        "dpa_signed": False,
        "trains_on_inputs": True,
    }
    assert (platform.hosting_region, platform.max_classification) == ("on_premises", "strictly_confidential")


def test_the_demo_requests_are_one_open_and_one_rejected_by_governance(demo_company):
    demo.load()

    assert sorted(ToolRequest.objects.values_list("status", flat=True)) == [
        ToolRequestStatus.OPEN,
        ToolRequestStatus.REJECTED,
    ]
    rejected = ToolRequest.objects.get(status=ToolRequestStatus.REJECTED)
    assert rejected.decided_by.username == "christian.lehmann"
    assert rejected.decision_comment
    assert ToolRequest.objects.get(status=ToolRequestStatus.OPEN).requested_by.username == "laura.fuchs"


def test_loading_the_demo_catalogue_twice_duplicates_nothing(demo_company):
    demo.load()
    events = Event.objects.count()

    created = demo.load()

    assert created == {"tools": 0, "requests": 0}
    assert Tool.objects.count() == 12
    assert ToolRequest.objects.count() == 2
    assert Event.objects.count() == events


def test_without_the_demo_company_only_the_tools_are_loaded():
    assert demo.load() == {"tools": 12, "requests": 0}
