"""``/api/v1/tools`` and ``/api/v1/tool-requests``: the catalogue for everyone, maintained by AI governance."""

from __future__ import annotations

from typing import Any

import pytest

from leitplanke.api.models import Scope
from leitplanke.audit.models import Event
from leitplanke.catalog import services
from leitplanke.catalog.models import Tool, ToolRequest, ToolRequestStatus

from .conftest import problem
from .test_org import actions_since, field_errors, send

pytestmark = pytest.mark.django_db

TOOLS = "/api/v1/tools"
REQUESTS = "/api/v1/tool-requests"

#: Everyone who may read the catalogue but not change it (AI governance and administrators may).
NOT_MAINTAINERS = ("unit_member", "unit_lead", "other_unit", "auditor", "data_protection")

NEW_TOOL = {"name": "Übersetzer", "hosting_region": "eu", "status": "in_evaluation", "max_classification": "internal"}


@pytest.fixture
def governance(org, api_for):
    """A read-write client of AI governance."""
    return api_for(org.viewer("ai_governance"), scope=Scope.READ_WRITE)


@pytest.fixture
def member_request(org) -> ToolRequest:
    """An open request of the Buchhaltung member."""
    return services.tool_request_create(
        actor=org.member, name="Whisper", vendor="OpenAI", url="https://openai.com/whisper", reason="Protokolle."
    )


def tool_state(tool: Tool) -> dict[str, object]:
    tool.refresh_from_db()
    return {**tool.audit_snapshot(), "version": tool.version}


# --- tools: reading ---------------------------------------------------------------------------------


def test_the_catalogue_lists_every_tool_by_name_with_its_facts(org, tools, api_for) -> None:
    body = api_for(org.member).get(TOOLS).json()

    names = [item["name"] for item in body["items"]]
    assert names == ["Cloud-Modell-API (EU)", "Enterprise-Chat", "Freier Web-Chatbot"]
    chat = body["items"][1]
    assert chat == {
        "id": tools["Enterprise-Chat"].pk, "name": "Enterprise-Chat", "vendor": "", "kind": "other",
        "status": "approved", "hosting_region": "eu", "max_classification": "confidential",
        "personal_data_allowed": True, "dpa_signed": False, "trains_on_inputs": False, "is_demo": False, "version": 1,
    }  # fmt: skip
    assert (body["count"], body["limit"], body["offset"]) == (3, 50, 0)


def test_the_catalogue_filters_like_its_page(org, tools, api_for) -> None:
    services.tool_update(actor=None, tool=tools["Enterprise-Chat"], kind="chat_assistant", vendor="Acme AI")
    client = api_for(org.member)

    def names(query: str) -> list[str]:
        response = client.get(f"{TOOLS}?{query}")
        assert response.status_code == 200, response.content
        return [item["name"] for item in response.json()["items"]]

    assert names("status=not_allowed") == ["Freier Web-Chatbot"]
    assert names("kind=chat_assistant") == ["Enterprise-Chat"]
    assert names("q=acme") == ["Enterprise-Chat"]
    assert names("q=chat&status=approved") == ["Enterprise-Chat"]
    assert names("limit=1&offset=1") == ["Enterprise-Chat"]


@pytest.mark.parametrize(
    ("query", "field"),
    [("status=verboten", "query.status"), ("kind=roboter", "query.kind"), ("limit=0", "query.limit")],
)
def test_a_bad_catalogue_filter_is_a_field_error(org, tools, api_for, query, field) -> None:
    assert list(field_errors(problem(api_for(org.member).get(f"{TOOLS}?{query}"), 422))) == [field]


def test_a_tool_reads_with_every_field_and_an_etag(org, tools, api_for) -> None:
    tool = tools["Enterprise-Chat"]
    client = api_for(org.outsider)

    response = client.get(f"{TOOLS}/{tool.pk}")

    assert response.status_code == 200
    body = response.json()
    assert body.keys() == {
        "id", "name", "vendor", "kind", "status", "hosting_region", "max_classification", "personal_data_allowed",
        "dpa_signed", "trains_on_inputs", "is_demo", "version", "usage_guidelines", "contact", "created", "updated",
    }  # fmt: skip
    assert (body["name"], body["status"], body["usage_guidelines"]) == ("Enterprise-Chat", "approved", "")
    assert client.get(f"{TOOLS}/{tool.pk}", headers={"If-None-Match": response["ETag"]}).status_code == 304


def test_an_unknown_tool_answers_404(org, tools, api_for) -> None:
    assert problem(api_for(org.member).get(f"{TOOLS}/999999"), 404)["code"] == "not_found"


# --- tools: writing ---------------------------------------------------------------------------------


@pytest.mark.parametrize("viewer", ["ai_governance", "administrator"])
def test_ai_governance_adds_a_tool_with_its_audit_event(org, api_for, viewer) -> None:
    client = api_for(org.viewer(viewer), scope=Scope.READ_WRITE)
    events = Event.objects.count()

    response = send(client, "POST", TOOLS, NEW_TOOL | {"usage_guidelines": "Nur interne Texte.", "dpa_signed": True})

    assert response.status_code == 201, response.content
    assert response["ETag"]
    tool = Tool.objects.get(name="Übersetzer")
    assert response.json()["id"] == tool.pk
    assert (tool.status, tool.dpa_signed, tool.usage_guidelines, tool.kind) == (
        "in_evaluation", True, "Nur interne Texte.", "other",
    )  # fmt: skip
    assert actions_since(events) == ["catalog.tool.created"]


@pytest.mark.parametrize(
    ("body", "field", "code"),
    [
        (NEW_TOOL | {"name": "enterprise-chat"}, "body.name", "invalid"),
        (NEW_TOOL | {"status": "erlaubt"}, "body.status", "enum"),
        ({"name": "Ohne Ort", "status": "approved", "max_classification": "public"}, "body.hosting_region", "missing"),
        (NEW_TOOL | {"name": "x" * 201}, "body.name", "string_too_long"),
        (NEW_TOOL | {"name": "  "}, "body.name", "invalid"),
        (NEW_TOOL | {"dpa_signed": "vielleicht"}, "body.dpa_signed", "bool_parsing"),
    ],
    ids=["name taken in another case", "bad status", "missing region", "too long", "blank name", "not a boolean"],
)
def test_a_bad_new_tool_is_refused_on_its_field_and_nothing_is_added(org, tools, governance, body, field, code) -> None:
    count, events = Tool.objects.count(), Event.objects.count()

    refused = problem(send(governance, "POST", TOOLS, body), 422)

    assert field_errors(refused) == {field: code}
    assert (Tool.objects.count(), Event.objects.count()) == (count, events)


@pytest.mark.parametrize("viewer", NOT_MAINTAINERS)
def test_only_ai_governance_and_administrators_add_tools(org, tools, api_for, viewer) -> None:
    client = api_for(org.viewer(viewer), scope=Scope.READ_WRITE)
    count, events = Tool.objects.count(), Event.objects.count()

    assert problem(send(client, "POST", TOOLS, NEW_TOOL), 403)["code"] == "forbidden"
    assert (Tool.objects.count(), Event.objects.count()) == (count, events)


def test_changing_a_tool_needs_if_match(org, tools, governance) -> None:
    tool = tools["Enterprise-Chat"]
    before = tool_state(tool)

    missing = send(governance, "PATCH", f"{TOOLS}/{tool.pk}", {"status": "not_allowed"})
    stale = send(governance, "PATCH", f"{TOOLS}/{tool.pk}", {"status": "not_allowed"}, if_match=f'"{tool.pk}-1-x"')

    assert problem(missing, 428)["code"] == "precondition_required"
    assert problem(stale, 412)["code"] == "precondition_failed"
    assert tool_state(tool) == before


def test_ai_governance_changes_a_tool_with_chained_etags(org, tools, governance) -> None:
    tool = tools["Enterprise-Chat"]
    path = f"{TOOLS}/{tool.pk}"
    events = Event.objects.count()

    first = send(governance, "PATCH", path, {"contact": "it@example.com"}, if_match=governance.get(path)["ETag"])
    second = send(governance, "PATCH", path, {"usage_guidelines": "Keine Kundendaten."}, if_match=first["ETag"])

    assert first.status_code == second.status_code == 200, (first.content, second.content)
    assert (second.json()["contact"], second.json()["usage_guidelines"], second.json()["version"]) == (
        "it@example.com", "Keine Kundendaten.", 3,
    )  # fmt: skip
    assert actions_since(events) == ["catalog.tool.updated", "catalog.tool.updated"]


def test_a_status_change_evaluates_the_use_cases_of_the_tool_again(org, tools, governance, make_usecase) -> None:
    tool = tools["Enterprise-Chat"]
    usecase = make_usecase(tools=[tool])
    evaluated = usecase.verdict.evaluated_at
    path = f"{TOOLS}/{tool.pk}"

    response = send(governance, "PATCH", path, {"status": "not_allowed"}, if_match=governance.get(path)["ETag"])

    assert response.status_code == 200, response.content
    usecase.verdict.refresh_from_db()
    assert usecase.verdict.evaluated_at > evaluated


@pytest.mark.parametrize(
    ("body", "field", "code"),
    [({"status": "erlaubt"}, "body.status", "enum"), ({"name": None}, "body.name", "string_type"),
     ({"name": "Freier Web-Chatbot"}, "body.name", "invalid")],
    ids=["bad status", "null name", "name taken"],
)  # fmt: skip
def test_a_bad_tool_change_is_refused_on_its_field(org, tools, governance, body, field, code) -> None:
    tool = tools["Enterprise-Chat"]
    before, events = tool_state(tool), Event.objects.count()
    path = f"{TOOLS}/{tool.pk}"

    refused = problem(send(governance, "PATCH", path, body, if_match=governance.get(path)["ETag"]), 422)

    assert field_errors(refused) == {field: code}
    assert (tool_state(tool), Event.objects.count()) == (before, events)


@pytest.mark.parametrize("viewer", NOT_MAINTAINERS)
def test_only_ai_governance_and_administrators_change_tools(org, tools, api_for, viewer) -> None:
    tool = tools["Enterprise-Chat"]
    client = api_for(org.viewer(viewer), scope=Scope.READ_WRITE)
    path = f"{TOOLS}/{tool.pk}"
    before, events = tool_state(tool), Event.objects.count()

    response = send(client, "PATCH", path, {"status": "not_allowed"}, if_match=client.get(path)["ETag"])

    assert problem(response, 403)["code"] == "forbidden"
    assert (tool_state(tool), Event.objects.count()) == (before, events)


# --- tool requests ----------------------------------------------------------------------------------


def test_an_employee_requests_a_tool_with_its_audit_event(org, api_for) -> None:
    client = api_for(org.outsider, scope=Scope.READ_WRITE)
    events = Event.objects.count()

    response = send(client, "POST", REQUESTS, {"name": "Bildgenerator", "reason": "Für Kampagnenentwürfe."})

    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["name"], body["status"], body["requested_by"]) == (
        "Bildgenerator", "open", {"username": "olga.other", "name": "Olga Other"},
    )  # fmt: skip
    assert (body["decided_by"], body["decided_at"], body["tool"]) == (None, None, None)
    assert ToolRequest.objects.get(pk=body["id"]).requested_by == org.outsider
    assert actions_since(events) == ["catalog.request.created"]


@pytest.mark.parametrize(
    ("body", "field", "code"),
    [
        ({"name": "enterprise-chat", "reason": "Gibt es schon."}, "body.name", "already_listed"),
        ({"name": "Whisper", "reason": "Noch einmal."}, "body.name", "already_requested"),
        ({"name": "Bildgenerator", "reason": "Warum nicht.", "url": "kein link"}, "body.url", "invalid"),
        ({"name": "Bildgenerator"}, "body.reason", "missing"),
        ({"name": "Bildgenerator", "reason": "   "}, "body.reason", "invalid"),
    ],
    ids=["in the catalogue", "asked already", "bad url", "no reason", "blank reason"],
)
def test_a_bad_tool_request_is_refused_on_its_field(org, tools, member_request, api_for, body, field, code) -> None:
    client = api_for(org.member, scope=Scope.READ_WRITE)
    count, events = ToolRequest.objects.count(), Event.objects.count()

    refused = problem(send(client, "POST", REQUESTS, body), 422)

    assert field_errors(refused) == {field: code}
    assert (ToolRequest.objects.count(), Event.objects.count()) == (count, events)


@pytest.mark.parametrize(
    ("viewer", "sees"),
    [("unit_member", {"Whisper"}), ("other_unit", {"Bildgenerator"}), ("unit_lead", set()),
     ("data_protection", set()), ("ai_governance", {"Whisper", "Bildgenerator"}),
     ("administrator", {"Whisper", "Bildgenerator"}), ("auditor", {"Whisper", "Bildgenerator"})],
)  # fmt: skip
def test_employees_see_their_own_requests_and_those_who_decide_see_all(
    org, member_request, api_for, viewer, sees
) -> None:
    services.tool_request_create(actor=org.outsider, name="Bildgenerator", reason="Kampagnen.")
    client = api_for(org.viewer(viewer))

    listed = {item["name"] for item in client.get(REQUESTS).json()["items"]}
    detail = client.get(f"{REQUESTS}/{member_request.pk}")

    assert listed == sees
    assert detail.status_code == (200 if "Whisper" in sees else 404)


def test_the_request_list_filters_by_status_and_the_callers_own(org, member_request, governance) -> None:
    other = services.tool_request_create(actor=org.outsider, name="Bildgenerator", reason="Kampagnen.")
    services.tool_request_decide(
        actor=org.viewer("ai_governance"), tool_request=other, accept=False, comment="Nein.", notify_requester=False
    )
    mine = services.tool_request_create(actor=org.viewer("ai_governance"), name="Agent", reason="Automatisieren.")

    def names(query: str) -> list[str]:
        response = governance.get(f"{REQUESTS}?{query}")
        assert response.status_code == 200, response.content
        return [item["name"] for item in response.json()["items"]]

    assert names("") == [mine.name, "Bildgenerator", "Whisper"]  # newest first
    assert names("status=open") == [mine.name, "Whisper"]
    assert names("status=rejected") == ["Bildgenerator"]
    assert names("mine=true") == [mine.name]
    assert list(field_errors(problem(governance.get(f"{REQUESTS}?status=vielleicht"), 422))) == ["query.status"]


def test_a_request_reads_with_an_etag(org, member_request, api_for) -> None:
    client = api_for(org.member)
    response = client.get(f"{REQUESTS}/{member_request.pk}")

    assert response.status_code == 200
    assert response.json()["url"] == "https://openai.com/whisper"
    assert client.get(f"{REQUESTS}/{member_request.pk}", headers={"If-None-Match": response["ETag"]}).status_code == 304


def test_ai_governance_rejects_with_a_note_and_the_requester_is_told(
    org, member_request, governance, mailoutbox, django_capture_on_commit_callbacks
) -> None:
    events = Event.objects.count()
    path = f"{REQUESTS}/{member_request.pk}/decision"

    with django_capture_on_commit_callbacks(execute=True):
        response = send(governance, "POST", path, {"decision": "reject", "comment": "Der Enterprise-Chat kann das."})

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["status"], body["decision_comment"], body["decided_by"]["username"]) == (
        "rejected", "Der Enterprise-Chat kann das.", "ai_governance.person",
    )  # fmt: skip
    assert actions_since(events) == ["catalog.request.decided"]
    assert [mail.to for mail in mailoutbox] == [["max.member@example.com"]]
    assert "Whisper" in mailoutbox[0].subject
    assert "Der Enterprise-Chat kann das." in mailoutbox[0].body


def test_accepting_can_create_the_catalogue_entry(org, member_request, governance) -> None:
    path = f"{REQUESTS}/{member_request.pk}/decision"
    new_tool = NEW_TOOL | {"name": "Whisper", "vendor": "OpenAI"}

    response = send(governance, "POST", path, {"decision": "accept", "new_tool": new_tool})

    assert response.status_code == 200, response.content
    tool = Tool.objects.get(name="Whisper")
    assert response.json()["tool"] == {"id": tool.pk, "name": "Whisper", "status": "in_evaluation"}
    assert response.json()["status"] == "accepted"


def test_accepting_can_link_an_existing_entry(org, tools, member_request, governance) -> None:
    chat = tools["Enterprise-Chat"]
    path = f"{REQUESTS}/{member_request.pk}/decision"

    unknown = send(governance, "POST", path, {"decision": "accept", "tool": 999999})
    linked = send(governance, "POST", path, {"decision": "accept", "tool": chat.pk, "comment": "Nimm den."})

    assert field_errors(problem(unknown, 422)) == {"body.tool": "unknown_tool"}
    assert linked.status_code == 200, linked.content
    assert linked.json()["tool"] == {"id": chat.pk, "name": "Enterprise-Chat", "status": "approved"}


@pytest.mark.parametrize(
    ("body", "field", "code"),
    [
        ({"decision": "reject"}, "body.comment", "invalid"),
        ({"decision": "vielleicht"}, "body.decision", "literal_error"),
        ({"decision": "accept", "new_tool": NEW_TOOL | {"name": "Enterprise-Chat"}}, "body.new_tool.name", "invalid"),
        ({"decision": "accept", "new_tool": NEW_TOOL | {"status": "ja"}}, "body.new_tool.status", "enum"),
        ({"decision": "reject", "comment": "Nein.", "tool": 1}, "body.tool", "invalid"),
    ],
    ids=["reject without note", "bad decision", "new entry's name taken", "new entry's bad status", "reject and link"],
)
def test_a_bad_decision_is_refused_on_its_field_and_the_request_stays_open(
    org, tools, member_request, governance, body, field, code
) -> None:
    if body.get("tool") == 1:
        body = body | {"tool": tools["Enterprise-Chat"].pk}
    count, events = Tool.objects.count(), Event.objects.count()

    refused = problem(send(governance, "POST", f"{REQUESTS}/{member_request.pk}/decision", body), 422)

    assert field_errors(refused) == {field: code}
    member_request.refresh_from_db()
    assert member_request.status == ToolRequestStatus.OPEN
    assert (Tool.objects.count(), Event.objects.count()) == (count, events)


def test_a_decided_request_is_not_decided_again(org, member_request, governance) -> None:
    path = f"{REQUESTS}/{member_request.pk}/decision"
    assert send(governance, "POST", path, {"decision": "accept"}).status_code == 200
    events = Event.objects.count()

    again = problem(send(governance, "POST", path, {"decision": "reject", "comment": "Doch nicht."}), 422)

    assert again["reason"] == "already_decided"
    member_request.refresh_from_db()
    assert member_request.status == ToolRequestStatus.ACCEPTED
    assert Event.objects.count() == events


def test_a_decision_honours_if_match_when_it_is_sent(org, member_request, governance) -> None:
    tag = governance.get(f"{REQUESTS}/{member_request.pk}")["ETag"]
    path = f"{REQUESTS}/{member_request.pk}/decision"

    stale = send(governance, "POST", path, {"decision": "accept"}, if_match='"1-1-0000000000000000"')
    current = send(governance, "POST", path, {"decision": "accept"}, if_match=tag)

    assert problem(stale, 412)["code"] == "precondition_failed"
    assert current.status_code == 200, current.content
    assert current["ETag"] != tag


@pytest.mark.parametrize(
    ("viewer", "status"),
    [("unit_member", 403), ("auditor", 403), ("unit_lead", 404), ("other_unit", 404), ("data_protection", 404)],
)
def test_only_ai_governance_and_administrators_decide(org, member_request, api_for, viewer, status) -> None:
    client = api_for(org.viewer(viewer), scope=Scope.READ_WRITE)
    events = Event.objects.count()

    response = send(client, "POST", f"{REQUESTS}/{member_request.pk}/decision", {"decision": "accept"})

    problem(response, status)
    member_request.refresh_from_db()
    assert member_request.status == ToolRequestStatus.OPEN
    assert Event.objects.count() == events


def test_an_unknown_request_answers_404(org, governance: Any) -> None:
    assert problem(governance.get(f"{REQUESTS}/999999"), 404)["code"] == "not_found"
    assert problem(send(governance, "POST", f"{REQUESTS}/999999/decision", {"decision": "accept"}), 404)
