"""The guided intake: four steps, a draft saved at each, help for every question, clear field errors."""

from __future__ import annotations

import pytest
from django.urls import reverse

from leitplanke.audit.models import Event
from leitplanke.usecases.facts import FACTS
from leitplanke.usecases.models import Status, UseCase

from .conftest import COMPLETE_FACTS

pytestmark = pytest.mark.django_db


def _step(usecase: UseCase, step: str) -> str:
    return reverse("usecases:intake_step", args=[usecase.pk, step])


def _basics(org, **changes):
    return {
        "title": "Rechnungen klassifizieren",
        "summary": "",
        "problem": "",
        "unit": org.team.pk,
        "stage": "idea",
        **changes,
    }


def test_the_first_step_saves_a_draft_owned_by_the_person_and_leads_to_the_next(org, client_for) -> None:
    response = client_for(org.lead).post(reverse("usecases:intake_start"), _basics(org))

    usecase = UseCase.objects.get()
    assert (usecase.status, usecase.owner, usecase.unit) == (Status.DRAFT, org.lead, org.team)
    assert response["Location"] == _step(usecase, "tools")


def test_a_missing_title_is_shown_on_the_field_in_german_and_nothing_is_saved(org, client_for) -> None:
    response = client_for(org.lead).post(reverse("usecases:intake_start"), _basics(org, title=""))

    assert response.status_code == 200
    assert response.context["form"].errors["title"] == ["Dieses Feld ist zwingend erforderlich."]
    assert 'id="id_title_error"' in response.content.decode()
    assert not UseCase.objects.exists()


def test_only_units_the_person_works_in_are_offered(org, client_for) -> None:
    response = client_for(org.member).get(reverse("usecases:intake_start"))

    offered = list(response.context["form"].fields["unit"].queryset)
    assert offered == [org.team]


def test_someone_without_a_unit_is_told_how_to_get_one(client_for) -> None:
    from ..factories import PersonFactory

    response = client_for(PersonFactory()).get(reverse("usecases:intake_start"))

    assert response.status_code == 200
    assert response.context["can_register"] is False
    assert b'data-testid="intake-basics"' not in response.content


def test_every_question_has_help_and_single_choice_questions_offer_unsure(org, make_usecase, client_for) -> None:
    usecase = make_usecase(status=Status.DRAFT)

    html = client_for(org.member).get(_step(usecase, "risk")).content.decode()

    for fact in FACTS:
        assert f'id="id_{fact.name}_helptext"' in html
        unsure_option = f'name="{fact.name}" value="unsure"'
        assert (unsure_option in html) is not fact.multiple
    assert html.count('class="choice choice--unsure"') == sum(not fact.multiple for fact in FACTS)


def test_the_tools_step_shows_status_and_marks_tools_that_are_not_allowed(org, make_usecase, tools, client_for) -> None:
    usecase = make_usecase(status=Status.DRAFT)

    html = client_for(org.member).get(_step(usecase, "tools")).content.decode()

    assert html.count("tool-choice--not-allowed") == 1
    assert "badge--tool-not_allowed" in html
    assert "badge--tool-approved_with_conditions" in html


def test_tools_contributors_and_benefit_are_saved_as_draft(org, make_usecase, tools, client_for) -> None:
    usecase = make_usecase(status=Status.DRAFT)
    data = {
        "tools": [tools["Enterprise-Chat"].pk],
        "contributors": "olga.other",
        "expected_hours_per_month": "12,5",
        "expected_euros_per_year": "",
        "expected_benefit": "Schneller",
        "version": usecase.version,
    }

    response = client_for(org.member).post(_step(usecase, "tools"), data)

    assert response["Location"] == _step(usecase, "risk")
    usecase.refresh_from_db()
    assert [tool.name for tool in usecase.tools.all()] == ["Enterprise-Chat"]
    assert list(usecase.contributors.all()) == [org.outsider]
    assert str(usecase.expected_hours_per_month) == "12.5"
    assert usecase.status == Status.DRAFT


def test_an_unknown_contributor_is_an_error_on_the_field(org, make_usecase, client_for) -> None:
    usecase = make_usecase(status=Status.DRAFT)

    response = client_for(org.member).post(
        _step(usecase, "tools"), {"contributors": "niemand.da", "version": usecase.version}
    )

    assert response.status_code == 200
    assert "niemand.da" in response.context["form"].errors["contributors"][0]
    assert not usecase.contributors.exists()


def test_save_and_continue_later_goes_to_the_library_where_the_draft_waits(org, client_for) -> None:
    client = client_for(org.lead)

    response = client.post(reverse("usecases:intake_start"), {**_basics(org), "action": "leave"})

    assert response["Location"] == reverse("usecases:library")
    library = client.get(reverse("usecases:library"))
    assert [draft.title for draft in library.context["drafts"]] == ["Rechnungen klassifizieren"]


def test_back_saves_and_returns_to_the_previous_step(org, make_usecase, client_for) -> None:
    usecase = make_usecase(status=Status.DRAFT)

    response = client_for(org.member).post(
        _step(usecase, "risk"), {**COMPLETE_FACTS, "scale": "large", "version": usecase.version, "action": "back"}
    )

    assert response["Location"] == _step(usecase, "tools")
    usecase.refresh_from_db()
    assert usecase.scale == "large"


def test_submitting_with_an_open_question_shows_it_on_its_field(org, client_for) -> None:
    client = client_for(org.lead)
    client.post(reverse("usecases:intake_start"), _basics(org))
    usecase = UseCase.objects.get()
    answers = {**COMPLETE_FACTS, "scale": "", "version": usecase.version}
    client.post(_step(usecase, "risk"), answers)
    usecase.refresh_from_db()

    response = client.post(_step(usecase, "review"), {"version": usecase.version})

    assert response.status_code == 200
    assert response.context["step"] == "risk"
    assert list(response.context["form"].errors) == ["scale"]
    assert 'id="id_scale_error"' in response.content.decode()
    usecase.refresh_from_db()
    assert usecase.status == Status.DRAFT


def test_the_review_lists_the_open_questions_with_links_to_their_step(org, client_for) -> None:
    client = client_for(org.lead)
    client.post(reverse("usecases:intake_start"), _basics(org))
    usecase = UseCase.objects.get()

    response = client.get(_step(usecase, "review"))

    missing = dict(response.context["missing"])
    assert missing["purposes"] == "risk"
    assert f"{_step(usecase, 'risk')}#id_scale" in response.content.decode()


def test_a_complete_intake_registers_the_use_case_with_its_history(org, tools, client_for) -> None:
    client = client_for(org.lead)

    client.post(reverse("usecases:intake_start"), _basics(org, summary="Rechnungen werden vorkontiert."))
    usecase = UseCase.objects.get()
    client.post(_step(usecase, "tools"), {"tools": [tools["Enterprise-Chat"].pk], "version": 1})
    client.post(_step(usecase, "risk"), {**COMPLETE_FACTS, "monitors_employees": "unsure", "version": 2})
    response = client.post(_step(usecase, "review"), {"version": 3})

    assert response["Location"] == reverse("usecases:detail", args=[usecase.pk])
    usecase.refresh_from_db()
    # "unsure" about monitoring employees counts as yes: the works council reviews it first
    assert usecase.status == Status.IN_REVIEW
    assert usecase.monitors_employees == "unsure"
    actions = Event.objects.filter(object_type="usecases.usecase", object_id=str(usecase.pk)).order_by("seq")
    assert [action for action in actions.values_list("action", flat=True) if action.startswith("usecase.")] == [
        "usecase.created",
        "usecase.updated",
        "usecase.updated",
        "usecase.submitted",
    ]
    # the guardrail verdict was recorded with the first step and followed the answers as they came
    assert "guardrails.verdict.recorded" in actions.values_list("action", flat=True)


def test_two_people_on_the_same_draft_step_get_a_conflict_and_keep_their_input(org, make_usecase, client_for) -> None:
    usecase = make_usecase(status=Status.DRAFT)
    client_for(org.lead).post(_step(usecase, "basics"), _basics(org, title="Zuerst", version=1))

    response = client_for(org.member).post(_step(usecase, "basics"), _basics(org, title="Danach", version=1))

    assert response.status_code == 409
    usecase.refresh_from_db()
    assert usecase.title == "Zuerst"
    html = response.content.decode()
    assert 'value="Danach"' in html
    assert 'name="version" value="2"' in html
