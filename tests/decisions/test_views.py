"""Decision pages: the panel on the use case, the review inbox, deciding a review, approving."""

from __future__ import annotations

import pytest
from django.urls import reverse

from leitplanke.audit.models import Event
from leitplanke.decisions.models import Approval, Review, ReviewStatus
from leitplanke.usecases.models import Status, UseCase

from .conftest import COMPLETE_FACTS, TWO_REVIEWS_FACTS, WORKS_COUNCIL_FACTS

pytestmark = pytest.mark.django_db


def _state(usecase) -> tuple:
    usecase = UseCase.objects.get(pk=usecase.pk)
    return (
        usecase.status,
        usecase.version,
        Event.objects.count(),
        Approval.objects.count(),
        sorted(Review.objects.values_list("role", "status")),
    )


def test_the_panel_tells_the_owner_who_approves(make_usecase, qualified_lead, org, client_for) -> None:
    usecase = make_usecase(**COMPLETE_FACTS)

    response = client_for(org.member).get(reverse("usecases:detail", args=[usecase.pk]))

    panel = response.context["panel"]
    assert panel.level.approvers == [qualified_lead]
    assert not panel.can_approve
    assert panel.approval_form is None
    assert "Lea Lead" in response.text


def test_the_lead_approves_from_the_panel(make_usecase, qualified_lead, client_for) -> None:
    usecase = make_usecase(**COMPLETE_FACTS)
    client = client_for(qualified_lead)
    panel = client.get(reverse("usecases:detail", args=[usecase.pk])).context["panel"]
    assert panel.can_approve and panel.approval_form is not None

    response = client.post(
        reverse("decisions:usecase_approve", args=[usecase.pk]),
        {"scope": "pilot", "confirm": "on", "version": usecase.version},
    )

    assert response.status_code == 302
    usecase.refresh_from_db()
    assert usecase.status == Status.APPROVED


def test_approving_without_confirming_responsibility_changes_nothing(make_usecase, qualified_lead, client_for) -> None:
    usecase = make_usecase(**COMPLETE_FACTS)
    before = _state(usecase)

    response = client_for(qualified_lead).post(
        reverse("decisions:usecase_approve", args=[usecase.pk]),
        {"scope": "pilot", "version": usecase.version},
        follow=True,
    )

    assert _state(usecase) == before
    assert any("responsibility" in str(m) or "Verantwortung" in str(m) for m in response.context["messages"])


@pytest.mark.parametrize("viewer", ["unit_member", "other_unit", "ai_governance", "auditor", "administrator"])
def test_only_the_responsible_lead_may_post_an_approval(make_usecase, qualified_lead, org, client_for, viewer):
    usecase = make_usecase(**COMPLETE_FACTS)
    before = _state(usecase)

    response = client_for(org.viewer(viewer)).post(
        reverse("decisions:usecase_approve", args=[usecase.pk]),
        {"scope": "pilot", "confirm": "on", "version": usecase.version},
    )

    assert response.status_code == 404
    assert _state(usecase) == before


def test_the_review_inbox_lists_what_is_routed_to_me(make_usecase, reviewers, org, client_for) -> None:
    usecase = make_usecase(**TWO_REVIEWS_FACTS)

    council = client_for(reviewers.works_council).get(reverse("decisions:review_list"))
    member = client_for(org.member).get(reverse("decisions:review_list"))

    assert [review.role for review in council.context["open"]] == ["works_council"]
    assert council.context["open"][0].usecase == usecase
    assert member.context["open"] == []


def test_a_reviewer_decides_with_conditions(make_usecase, reviewers, client_for) -> None:
    usecase = make_usecase(**WORKS_COUNCIL_FACTS)
    review = Review.objects.get(usecase=usecase)
    client = client_for(reviewers.works_council)
    assert client.get(reverse("decisions:review_detail", args=[review.pk])).context["form"] is not None

    response = client.post(
        reverse("decisions:review_detail", args=[review.pk]),
        {
            "outcome": "approved_with_conditions",
            "conditions": "Keine Auswertung je Person.",
            "comment": "",
            "version": review.version,
        },
    )

    assert response.status_code == 302
    review.refresh_from_db()
    assert (review.status, review.conditions) == ("approved_with_conditions", "Keine Auswertung je Person.")
    usecase.refresh_from_db()
    assert usecase.status == Status.AWAITING_APPROVAL


def test_a_decision_without_its_reason_is_shown_on_the_field_and_keeps_the_input(
    make_usecase, reviewers, client_for
) -> None:
    usecase = make_usecase(**WORKS_COUNCIL_FACTS)
    review = Review.objects.get(usecase=usecase)
    before = _state(usecase)

    response = client_for(reviewers.works_council).post(
        reverse("decisions:review_detail", args=[review.pk]),
        {
            "outcome": "rejected",
            "comment": "",
            "conditions": "Nur Teams",
            "version": review.version,
        },
    )

    assert response.status_code == 400
    assert response.context["form"].errors["comment"]
    assert "Nur Teams" in response.text
    assert _state(usecase) == before


@pytest.mark.parametrize("viewer", ["unit_member", "unit_lead", "other_unit", "auditor", "administrator"])
def test_a_review_page_is_not_found_for_anyone_it_is_not_routed_to(
    make_usecase, reviewers, org, client_for, viewer
) -> None:
    usecase = make_usecase(**WORKS_COUNCIL_FACTS)
    review = Review.objects.get(usecase=usecase)
    before = _state(usecase)
    client = client_for(org.viewer(viewer))

    assert client.get(reverse("decisions:review_detail", args=[review.pk])).status_code == 404
    response = client.post(
        reverse("decisions:review_detail", args=[review.pk]), {"outcome": "approved", "version": review.version}
    )
    assert response.status_code == 404
    assert _state(usecase) == before


def test_reviewers_read_the_confidential_use_cases_routed_to_them(make_usecase, reviewers, org, client_for) -> None:
    usecase = make_usecase(confidential=True, **WORKS_COUNCIL_FACTS)
    other = make_usecase(title="Anderes Geheimnis", confidential=True, **COMPLETE_FACTS)

    client = client_for(reviewers.works_council)

    assert client.get(reverse("usecases:detail", args=[usecase.pk])).status_code == 200
    assert client.get(reverse("usecases:detail", args=[other.pk])).status_code == 404


def test_after_a_decision_the_review_cannot_be_decided_again(make_usecase, reviewers, client_for) -> None:
    usecase = make_usecase(**WORKS_COUNCIL_FACTS)
    review = Review.objects.get(usecase=usecase)
    client = client_for(reviewers.works_council)
    client.post(
        reverse("decisions:review_detail", args=[review.pk]), {"outcome": "approved", "version": review.version}
    )
    before = _state(usecase)

    response = client.post(
        reverse("decisions:review_detail", args=[review.pk]),
        {"outcome": "rejected", "comment": "Doch nicht", "version": review.version + 1},
    )

    assert response.status_code == 302
    assert _state(usecase) == before
    assert Review.objects.get(pk=review.pk).status == ReviewStatus.APPROVED


def test_submitting_tells_where_the_use_case_went(make_usecase, reviewers, org, client_for) -> None:
    usecase = make_usecase(status=Status.DRAFT, **WORKS_COUNCIL_FACTS)

    response = client_for(org.member).post(
        reverse("usecases:intake_step", args=[usecase.pk, "review"]), {"version": usecase.version}, follow=True
    )

    messages = [str(m) for m in response.context["messages"]]
    assert any("Prüfungen" in m or "reviews" in m for m in messages), messages
