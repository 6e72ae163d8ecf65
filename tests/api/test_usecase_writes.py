"""Writing use cases through the API: register, change, answer, submit, approve, move on.

Every write goes through the services the pages use, records its audit event, needs the rights
the pages need (403 for a use case one only reads, 404 for one one cannot see), and honours the
ETag of what the caller read: PATCH and PUT require ``If-Match``, a stale one changes nothing.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.utils import translation

from leitplanke.api.models import Scope
from leitplanke.audit.models import Event
from leitplanke.decisions.models import Approval, Obligation
from leitplanke.usecases import services
from leitplanke.usecases.facts import FACTS_BY_NAME
from leitplanke.usecases.models import Stage, Status, UseCase

from ..decisions.conftest import qualify
from .conftest import COMPLETE_FACTS, problem

pytestmark = pytest.mark.django_db

BASE = "/api/v1/usecases"


def send(client: Any, method: str, path: str, body: Any = None, **headers: str) -> Any:
    kwargs: dict[str, Any] = {"headers": headers}
    if body is not None:
        kwargs |= {"data": json.dumps(body), "content_type": "application/json"}
    return getattr(client, method)(path, **kwargs)


def events(usecase: UseCase, action: str) -> list[Event]:
    return list(Event.objects.filter(object_id=str(usecase.pk), action=action, object_type="usecases.usecase"))


def fields_of(response: Any) -> list[str]:
    """The field paths of a validation problem."""
    return [error["field"] for error in problem(response, 422)["errors"]]


@pytest.fixture
def writer(org, api_for) -> Any:
    """The member of Buchhaltung with a read-write token."""
    return api_for(org.member, scope=Scope.READ_WRITE)


# --- registering ------------------------------------------------------------------------------------


def test_a_member_registers_a_draft_in_her_unit(org, tools, writer) -> None:
    body = {
        "title": "Mahnungen formulieren",
        "summary": "Entwürfe für Zahlungserinnerungen.",
        "unit": "fin-buha",
        "tools": [tools["Enterprise-Chat"].pk],
        "contributors": ["lea.lead"],
        "expected_hours_per_month": 12.5,
        "facts": {"purposes": ["content_creation"], "personal_data": "unsure"},
    }

    response = send(writer, "post", BASE, body)

    assert response.status_code == 201, response.content
    usecase = UseCase.objects.get(title="Mahnungen formulieren")
    assert response["Location"] == f"{BASE}/{usecase.pk}"
    assert response["ETag"] == send(writer, "get", f"{BASE}/{usecase.pk}")["ETag"]
    created = response.json()
    assert (created["status"], created["owner"]["username"]) == ("draft", "max.member")
    assert created["unit"] == {"code": "fin-buha", "name": "Buchhaltung"}
    assert created["facts"]["purposes"] == ["content_creation"]
    assert created["facts"]["personal_data"] == "unsure"
    assert created["facts"]["scale"] is None
    assert created["contributors"] == [{"username": "lea.lead", "name": "Lea Lead"}]
    assert created["expected_hours_per_month"] == 12.5
    assert [tool["name"] for tool in created["tools"]] == ["Enterprise-Chat"]
    assert len(events(usecase, "usecase.created")) == 1


def test_registering_with_submit_sends_it_on_the_way_its_verdict_names(org, writer) -> None:
    body = {"title": "Protokolle zusammenfassen", "unit": "fin-buha", "facts": COMPLETE_FACTS, "submit": True}

    response = send(writer, "post", BASE, body)

    assert response.status_code == 201, response.content
    assert response.json()["status"] == Status.AWAITING_APPROVAL
    usecase = UseCase.objects.get(pk=response.json()["id"])
    assert events(usecase, "decisions.usecase.routed")


def test_registering_with_submit_names_every_open_question_and_creates_nothing(org, writer) -> None:
    facts = {"purposes": ["productivity"], "affected_people": ["employees"], "personal_data": "none"}
    body = {"title": "Halb ausgefüllt", "unit": "fin-buha", "facts": facts, "submit": True}

    response = send(writer, "post", BASE, body)

    open_questions = [
        "interacts_with_people",
        "generated_content",
        "data_classification",
        "monitors_employees",
        "decision_role",
        "human_review",
        "scale",
    ]
    assert fields_of(response) == [f"body.facts.{name}" for name in open_questions]
    assert not UseCase.objects.exists()


@pytest.mark.parametrize("viewer", ["other_unit", "ai_governance", "administrator"])
def test_registering_in_a_unit_one_does_not_work_in_is_forbidden(org, api_for, viewer) -> None:
    client = api_for(org.viewer(viewer), scope=Scope.READ_WRITE)

    response = send(client, "post", BASE, {"title": "Fremd", "unit": "fin-buha"})

    assert problem(response, 403)["code"] == "forbidden"
    assert not UseCase.objects.exists()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"unit": "gibt-es-nicht"}, "body.unit"),
        ({"tools": [10**6]}, "body.tools"),
        ({"contributors": ["niemand"]}, "body.contributors"),
        ({"title": ""}, "body.title"),
        ({"title": "x" * 301}, "body.title"),
        ({"summary": "mit \x00 darin"}, "body.summary"),
        ({"stage": "someday"}, "body.stage"),
        ({"expected_hours_per_month": -1}, "body.expected_hours_per_month"),
        ({"expected_euros_per_year": "1.234"}, "body.expected_euros_per_year"),
        ({"confidential": "vielleicht"}, "body.confidential"),
        ({"facts": {"personal_data": "lots"}}, "body.facts.personal_data"),
        ({"facts": {"purposes": ["world_domination"]}}, "body.facts.purposes.0"),
        ({"facts": {"purposes": "productivity"}}, "body.facts.purposes"),
        ({"facts": {"purposes": ["analytics"] * 30}}, "body.facts.purposes"),
    ],
)
def test_invalid_values_are_a_422_naming_the_field_and_create_nothing(org, writer, change, field) -> None:
    response = send(writer, "post", BASE, {"title": "Rechnungen prüfen", "unit": "fin-buha", **change})

    assert field in fields_of(response)
    assert not UseCase.objects.exists()


def test_a_read_token_cannot_register(org, api_for) -> None:
    response = send(api_for(org.member), "post", BASE, {"title": "Nur lesen", "unit": "fin-buha"})

    assert problem(response, 403)["code"] == "insufficient_scope"
    assert not UseCase.objects.exists()


# --- changing ---------------------------------------------------------------------------------------


def test_a_change_with_the_current_etag_is_saved_and_audited(org, make_usecase, writer) -> None:
    usecase = make_usecase(status=Status.DRAFT)
    path = f"{BASE}/{usecase.pk}"
    etag = send(writer, "get", path)["ETag"]

    response = send(
        writer, "patch", path, {"title": "Rechnungen vorkontieren", "facts": {"scale": "medium"}}, **{"If-Match": etag}
    )

    assert response.status_code == 200, response.content
    assert response["ETag"] != etag
    usecase.refresh_from_db()
    assert (usecase.title, usecase.scale, usecase.personal_data) == ("Rechnungen vorkontieren", "medium", "none")
    [event] = events(usecase, "usecase.updated")
    assert (event.before["title"], event.after["title"]) == ("Rechnungen klassifizieren", "Rechnungen vorkontieren")
    # The answer's tag is the tag of the next read, so a client can chain its changes.
    again = send(writer, "patch", path, {"summary": "Neu."}, **{"If-Match": response["ETag"]})
    assert again.status_code == 200, again.content


def test_a_change_without_if_match_is_refused_and_changes_nothing(org, make_usecase, writer) -> None:
    usecase = make_usecase()

    response = send(writer, "patch", f"{BASE}/{usecase.pk}", {"title": "Ohne Vorbedingung"})

    assert problem(response, 428)["code"] == "precondition_required"
    usecase.refresh_from_db()
    assert usecase.title == "Rechnungen klassifizieren"
    assert not events(usecase, "usecase.updated")


def test_a_change_with_a_stale_etag_is_refused_and_changes_nothing(org, make_usecase, writer) -> None:
    usecase = make_usecase()
    path = f"{BASE}/{usecase.pk}"
    stale = send(writer, "get", path)["ETag"]
    services.usecase_update(actor=org.lead, usecase=usecase, title="Von Lea geändert")

    response = send(writer, "patch", path, {"title": "Von Max geändert"}, **{"If-Match": stale})

    assert problem(response, 412)["code"] == "precondition_failed"
    usecase.refresh_from_db()
    assert usecase.title == "Von Lea geändert"


def test_a_change_saved_by_someone_else_in_between_is_a_conflict_and_not_lost(
    org, make_usecase, writer, monkeypatch
) -> None:
    from leitplanke.api.routers import usecases as router

    usecase = make_usecase()
    path = f"{BASE}/{usecase.pk}"
    etag = send(writer, "get", path)["ETag"]
    checked = router.require_current

    def someone_saves_right_after_the_check(request, **kwargs):
        checked(request, **kwargs)
        services.usecase_update(actor=org.lead, usecase=usecase, title="Von Lea geändert")

    monkeypatch.setattr(router, "require_current", someone_saves_right_after_the_check)

    response = send(writer, "patch", path, {"title": "Von Max geändert"}, **{"If-Match": etag})

    body = problem(response, 409)
    assert body["version"] == usecase.version + 1
    usecase.refresh_from_db()
    assert usecase.title == "Von Lea geändert"


def test_a_use_case_one_only_reads_is_403_and_a_hidden_one_404(org, make_usecase, api_for) -> None:
    visible, secret = make_usecase(), make_usecase(title="Gehälter", confidential=True)
    client = api_for(org.outsider, scope=Scope.READ_WRITE)
    admin = api_for(org.viewer("ai_governance"))

    for usecase, status in ((visible, 403), (secret, 404)):
        path = f"{BASE}/{usecase.pk}"
        response = send(client, "patch", path, {"title": "Übernommen"}, **{"If-Match": admin.get(path)["ETag"]})
        problem(response, status)
        usecase.refresh_from_db()
        assert usecase.title != "Übernommen"
    assert not Event.objects.filter(action="usecase.updated").exists()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"title": None}, "body.title"),
        ({"unit": None}, "body.unit"),
        ({"facts": {"scale": "huge"}}, "body.facts.scale"),
    ],
)
def test_a_change_to_an_invalid_value_names_the_field(org, make_usecase, writer, change, field) -> None:
    usecase = make_usecase(status=Status.DRAFT)
    path = f"{BASE}/{usecase.pk}"

    response = send(writer, "patch", path, change, **{"If-Match": send(writer, "get", path)["ETag"]})

    assert fields_of(response) == [field]


def test_null_clears_an_answer_and_an_amount(org, make_usecase, writer) -> None:
    usecase = make_usecase(status=Status.DRAFT, expected_hours_per_month=10)
    path = f"{BASE}/{usecase.pk}"

    response = send(
        writer,
        "patch",
        path,
        {"expected_hours_per_month": None, "facts": {"scale": None}},
        **{"If-Match": send(writer, "get", path)["ETag"]},
    )

    assert response.status_code == 200, response.content
    usecase.refresh_from_db()
    assert (usecase.expected_hours_per_month, usecase.scale) == (None, "")


def test_a_use_case_moves_only_into_a_unit_the_caller_works_in(org, make_usecase, writer) -> None:
    usecase = make_usecase()
    path = f"{BASE}/{usecase.pk}"

    response = send(writer, "patch", path, {"unit": "mkt"}, **{"If-Match": send(writer, "get", path)["ETag"]})

    problem(response, 403)
    usecase.refresh_from_db()
    assert usecase.unit == org.team


# --- submitting -------------------------------------------------------------------------------------


def test_a_complete_draft_is_submitted_and_goes_to_the_team_lead(org, make_usecase, writer) -> None:
    usecase = make_usecase(status=Status.DRAFT)

    response = send(writer, "post", f"{BASE}/{usecase.pk}/submit")

    assert response.status_code == 200, response.content
    assert response.json()["status"] == Status.AWAITING_APPROVAL
    assert response.json()["submission"] == 1
    assert events(usecase, "usecase.submitted")


def test_submitting_names_every_open_question_and_changes_nothing(org, make_usecase, writer) -> None:
    usecase = make_usecase(status=Status.DRAFT, scale="", human_review="", purposes=[])

    response = send(writer, "post", f"{BASE}/{usecase.pk}/submit")

    assert fields_of(response) == ["facts.purposes", "facts.human_review", "facts.scale"]
    usecase.refresh_from_db()
    assert usecase.status == Status.DRAFT
    assert not events(usecase, "usecase.submitted")


def test_a_use_case_on_its_way_is_not_submitted_again(org, make_usecase, writer) -> None:
    usecase = make_usecase()

    body = problem(send(writer, "post", f"{BASE}/{usecase.pk}/submit"), 422)

    assert (body["code"], body["reason"]) == ("invalid", "state")


def test_submitting_with_a_stale_etag_changes_nothing(org, make_usecase, writer) -> None:
    usecase = make_usecase(status=Status.DRAFT)
    stale = send(writer, "get", f"{BASE}/{usecase.pk}")["ETag"]
    services.usecase_update(actor=org.lead, usecase=usecase, summary="Ergänzt.")

    response = send(writer, "post", f"{BASE}/{usecase.pk}/submit", **{"If-Match": stale})

    problem(response, 412)
    usecase.refresh_from_db()
    assert usecase.status == Status.DRAFT


# --- the risk answers -------------------------------------------------------------------------------


def test_the_answers_come_with_codes_and_labels_in_the_callers_language(org, make_usecase, api_for) -> None:
    usecase = make_usecase(status=Status.DRAFT, scale="", personal_data="unsure")

    response = api_for(org.member).get(f"{BASE}/{usecase.pk}/facts")

    assert response.status_code == 200
    assert response["ETag"]
    body = response.json()
    answers = {answer["fact"]: answer for answer in body["answers"]}
    with translation.override("de"):
        unsure_label = str(dict(FACTS_BY_NAME["personal_data"].all_choices)["unsure"])
        question = str(FACTS_BY_NAME["personal_data"].question)
    assert answers["personal_data"]["answers"] == [{"code": "unsure", "label": unsure_label}]
    assert answers["personal_data"]["question"] == question
    assert answers["personal_data"]["unsure"] is True
    assert answers["scale"]["answers"] == []
    assert "unsure" in [choice["code"] for choice in answers["scale"]["choices"]]
    assert body["missing"] == ["scale"]


def test_all_answers_are_replaced_at_once_and_the_verdict_follows(org, make_usecase, writer) -> None:
    usecase = make_usecase(status=Status.DRAFT)
    path = f"{BASE}/{usecase.pk}/facts"
    before = usecase.verdict.decision

    response = send(
        writer,
        "put",
        path,
        {**COMPLETE_FACTS, "personal_data": "unsure"},
        **{"If-Match": send(writer, "get", path)["ETag"]},
    )

    assert response.status_code == 200, response.content
    usecase.refresh_from_db()
    assert usecase.personal_data == "unsure"
    assert (before, usecase.verdict.decision) == ("team_lead", "review")
    assert events(usecase, "usecase.updated")


def test_replacing_the_answers_needs_every_question_and_the_answers_etag(org, make_usecase, writer) -> None:
    usecase = make_usecase(status=Status.DRAFT)
    path = f"{BASE}/{usecase.pk}/facts"
    facts_etag = send(writer, "get", path)["ETag"]
    usecase_etag = send(writer, "get", f"{BASE}/{usecase.pk}")["ETag"]
    partial = {key: value for key, value in COMPLETE_FACTS.items() if key != "scale"}

    assert fields_of(send(writer, "put", path, partial, **{"If-Match": facts_etag})) == ["body.scale"]
    problem(send(writer, "put", path, COMPLETE_FACTS), 428)
    problem(send(writer, "put", path, COMPLETE_FACTS, **{"If-Match": usecase_etag}), 412)
    assert not events(usecase, "usecase.updated")


# --- verdict and history ----------------------------------------------------------------------------


def test_the_verdict_explains_the_rules_and_the_way_to_a_decision(org, make_usecase, api_for) -> None:
    qualify(org.lead)
    usecase = make_usecase(personal_data="unsure")

    body = api_for(org.member).get(f"{BASE}/{usecase.pk}/verdict").json()

    assert (body["evaluated"], body["decision"], body["risk_class"]) == (True, "review", usecase.verdict.risk_class)
    assert [role["code"] for role in body["reviews"]] == ["data_protection"]
    assert body["reasons"] and all(reason["rule_id"] and reason["title"] for reason in body["reasons"])
    assert {duty["id"] for duty in body["obligations"]} >= {"ai-act-art4-literacy"}
    assert body["bundle"]["version"]
    assert body["way"]["status"] == Status.IN_REVIEW
    assert [(review["role"]["code"], review["status"]) for review in body["way"]["reviews"]] == [
        ("data_protection", "open")
    ]
    assert "approve" not in body["way"]["actions"]


def test_the_way_tells_the_team_lead_she_may_approve(org, make_usecase, api_for) -> None:
    qualify(org.lead)
    usecase = make_usecase()

    way = api_for(org.lead).get(f"{BASE}/{usecase.pk}/verdict").json()["way"]

    assert "approve" in way["actions"]
    assert way["approvers"] == [{"username": "lea.lead", "name": "Lea Lead"}]


def test_the_history_lists_the_events_newest_first_in_pages(org, make_usecase, writer) -> None:
    usecase = make_usecase(status=Status.DRAFT)
    services.usecase_update(actor=org.member, usecase=usecase, title="Zweiter Titel")

    first = writer.get(f"{BASE}/{usecase.pk}/history?limit=1").json()
    second = writer.get(f"{BASE}/{usecase.pk}/history?limit=1&offset=1").json()

    assert first["count"] == second["count"] >= 2
    [newest], [older] = first["items"], second["items"]
    assert newest["seq"] > older["seq"]
    assert newest["action"] == "usecase.updated"
    assert newest["actor"]["username"] == "max.member"
    assert {"field": "Titel", "before": "Rechnungen klassifizieren", "after": "Zweiter Titel"} in newest["changes"]


# --- decisions on the page --------------------------------------------------------------------------


def test_the_qualified_team_lead_approves_and_the_obligations_open(org, make_usecase, api_for) -> None:
    qualify(org.lead)
    usecase = make_usecase()
    path = f"{BASE}/{usecase.pk}/approve"

    refused = send(api_for(org.member, scope=Scope.READ_WRITE), "post", path, {"scope": "pilot"})
    problem(refused, 403)
    assert not Approval.objects.exists()

    response = send(api_for(org.lead, scope=Scope.READ_WRITE), "post", path, {"scope": "production"})

    assert response.status_code == 200, response.content
    assert response.json()["status"] == Status.APPROVED
    assert Approval.objects.get(usecase=usecase).scope == "production"
    assert Obligation.objects.filter(usecase=usecase).exists()
    assert events(usecase, "decisions.usecase.approved")


def test_an_approval_needs_a_scope(org, make_usecase, api_for) -> None:
    qualify(org.lead)
    usecase = make_usecase()

    response = send(api_for(org.lead, scope=Scope.READ_WRITE), "post", f"{BASE}/{usecase.pk}/approve", {})

    assert fields_of(response) == ["body.scope"]


def test_an_approved_use_case_starts_its_pilot_and_is_submitted_for_production(
    org, make_usecase, tools, writer
) -> None:
    from leitplanke.decisions import services as decisions

    qualify(org.lead)
    usecase = make_usecase(tools=[tools["Enterprise-Chat"]])
    decisions.usecase_approve(actor=org.lead, usecase=usecase, scope="pilot")

    piloted = send(writer, "post", f"{BASE}/{usecase.pk}/stage", {"stage": "pilot"})
    assert piloted.status_code == 200, piloted.content
    assert (piloted.json()["stage"], piloted.json()["status"]) == (Stage.PILOT, Status.APPROVED)
    assert events(usecase, "decisions.usecase.stage_moved")

    refused = send(writer, "post", f"{BASE}/{usecase.pk}/stage", {"stage": "production"})
    assert problem(refused, 422)["reason"] == "scope"

    submitted = send(writer, "post", f"{BASE}/{usecase.pk}/submit-production", **{"If-Match": piloted["ETag"]})
    assert submitted.status_code == 200, submitted.content
    assert (submitted.json()["stage"], submitted.json()["submission"]) == (Stage.PRODUCTION, 2)


def test_moving_to_an_unknown_stage_names_the_field(org, make_usecase, writer) -> None:
    usecase = make_usecase()

    assert fields_of(send(writer, "post", f"{BASE}/{usecase.pk}/stage", {"stage": "idea"})) == ["body.stage"]


@pytest.mark.parametrize(
    "path",
    [
        "/usecases/{big}",
        "/usecases/{big}/facts",
        "/usecases/{big}/verdict",
        "/usecases/{big}/history",
        "/reviews/{big}",
        "/obligations/{big}",
    ],
)
def test_an_id_beyond_what_the_database_holds_is_simply_not_there(org, api_for, path) -> None:
    response = api_for(org.member).get("/api/v1" + path.format(big=10**25))

    problem(response, 404)


def test_a_tool_id_beyond_what_the_database_holds_is_an_unknown_tool(org, writer) -> None:
    response = send(writer, "post", BASE, {"title": "Groß", "unit": "fin-buha", "tools": [10**25]})

    assert fields_of(response) == ["body.tools.0"]
    assert not UseCase.objects.exists()
