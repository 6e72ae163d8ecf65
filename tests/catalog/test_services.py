"""Catalogue services: every change audited, no lost updates, requests decided once and the requester told."""

from __future__ import annotations

import pytest
from django.core import mail

from leitplanke.audit.models import Event
from leitplanke.catalog import services
from leitplanke.catalog.models import Tool, ToolRequest, ToolRequestStatus
from leitplanke.common.errors import Conflict, DomainError, PermissionDenied
from leitplanke.org.models import Role

from .conftest import person_with, tool_values

pytestmark = pytest.mark.django_db


def _events(action: str) -> list[Event]:
    return list(Event.objects.filter(action=action).order_by("seq"))


# --- tools --------------------------------------------------------------------------------------


def test_creating_a_tool_records_who_added_it_and_every_fact(governance):
    tool = services.tool_create(actor=governance, **tool_values(name="  Textassistent  "))

    assert tool.name == "Textassistent"
    [event] = _events("catalog.tool.created")
    assert event.actor == governance
    assert event.object_id == str(tool.pk)
    assert event.after == tool.audit_snapshot()
    assert event.after["max_classification"] == "internal"


@pytest.mark.parametrize("role", [Role.AUDITOR, Role.DATA_PROTECTION, "employee"])
def test_only_governance_and_administrators_add_tools(role):
    actor = person_with(role)
    events = Event.objects.count()

    with pytest.raises(PermissionDenied):
        services.tool_create(actor=actor, **tool_values())

    assert not Tool.objects.exists()
    assert Event.objects.count() == events


def test_an_administrator_maintains_the_catalogue_too():
    admin = person_with(Role.ADMINISTRATOR)

    tool = services.tool_create(actor=admin, **tool_values())

    assert Tool.objects.get() == tool


def test_a_governance_role_held_for_one_unit_does_not_maintain_the_company_catalogue(company):
    from leitplanke.org import services as org_services

    actor = person_with()
    org_services.role_assign(actor=None, person=actor, role=Role.AI_GOVERNANCE, unit=company)

    with pytest.raises(PermissionDenied):
        services.tool_create(actor=actor, **tool_values())


def test_a_tool_name_is_taken_whatever_its_case(tool, governance):
    with pytest.raises(DomainError) as caught:
        services.tool_create(actor=governance, **tool_values(name="TEXTASSISTENT"))

    assert caught.value.field == "name"
    assert Tool.objects.count() == 1


def test_an_invalid_choice_is_refused_on_its_field(governance):
    with pytest.raises(DomainError) as caught:
        services.tool_create(actor=governance, **tool_values(max_classification="secret"))

    assert caught.value.field == "max_classification"
    assert not Tool.objects.exists()


def test_changing_a_tool_raises_its_version_and_records_before_and_after(tool, governance):
    tool = services.tool_update(actor=governance, tool=tool, expected_version=1, status="not_allowed")

    assert (tool.status, tool.version) == ("not_allowed", 2)
    [event] = _events("catalog.tool.updated")
    assert (event.before["status"], event.after["status"]) == ("approved", "not_allowed")
    assert event.actor == governance


def test_a_change_that_changes_nothing_keeps_the_version_and_records_nothing(tool, governance):
    services.tool_update(actor=governance, tool=tool, expected_version=1, status="approved", vendor=tool.vendor)

    tool.refresh_from_db()
    assert tool.version == 1
    assert _events("catalog.tool.updated") == []


def test_the_second_of_two_overlapping_edits_is_a_conflict(tool, governance):
    seen = tool.version
    services.tool_update(actor=governance, tool=tool, expected_version=seen, personal_data_allowed=True)

    with pytest.raises(Conflict) as caught:
        services.tool_update(actor=governance, tool=tool, expected_version=seen, status="not_allowed")

    tool.refresh_from_db()
    assert (tool.personal_data_allowed, tool.status, tool.version) == (True, "approved", seen + 1)
    assert caught.value.current["personal_data_allowed"] is True
    assert caught.value.version == seen + 1
    assert len(_events("catalog.tool.updated")) == 1


def test_an_employee_cannot_change_a_tool(tool):
    with pytest.raises(PermissionDenied):
        services.tool_update(actor=person_with("employee"), tool=tool, status="not_allowed")

    tool.refresh_from_db()
    assert tool.status == "approved"


def test_tool_update_refuses_fields_it_does_not_maintain(tool, governance):
    with pytest.raises(ValueError, match="is_demo"):
        services.tool_update(actor=governance, tool=tool, is_demo=True)


# --- tool requests -------------------------------------------------------------------------------


def test_any_employee_can_request_a_tool(requester):
    tool_request = services.tool_request_create(actor=requester, name="Folien-Generator", reason="Spart Zeit.")

    assert (tool_request.status, tool_request.requested_by) == (ToolRequestStatus.OPEN, requester)
    [event] = _events("catalog.request.created")
    assert event.actor == requester
    assert event.after["reason"] == "Spart Zeit."


def test_a_request_needs_a_reason(requester):
    with pytest.raises(DomainError) as caught:
        services.tool_request_create(actor=requester, name="Folien-Generator", reason="  ")

    assert caught.value.field == "reason"
    assert not ToolRequest.objects.exists()


def test_a_tool_already_in_the_catalogue_cannot_be_requested(tool, requester):
    with pytest.raises(DomainError) as caught:
        services.tool_request_create(actor=requester, name="textassistent", reason="Brauche ich.")

    assert (caught.value.field, caught.value.code) == ("name", "already_listed")
    assert not ToolRequest.objects.exists()


def test_the_same_person_cannot_request_the_same_tool_twice_while_it_is_open(tool_request, requester):
    with pytest.raises(DomainError) as caught:
        services.tool_request_create(actor=requester, name="FOLIEN-GENERATOR", reason="Noch einmal.")

    assert caught.value.code == "already_requested"
    assert ToolRequest.objects.count() == 1


def test_an_inactive_person_cannot_request_a_tool():
    inactive = person_with(is_active=False)

    with pytest.raises(PermissionDenied):
        services.tool_request_create(actor=inactive, name="Folien-Generator", reason="Spart Zeit.")

    assert not ToolRequest.objects.exists()


def test_rejecting_records_the_decision_and_mails_the_requester_in_their_language(
    tool_request, governance, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.tool_request_decide(
            actor=governance, tool_request=tool_request, accept=False, comment="Kein Vertrag mit dem Anbieter."
        )

    tool_request.refresh_from_db()
    assert (tool_request.status, tool_request.decided_by) == (ToolRequestStatus.REJECTED, governance)
    assert tool_request.decided_at is not None
    [event] = _events("catalog.request.decided")
    assert (event.before["status"], event.after["status"]) == ("open", "rejected")
    [message] = mail.outbox
    assert message.to == ["req@example.com"]
    assert message.subject == "Your tool request “Folien-Generator” was rejected"
    assert "Kein Vertrag mit dem Anbieter." in message.body
    assert "Tools → Tool requests → My tool requests" in message.body


def test_a_german_speaking_requester_gets_the_mail_in_german(governance, django_capture_on_commit_callbacks):
    german = person_with(preferred_language="de")
    tool_request = services.tool_request_create(actor=german, name="Folien-Generator", reason="Spart Zeit.")

    with django_capture_on_commit_callbacks(execute=True):
        services.tool_request_decide(actor=governance, tool_request=tool_request, accept=False, comment="Nein.")

    [message] = mail.outbox
    assert "Werkzeuge → " in message.body
    assert "Tools → " not in message.body


def test_the_mail_is_sent_only_once_the_decision_is_committed(
    tool_request, governance, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.tool_request_decide(actor=governance, tool_request=tool_request, accept=False, comment="Nein.")

    assert mail.outbox == []
    assert len(callbacks) == 1


def test_a_requester_without_e_mail_address_is_not_mailed(governance, django_capture_on_commit_callbacks):
    silent = person_with(email="")
    tool_request = services.tool_request_create(actor=silent, name="Folien-Generator", reason="Spart Zeit.")

    with django_capture_on_commit_callbacks(execute=True):
        services.tool_request_decide(actor=governance, tool_request=tool_request, accept=False, comment="Nein.")

    assert mail.outbox == []
    assert ToolRequest.objects.get().status == ToolRequestStatus.REJECTED


def test_a_rejection_needs_a_comment(tool_request, governance):
    with pytest.raises(DomainError) as caught:
        services.tool_request_decide(actor=governance, tool_request=tool_request, accept=False, comment=" ")

    assert caught.value.field == "comment"
    tool_request.refresh_from_db()
    assert tool_request.status == ToolRequestStatus.OPEN


def test_accepting_can_create_the_catalogue_entry(tool_request, governance, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.tool_request_decide(
            actor=governance,
            tool_request=tool_request,
            accept=True,
            new_tool=tool_values(name="Folien-Generator", status="in_evaluation"),
        )

    tool_request.refresh_from_db()
    created = Tool.objects.get(name="Folien-Generator")
    assert (tool_request.status, tool_request.tool) == (ToolRequestStatus.ACCEPTED, created)
    assert [e.action for e in Event.objects.filter(seq__gt=0).order_by("seq")][-2:] == [
        "catalog.tool.created",
        "catalog.request.decided",
    ]
    [message] = mail.outbox
    assert message.subject == "Your tool request “Folien-Generator” was accepted"
    assert "Folien-Generator" in message.body


def test_accepting_can_link_an_existing_entry(tool_request, tool, governance):
    services.tool_request_decide(actor=governance, tool_request=tool_request, accept=True, tool=tool)

    tool_request.refresh_from_db()
    assert tool_request.tool == tool
    assert Tool.objects.count() == 1
    assert _events("catalog.request.decided")[0].after["tool"] == tool.name


def test_a_new_entry_with_a_taken_name_leaves_the_request_open(tool_request, tool, governance):
    with pytest.raises(DomainError) as caught:
        services.tool_request_decide(
            actor=governance, tool_request=tool_request, accept=True, new_tool=tool_values(name=tool.name)
        )

    assert caught.value.field == "name"
    tool_request.refresh_from_db()
    assert tool_request.status == ToolRequestStatus.OPEN
    assert Tool.objects.count() == 1


def test_a_rejected_request_is_not_linked_to_an_entry(tool_request, tool, governance):
    with pytest.raises(DomainError):
        services.tool_request_decide(actor=governance, tool_request=tool_request, accept=False, comment="x", tool=tool)

    tool_request.refresh_from_db()
    assert tool_request.status == ToolRequestStatus.OPEN


def test_only_open_requests_can_be_decided(tool_request, governance, django_capture_on_commit_callbacks):
    services.tool_request_decide(actor=governance, tool_request=tool_request, accept=False, comment="Nein.")
    events = Event.objects.count()

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(DomainError) as caught:
        services.tool_request_decide(actor=governance, tool_request=tool_request, accept=True)

    assert caught.value.code == "already_decided"
    tool_request.refresh_from_db()
    assert (tool_request.status, tool_request.decision_comment) == (ToolRequestStatus.REJECTED, "Nein.")
    assert Event.objects.count() == events
    assert mail.outbox == []


@pytest.mark.parametrize("role", [Role.AUDITOR, Role.DATA_PROTECTION, "employee"])
def test_only_governance_and_administrators_decide(tool_request, role):
    with pytest.raises(PermissionDenied):
        services.tool_request_decide(actor=person_with(role), tool_request=tool_request, accept=False, comment="x")

    tool_request.refresh_from_db()
    assert tool_request.status == ToolRequestStatus.OPEN
