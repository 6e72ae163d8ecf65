"""Reviews through the API: each reviewer sees the reviews routed to her and decides them, nobody else."""

from __future__ import annotations

import json
from typing import Any

import pytest

from leitplanke.api.models import Scope
from leitplanke.audit.models import Event
from leitplanke.decisions import services as decisions
from leitplanke.decisions.models import Obligation, Review, ReviewStatus
from leitplanke.usecases.models import Status

from .conftest import COMPLETE_FACTS, problem

pytestmark = pytest.mark.django_db

BASE = "/api/v1/reviews"
#: Unclear personal data: the rules ask data protection (company-wide in this company).
UNCLEAR_DATA = {**COMPLETE_FACTS, "personal_data": "unsure"}


def decide(client: Any, review: Review, body: dict[str, Any], **headers: str) -> Any:
    return client.post(
        f"{BASE}/{review.pk}/decision", data=json.dumps(body), content_type="application/json", headers=headers
    )


@pytest.fixture
def privacy(org) -> Any:
    """The company-wide data-protection coordinator."""
    return org.viewer("data_protection")


@pytest.fixture
def review(make_usecase) -> Review:
    """The open data-protection review of a submitted use case."""
    return Review.objects.get(usecase=make_usecase(**UNCLEAR_DATA), role="data_protection")


def test_a_reviewer_lists_the_reviews_routed_to_her(org, privacy, review, make_usecase, api_for) -> None:
    make_usecase(title="Ohne Prüfung")  # goes to the team lead, no review

    body = api_for(privacy).get(BASE).json()

    assert body["count"] == 1
    [item] = body["items"]
    assert (item["id"], item["role"], item["status"], item["can_decide"]) == (
        review.pk, "data_protection", "open", True
    )  # fmt: skip
    assert item["usecase"]["title"] == review.usecase.title
    assert api_for(org.member).get(BASE).json()["items"] == []


def test_the_list_filters_open_and_decided_reviews_and_by_role(privacy, review, make_usecase, api_for) -> None:
    decided = Review.objects.get(usecase=make_usecase(title="Zweiter Fall", **UNCLEAR_DATA))
    decisions.review_decide(actor=privacy, review=decided, outcome="approved")
    client = api_for(privacy)

    def ids(query: str) -> list[int]:
        response = client.get(f"{BASE}?{query}")
        assert response.status_code == 200, response.content
        return [item["id"] for item in response.json()["items"]]

    assert ids("state=open") == [review.pk]
    assert ids("state=decided") == [decided.pk]
    assert ids("state=decided&decided_by_me=true") == [decided.pk]
    assert ids("role=works_council") == []
    assert set(ids("role=data_protection")) == {review.pk, decided.pk}
    assert problem(client.get(f"{BASE}?state=later"), 422)["errors"][0]["field"] == "query.state"


def test_a_review_reads_with_an_etag_only_for_its_reviewers(org, privacy, review, api_for) -> None:
    response = api_for(privacy).get(f"{BASE}/{review.pk}")

    assert response.status_code == 200
    assert response["ETag"].startswith(f'"{review.pk}-{review.version}-')
    assert api_for(privacy).get(f"{BASE}/{review.pk}", headers={"If-None-Match": response["ETag"]}).status_code == 304
    for viewer in ("unit_member", "unit_lead", "ai_governance", "auditor", "other_unit"):
        problem(api_for(org.viewer(viewer)).get(f"{BASE}/{review.pk}"), 404)


def test_the_reviewer_approves_and_the_use_case_goes_to_the_team_lead(privacy, review, api_for) -> None:
    response = decide(api_for(privacy, scope=Scope.READ_WRITE), review, {"outcome": "approved", "comment": "Passt."})

    assert response.status_code == 200, response.content
    assert (response.json()["status"], response.json()["can_decide"]) == ("approved", False)
    assert response.json()["decided_by"]["username"] == privacy.username
    review.refresh_from_db()
    review.usecase.refresh_from_db()
    assert (review.status, review.usecase.status) == (ReviewStatus.APPROVED, Status.AWAITING_APPROVAL)
    assert Event.objects.filter(action="decisions.review.decided", object_id=str(review.usecase.pk)).exists()


def test_conditions_become_an_obligation_of_the_owner(org, privacy, review, api_for) -> None:
    body = {"outcome": "approved_with_conditions", "conditions": "Nur pseudonymisierte Daten."}

    response = decide(api_for(privacy, scope=Scope.READ_WRITE), review, body)

    assert response.status_code == 200, response.content
    obligation = Obligation.objects.get(usecase=review.usecase, review=review)
    assert (obligation.description_de, obligation.owner) == ("Nur pseudonymisierte Daten.", org.member)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"outcome": "changes_requested"}, "body.comment"),
        ({"outcome": "approved_with_conditions", "conditions": "  "}, "body.conditions"),
        ({"outcome": "maybe"}, "body.outcome"),
        ({"outcome": "rejected", "comment": "x" * 20_001}, "body.comment"),
    ],
)
def test_a_decision_without_what_it_needs_names_the_field_and_changes_nothing(
    privacy, review, api_for, body, field
) -> None:
    response = decide(api_for(privacy, scope=Scope.READ_WRITE), review, body)

    assert [error["field"] for error in problem(response, 422)["errors"]] == [field]
    review.refresh_from_db()
    assert (review.status, review.version) == (ReviewStatus.OPEN, 1)


@pytest.mark.parametrize("viewer", ["unit_member", "unit_lead", "ai_governance", "other_unit"])
def test_someone_the_review_is_not_routed_to_cannot_decide_it(org, review, api_for, viewer) -> None:
    events = Event.objects.count()

    response = decide(api_for(org.viewer(viewer), scope=Scope.READ_WRITE), review, {"outcome": "approved"})

    problem(response, 404)
    review.refresh_from_db()
    assert review.status == ReviewStatus.OPEN
    assert Event.objects.count() == events + 1  # only the token's creation


def test_a_decided_review_is_not_decided_again(privacy, review, api_for) -> None:
    client = api_for(privacy, scope=Scope.READ_WRITE)
    decide(client, review, {"outcome": "approved"})

    body = problem(decide(client, review, {"outcome": "rejected", "comment": "Doch nicht."}), 422)

    assert body["reason"] == "closed"
    review.refresh_from_db()
    assert review.status == ReviewStatus.APPROVED


def test_a_decision_with_a_stale_etag_changes_nothing(privacy, review, api_for) -> None:
    client = api_for(privacy, scope=Scope.READ_WRITE)
    etag = client.get(f"{BASE}/{review.pk}")["ETag"]
    Review.objects.filter(pk=review.pk).update(due_on=review.due_on.replace(year=review.due_on.year + 1))

    response = decide(client, review, {"outcome": "approved"}, **{"If-Match": etag})

    problem(response, 412)
    review.refresh_from_db()
    assert review.status == ReviewStatus.OPEN


def test_a_decision_with_the_current_etag_is_recorded(privacy, review, api_for) -> None:
    client = api_for(privacy, scope=Scope.READ_WRITE)
    etag = client.get(f"{BASE}/{review.pk}")["ETag"]

    response = decide(client, review, {"outcome": "approved"}, **{"If-Match": etag})

    assert response.status_code == 200, response.content
    assert response["ETag"] != etag


def test_a_read_token_cannot_decide(privacy, review, api_for) -> None:
    response = decide(api_for(privacy), review, {"outcome": "approved"})

    assert problem(response, 403)["code"] == "insufficient_scope"
    review.refresh_from_db()
    assert review.status == ReviewStatus.OPEN


def test_a_page_of_reviews_costs_the_same_queries_however_many_it_shows(privacy, make_usecase, api_for) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = api_for(privacy)
    make_usecase(**UNCLEAR_DATA)
    client.get(BASE)
    with CaptureQueriesContext(connection) as few:
        client.get(BASE)
    for number in range(5):
        make_usecase(title=f"Noch ein Fall {number}", **UNCLEAR_DATA)
    with CaptureQueriesContext(connection) as many:
        client.get(BASE)

    assert len(many) == len(few)
