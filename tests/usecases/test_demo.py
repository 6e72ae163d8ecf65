"""The demo registry: about forty believable use cases across Beispiel AG, loaded twice without change."""

from __future__ import annotations

import pytest

from leitplanke.audit.models import Event
from leitplanke.catalog import demo as catalog_demo
from leitplanke.catalog.models import Tool
from leitplanke.org import demo as org_demo
from leitplanke.usecases import demo, services
from leitplanke.usecases.models import Status, UseCase

pytestmark = pytest.mark.django_db


@pytest.fixture
def company(db) -> None:
    org_demo.load(password="Demo-Passwort-1")


def test_the_demo_registers_every_use_case_by_its_owner_and_is_idempotent(company) -> None:
    catalog_demo.load()

    first = demo.load()
    events = Event.objects.count()
    second = demo.load()

    assert first["usecases"] == len(demo.USE_CASES) >= 40
    assert second == {"usecases": 0, "completed": 0}
    assert Event.objects.count() == events
    chatbot = UseCase.objects.get(title="Kunden-Chatbot auf der Website")
    assert (chatbot.unit.code, chatbot.owner.username, chatbot.created_by.username) == (
        "ks-hotline",
        "markus.franke",
        "markus.franke",
    )


def test_every_demo_tool_name_is_in_the_demo_catalogue(company) -> None:
    catalog_demo.load()

    named = {name for spec in demo.USE_CASES for name in spec.tools}

    assert named <= set(Tool.objects.values_list("name", flat=True))


def test_the_demo_spans_the_risk_levels(company) -> None:
    catalog_demo.load()
    demo.load()
    usecases = list(UseCase.objects.all())

    def some(predicate) -> bool:
        return any(predicate(usecase) for usecase in usecases)

    assert some(lambda u: "recruiting" in u.purposes and u.unit.code == "hr-recruiting")
    assert some(lambda u: "emotion_recognition_work_education" in u.prohibited_practices)
    assert some(lambda u: u.generated_content == "deepfake")
    assert some(lambda u: u.interacts_with_people == "external")
    assert some(lambda u: u.decision_role == "decides" and "employee_decisions" in u.purposes)
    assert some(lambda u: u.confidential)
    assert some(lambda u: u.status == Status.DRAFT)
    assert some(lambda u: services.answered_unsure(u))
    assert some(lambda u: u.tools.filter(status="not_allowed").exists())
    assert len({u.unit.code for u in usecases}) >= 15


def test_missing_tools_are_left_out_and_added_on_a_later_run(company) -> None:
    first = demo.load()
    assert first["usecases"] == len(demo.USE_CASES)
    assert not UseCase.objects.filter(tools__isnull=False).exists()

    catalog_demo.load()
    again = demo.load()

    assert again["usecases"] == 0
    assert again["completed"] == sum(1 for spec in demo.USE_CASES if spec.tools)
    code = UseCase.objects.get(title="Code-Assistenz in der Entwicklungsumgebung")
    assert [tool.name for tool in code.tools.all()] == ["Code-Assistent"]


def test_without_the_demo_company_nothing_is_registered(db) -> None:
    assert demo.load() == {"usecases": 0, "completed": 0}
