"""The profile page reads like a one-page Steckbrief with its history; the edit form keeps every
change: two people editing at once get a conflict page with both versions, and nothing is lost."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse
from django.utils import translation

from leitplanke.audit.labels import action_label
from leitplanke.usecases.facts import FACTS_BY_NAME
from leitplanke.usecases.models import Status, UseCase

from .conftest import COMPLETE_FACTS

pytestmark = pytest.mark.django_db


def _edit_form(usecase: UseCase, **changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "title": usecase.title,
        "summary": usecase.summary,
        "problem": usecase.problem,
        "unit": usecase.unit_id,
        "stage": usecase.stage,
        "tools": [tool.pk for tool in usecase.tools.all()],
        "contributors": ", ".join(p.username for p in usecase.contributors.all()),
        "expected_hours_per_month": "",
        "expected_euros_per_year": "",
        "expected_benefit": "",
        "version": usecase.version,
        **usecase.facts(),
    }
    if usecase.confidential:
        data["confidential"] = "on"
    data.update(changes)
    return data


def test_the_profile_shows_questions_with_answer_labels_and_highlights_unsure(
    org, make_usecase, tools, client_for
) -> None:
    usecase = make_usecase(monitors_employees="unsure", tools=[tools["Freier Web-Chatbot"]])

    response = client_for(org.outsider).get(reverse("usecases:detail", args=[usecase.pk]))

    html = response.content.decode()
    with translation.override("de"):
        assert str(FACTS_BY_NAME["scale"].question) in html
        assert str(dict(FACTS_BY_NAME["scale"].choices)["small"]) in html
    assert html.count("answer answer--unsure") == 1
    assert 'data-fact="monitors_employees"' in html
    assert "badge--tool-not_allowed" in html
    assert response.context["can_edit"] is False


def test_the_profile_shows_the_creation_in_the_history(org, make_usecase, client_for) -> None:
    usecase = make_usecase()

    response = client_for(org.member).get(reverse("usecases:detail", args=[usecase.pk]))

    assert [event.action for event in response.context["history"]] == [
        "decisions.usecase.routed",
        "guardrails.verdict.recorded",
        "usecase.created",
    ]
    with translation.override("de"):
        assert action_label("usecase.created") in response.content.decode()


def test_a_draft_profile_counts_the_open_questions_and_offers_to_continue(org, client_for) -> None:
    from leitplanke.usecases import services

    usecase = services.usecase_create(actor=org.member, title="Idee", unit=org.team, owner=org.member)

    response = client_for(org.member).get(reverse("usecases:detail", args=[usecase.pk]))

    assert len(response.context["missing"]) == 10
    assert reverse("usecases:intake_step", args=[usecase.pk, "review"]) in response.content.decode()


def test_editing_saves_every_section_and_records_the_change(org, make_usecase, tools, client_for) -> None:
    usecase = make_usecase()

    response = client_for(org.lead).post(
        reverse("usecases:edit", args=[usecase.pk]),
        _edit_form(
            usecase,
            title="Neu",
            tools=[tools["Enterprise-Chat"].pk],
            scale="large",
            purposes=["productivity", "analytics"],
            expected_euros_per_year="1.500,50",
        ),
    )

    assert response.status_code == 302
    usecase.refresh_from_db()
    assert (usecase.title, usecase.scale, usecase.purposes) == ("Neu", "large", ["productivity", "analytics"])
    assert str(usecase.expected_euros_per_year) == "1500.50"
    assert usecase.status == Status.AWAITING_APPROVAL  # still harmless: left to the team lead
    assert usecase.version == 2


def test_clearing_a_required_answer_of_a_submitted_use_case_is_an_error_on_the_field(
    org, make_usecase, client_for
) -> None:
    usecase = make_usecase()

    response = client_for(org.member).post(
        reverse("usecases:edit", args=[usecase.pk]), _edit_form(usecase, human_review="")
    )

    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["human_review"]
    usecase.refresh_from_db()
    assert (usecase.human_review, usecase.version) == ("always", 1)


def test_the_second_of_two_overlapping_edits_gets_a_conflict_page_with_both_versions(
    org, make_usecase, client_for
) -> None:
    usecase = make_usecase(title="Rechnungen")
    stale = _edit_form(usecase)
    url = reverse("usecases:edit", args=[usecase.pk])

    # Given the lead saved a new title and scale
    assert client_for(org.lead).post(url, {**stale, "title": "Rechnungen (Lead)", "scale": "large"}).status_code == 302
    # When the member saves the form they loaded before that
    response = client_for(org.member).post(url, {**stale, "title": "Rechnungen (Member)"})

    # Then the lead's change is kept, and both versions are on the page
    assert response.status_code == 409
    usecase.refresh_from_db()
    assert (usecase.title, usecase.scale) == ("Rechnungen (Lead)", "large")
    rows = [(row.stored, row.yours, row.differs) for row in response.context["conflict"]]
    assert ("Rechnungen (Lead)", "Rechnungen (Member)", True) in rows
    with translation.override("de"):
        scale = dict(FACTS_BY_NAME["scale"].choices)
        assert (str(scale["large"]), str(scale["small"]), True) in rows
    assert rows[0][2] is True  # what differs comes first
    html = response.content.decode()
    assert 'data-testid="conflict"' in html
    assert "Rechnungen (Lead)" in html
    assert 'value="Rechnungen (Member)"' in html
    assert 'name="version" value="2"' in html


def test_saving_again_after_the_conflict_applies_the_change_deliberately(org, make_usecase, client_for) -> None:
    usecase = make_usecase(title="Rechnungen")
    stale = _edit_form(usecase)
    url = reverse("usecases:edit", args=[usecase.pk])
    client_for(org.lead).post(url, {**stale, "title": "Rechnungen (Lead)"})
    member = client_for(org.member)
    member.post(url, {**stale, "title": "Rechnungen (Member)"})

    response = member.post(url, {**stale, "title": "Rechnungen (Member)", "version": 2})

    assert response.status_code == 302
    usecase.refresh_from_db()
    assert (usecase.title, usecase.version) == ("Rechnungen (Member)", 3)


def test_the_edit_form_offers_the_current_unit_to_a_contributor_from_elsewhere(org, make_usecase, client_for) -> None:
    usecase = make_usecase(contributors=[org.outsider])

    response = client_for(org.outsider).post(
        reverse("usecases:edit", args=[usecase.pk]), _edit_form(usecase, summary="Ergänzt")
    )

    assert response.status_code == 302
    usecase.refresh_from_db()
    assert (usecase.unit, usecase.summary) == (org.team, "Ergänzt")


def test_the_edit_form_is_filled_with_the_stored_answers(org, make_usecase, client_for) -> None:
    usecase = make_usecase(**{**COMPLETE_FACTS, "purposes": ["productivity", "analytics"]})

    response = client_for(org.member).get(reverse("usecases:edit", args=[usecase.pk]))

    form = response.context["form"]
    assert form["purposes"].value() == ["productivity", "analytics"]
    assert form["scale"].value() == "small"
    assert 'value="analytics" id="id_purposes_4" checked' in response.content.decode()
