"""The registry's services: facts validation, completeness on submit, audit events, no lost updates."""

from __future__ import annotations

import pytest

from leitplanke.audit.models import Event
from leitplanke.common.errors import Conflict, DomainError
from leitplanke.decisions import services as decision_services
from leitplanke.usecases import services
from leitplanke.usecases.models import Status

from .conftest import COMPLETE_FACTS

pytestmark = pytest.mark.django_db


def _events(usecase, action=None):
    """The registry's own events about a use case (its guardrail verdict has events of its own)."""
    events = Event.objects.filter(
        object_type="usecases.usecase", object_id=str(usecase.pk), action__startswith="usecase."
    ).order_by("seq")
    return events.filter(action=action) if action else events


def test_creating_a_draft_records_who_created_it_with_the_snapshot(org) -> None:
    usecase = services.usecase_create(actor=org.member, title="Rechnungen", unit=org.team, owner=org.member)

    assert usecase.status == Status.DRAFT
    assert usecase.created_by == org.member
    event = _events(usecase).get()
    assert (event.action, event.actor_id) == ("usecase.created", org.member.pk)
    assert event.after["title"] == "Rechnungen"
    assert event.after["unit"] == "fin-buha"


def test_a_draft_may_leave_questions_open(org) -> None:
    usecase = services.usecase_create(actor=org.member, title="Idee", unit=org.team, owner=org.member)

    assert services.missing_for_submit(usecase)[0] == "purposes"
    assert "scale" in services.missing_for_submit(usecase)


def test_an_unknown_answer_is_refused_on_its_field(org) -> None:
    with pytest.raises(DomainError) as caught:
        services.usecase_create(actor=org.member, title="X", unit=org.team, owner=org.member, scale="huge")

    assert caught.value.field == "scale"


def test_an_unknown_multi_select_answer_is_refused_on_its_field(org) -> None:
    with pytest.raises(DomainError) as caught:
        services.usecase_create(actor=org.member, title="X", unit=org.team, owner=org.member, purposes=["magic"])

    assert caught.value.field == "purposes"


def test_multi_select_answers_are_stored_once_in_the_order_asked(org) -> None:
    usecase = services.usecase_create(
        actor=org.member,
        title="X",
        unit=org.team,
        owner=org.member,
        purposes=["recruiting", "productivity", "recruiting"],
    )

    assert usecase.purposes == ["productivity", "recruiting"]


def test_submitting_an_incomplete_draft_names_the_first_open_question_and_changes_nothing(org) -> None:
    usecase = services.usecase_create(
        actor=org.member, title="X", unit=org.team, owner=org.member, purposes=["productivity"]
    )

    with pytest.raises(DomainError) as caught:
        decision_services.usecase_submit(actor=org.member, usecase=usecase, expected_version=usecase.version)

    assert caught.value.field == "affected_people"
    usecase.refresh_from_db()
    assert (usecase.status, usecase.version) == (Status.DRAFT, 1)
    assert list(_events(usecase).values_list("action", flat=True)) == ["usecase.created"]


def test_unsure_counts_as_an_answer_when_submitting(org) -> None:
    answers = {**COMPLETE_FACTS, "monitors_employees": "unsure", "scale": "unsure"}
    usecase = services.usecase_create(actor=org.member, title="X", unit=org.team, owner=org.member, **answers)

    submitted = decision_services.usecase_submit(actor=org.member, usecase=usecase, expected_version=usecase.version)

    assert submitted.status == Status.IN_REVIEW  # unsure is the riskier answer: reviews first
    assert services.answered_unsure(submitted) == ["monitors_employees", "scale"]


def test_submitting_records_a_submitted_event_with_before_and_after(org) -> None:
    usecase = services.usecase_create(actor=org.member, title="X", unit=org.team, owner=org.member, **COMPLETE_FACTS)

    decision_services.usecase_submit(actor=org.lead, usecase=usecase, expected_version=1)

    event = _events(usecase, "usecase.submitted").get()
    assert event.actor_id == org.lead.pk
    assert (event.before["status"], event.after["status"]) == ("draft", "submitted")


def test_a_change_records_before_and_after_and_raises_the_version(make_usecase, org, tools) -> None:
    usecase = make_usecase()

    services.usecase_update(
        actor=org.lead, usecase=usecase, expected_version=1, title="Neu", tools=[tools["Enterprise-Chat"]]
    )

    usecase.refresh_from_db()
    assert usecase.version == 2
    event = _events(usecase, "usecase.updated").get()
    assert (event.before["title"], event.after["title"]) == ("Rechnungen klassifizieren", "Neu")
    assert (event.before["tools"], event.after["tools"]) == ([], ["Enterprise-Chat"])


def test_saving_without_a_change_keeps_the_version_and_records_nothing(make_usecase, org) -> None:
    usecase = make_usecase()

    services.usecase_update(actor=org.member, usecase=usecase, expected_version=1, title=usecase.title)

    usecase.refresh_from_db()
    assert usecase.version == 1
    assert _events(usecase).count() == 1


def test_a_submitted_use_case_cannot_lose_an_answer(make_usecase, org) -> None:
    usecase = make_usecase()

    with pytest.raises(DomainError) as caught:
        services.usecase_update(actor=org.member, usecase=usecase, expected_version=1, scale="")

    assert caught.value.field == "scale"
    usecase.refresh_from_db()
    assert usecase.scale == "small"


def test_an_edit_based_on_an_old_version_is_a_conflict_and_keeps_the_stored_values(make_usecase, org) -> None:
    usecase = make_usecase()
    services.usecase_update(actor=org.lead, usecase=usecase, expected_version=1, title="Zuerst gespeichert")

    with pytest.raises(Conflict) as caught:
        services.usecase_update(actor=org.member, usecase=usecase, expected_version=1, title="Später gespeichert")

    usecase.refresh_from_db()
    assert usecase.title == "Zuerst gespeichert"
    assert caught.value.current["title"] == "Zuerst gespeichert"
    assert caught.value.version == 2
