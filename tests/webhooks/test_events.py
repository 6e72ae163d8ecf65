"""Each event type is emitted by the real domain action, to the endpoints subscribed to it and no others."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.utils import timezone

from leitplanke.decisions import services as decisions
from leitplanke.decisions.jobs import deadlines_run
from leitplanke.decisions.models import Obligation, Review
from leitplanke.guardrails import services as guardrails
from leitplanke.impact import services as impact
from leitplanke.org import services as org_services
from leitplanke.org.models import Role
from leitplanke.webhooks import services
from leitplanke.webhooks.models import Delivery, DeliveryStatus, EventType

from ..guardrails.test_publish import stricter_bundle
from .conftest import COMPLETE_FACTS, WORKS_COUNCIL_FACTS

pytestmark = pytest.mark.django_db


@pytest.fixture
def endpoints(make_endpoint, governance):
    """For an event type: one endpoint subscribed to it, one subscribed to every other type."""

    def make(event_type: str):
        subscribed = make_endpoint([event_type], description="subscribed")
        others = [code for code in EventType.values if code != event_type]
        unsubscribed = services.endpoint_create(
            actor=governance, url="https://other.example.com/hook", event_types=others, description="unsubscribed"
        )
        return subscribed, unsubscribed

    return make


def _events(endpoint, event_type: str) -> list[dict]:
    return [d.payload for d in Delivery.objects.filter(endpoint=endpoint, event_type=event_type).order_by("pk")]


def _only(subscribed, unsubscribed, event_type: str) -> dict:
    [event] = _events(subscribed, event_type)
    assert _events(unsubscribed, event_type) == []
    assert event["type"] == event_type
    return event["data"]


def test_submitting_a_use_case_emits_usecase_submitted(endpoints, make_usecase, org) -> None:
    subscribed, unsubscribed = endpoints("usecase.submitted")

    usecase = make_usecase(**COMPLETE_FACTS)

    data = _only(subscribed, unsubscribed, "usecase.submitted")
    assert data["usecase"]["id"] == usecase.pk
    assert data["usecase"]["title"] == "Rechnungen klassifizieren"
    assert data["usecase"]["status"] == "awaiting_approval"
    assert data["usecase"]["unit"]["code"] == "fin-buha"
    assert data["usecase"]["owner"] == {"username": org.member.username}
    assert data["usecase"]["link"] == f"http://127.0.0.1:8000/usecases/{usecase.pk}/"
    assert data["submitted_by"] == {"username": org.member.username}


def test_submitting_for_production_emits_usecase_submitted_again(endpoints, make_usecase, qualified_lead, org) -> None:
    from leitplanke.decisions import lifecycle

    subscribed, unsubscribed = endpoints("usecase.submitted")
    usecase = decisions.usecase_approve(actor=qualified_lead, usecase=make_usecase(**COMPLETE_FACTS))
    for obligation in Obligation.objects.filter(usecase=usecase, blocking=True):
        decisions.obligation_complete(actor=org.member, obligation=obligation, evidence="Erledigt.")
    usecase.refresh_from_db()

    lifecycle.usecase_submit_for_production(actor=org.member, usecase=usecase)

    events = _events(subscribed, "usecase.submitted")
    assert [event["data"]["usecase"]["submission"] for event in events] == [1, 2]
    assert events[1]["data"]["usecase"]["stage"] == "production"
    assert _events(unsubscribed, "usecase.submitted") == []


def test_a_review_routed_to_reviewers_emits_review_assigned(endpoints, make_usecase, reviewers) -> None:
    subscribed, unsubscribed = endpoints("review.assigned")

    usecase = make_usecase(**WORKS_COUNCIL_FACTS)

    review = Review.objects.get(usecase=usecase)
    data = _only(subscribed, unsubscribed, "review.assigned")
    assert data["review"]["id"] == review.pk
    assert data["review"]["role"] == "works_council"
    assert data["review"]["status"] == "open"
    assert data["review"]["due_on"] == review.due_on.isoformat()
    assert data["review"]["link"].endswith(f"/reviews/{review.pk}/")
    assert data["usecase"]["id"] == usecase.pk


def test_a_reviewers_decision_emits_review_decided(endpoints, make_usecase, reviewers) -> None:
    subscribed, unsubscribed = endpoints("review.decided")
    usecase = make_usecase(**WORKS_COUNCIL_FACTS)
    review = Review.objects.get(usecase=usecase)

    decisions.review_decide(actor=reviewers.works_council, review=review, outcome="approved")

    data = _only(subscribed, unsubscribed, "review.decided")
    assert (data["review"]["id"], data["review"]["status"]) == (review.pk, "approved")
    assert data["review"]["decided_by"] == {"username": "wera.council"}


def test_the_team_leads_approval_emits_usecase_decided(endpoints, make_usecase, qualified_lead) -> None:
    subscribed, unsubscribed = endpoints("usecase.decided")
    usecase = make_usecase(**COMPLETE_FACTS)

    decisions.usecase_approve(actor=qualified_lead, usecase=usecase)

    data = _only(subscribed, unsubscribed, "usecase.decided")
    assert (data["outcome"], data["usecase"]["status"]) == ("approved", "approved")
    assert data["decided_by"] == {"username": qualified_lead.username}
    assert data["approval"]["scope"] == "pilot"
    assert data["approval"]["expires_on"]


def test_a_rejecting_review_emits_usecase_decided(endpoints, make_usecase, reviewers) -> None:
    subscribed, unsubscribed = endpoints("usecase.decided")
    usecase = make_usecase(**WORKS_COUNCIL_FACTS)
    review = Review.objects.get(usecase=usecase)

    decisions.review_decide(
        actor=reviewers.works_council,
        review=review,
        outcome="rejected",
        comment="Leistungskontrolle ohne Betriebsvereinbarung.",
    )

    data = _only(subscribed, unsubscribed, "usecase.decided")
    assert (data["usecase"]["id"], data["outcome"], data["usecase"]["status"]) == (usecase.pk, "rejected", "rejected")
    usecase.refresh_from_db()
    assert usecase.status == "rejected"
    # the reviewer's text does not leave the company
    assert "Betriebsvereinbarung" not in json.dumps(_events(subscribed, "usecase.decided"))


def test_requesting_changes_decides_nothing_yet(endpoints, make_usecase, reviewers) -> None:
    subscribed, _unsubscribed = endpoints("usecase.decided")
    review = Review.objects.get(usecase=make_usecase(**WORKS_COUNCIL_FACTS))

    decisions.review_decide(
        actor=reviewers.works_council,
        review=review,
        outcome="changes_requested",
        comment="Bitte die Auswertung beschreiben.",
    )

    assert _events(subscribed, "usecase.decided") == []


def test_an_overdue_obligation_emits_obligation_overdue_once(endpoints, make_usecase, qualified_lead, org) -> None:
    subscribed, unsubscribed = endpoints("obligation.overdue")
    usecase = decisions.usecase_approve(actor=qualified_lead, usecase=make_usecase(**COMPLETE_FACTS))
    obligation = Obligation.objects.filter(usecase=usecase).order_by("due_on", "pk").first()
    assert obligation is not None

    deadlines_run(today=obligation.due_on - dt.timedelta(days=3))  # due soon: not overdue yet
    assert _events(subscribed, "obligation.overdue") == []
    deadlines_run(today=obligation.due_on + dt.timedelta(days=1))
    deadlines_run(today=obligation.due_on + dt.timedelta(days=2))  # the job runs again: no second message

    events = [
        e["data"] for e in _events(subscribed, "obligation.overdue") if e["data"]["obligation"]["id"] == obligation.pk
    ]
    assert len(events) == 1
    assert events[0]["obligation"]["due_on"] == obligation.due_on.isoformat()
    assert events[0]["obligation"]["owner"] == {"username": org.member.username}
    assert events[0]["usecase"]["id"] == usecase.pk
    assert _events(unsubscribed, "obligation.overdue") == []


def test_publishing_a_rule_bundle_emits_policy_published(endpoints, make_usecase, governance) -> None:
    subscribed, unsubscribed = endpoints("policy.published")
    make_usecase(title="Kampagnenvideo", purposes=["content_creation"], generated_content="deepfake")

    publication = guardrails.bundle_publish(actor=governance, files=stricter_bundle())

    data = _only(subscribed, unsubscribed, "policy.published")
    assert data["bundle"]["id"] == publication.bundle.pk
    assert data["bundle"]["version"] == "2026.12.2"
    assert data["bundle"]["published_by"] == {"username": governance.username}
    assert data["changed_verdicts"] == 1
    assert data["bundle"]["link"].endswith(f"/guardrails/bundles/{publication.bundle.pk}/")


def test_a_confidential_use_case_goes_out_without_its_title(endpoints, make_usecase) -> None:
    subscribed, _unsubscribed = endpoints("usecase.submitted")

    make_usecase(title="Geheimes Projekt Falke", summary="Streng vertraulich.", confidential=True, **COMPLETE_FACTS)

    [event] = _events(subscribed, "usecase.submitted")
    assert event["data"]["usecase"]["title"] is None
    assert event["data"]["usecase"]["confidential"] is True
    text = json.dumps(event)
    assert "Falke" not in text and "vertraulich" not in text


def test_no_personal_data_beyond_usernames(endpoints, make_usecase, reviewers, org) -> None:
    subscribed, _unsubscribed = endpoints("review.decided")
    review = Review.objects.get(usecase=make_usecase(**WORKS_COUNCIL_FACTS))
    decisions.review_decide(actor=reviewers.works_council, review=review, outcome="approved")

    text = json.dumps(_events(subscribed, "review.decided"))
    for person in (org.member, reviewers.works_council):
        assert person.email not in text
        assert person.name not in text


def test_an_inactive_endpoint_gets_nothing_and_every_endpoint_the_same_event_id(
    make_endpoint, make_usecase, governance
) -> None:
    first = make_endpoint(["usecase.submitted"])
    second = services.endpoint_create(
        actor=governance, url="https://second.example.com/hook", event_types=["usecase.submitted"]
    )
    gone = services.endpoint_create(
        actor=governance, url="https://gone.example.com/hook", event_types=["usecase.submitted"]
    )
    services.endpoint_set_active(actor=governance, endpoint=gone, active=False)

    make_usecase(**COMPLETE_FACTS)

    deliveries = {d.endpoint_id: d for d in Delivery.objects.filter(event_type="usecase.submitted")}
    assert set(deliveries) == {first.pk, second.pk}
    assert deliveries[first.pk].event_id == deliveries[second.pk].event_id
    assert {d.status for d in deliveries.values()} == {DeliveryStatus.PENDING}


def test_setting_an_objective_and_linking_a_use_case_emit_objective_changed(endpoints, make_usecase, org) -> None:

    subscribed, unsubscribed = endpoints("objective.changed")
    org_services.role_assign(actor=None, person=org.lead, role=Role.LEADERSHIP, unit=org.finance)
    goal = impact.objective_create(
        actor=org.lead,
        title="Durchlaufzeit halbieren",
        owner=org.lead,
        unit=org.finance,
        metric="Durchlaufzeit",
        metric_unit="Tage",
        target_value=5,
        target_date=dt.date(2027, 12, 31),
    )
    usecase = make_usecase(**COMPLETE_FACTS)
    impact.usecase_objectives_set(actor=org.member, usecase=usecase, objectives=[goal])

    events = _events(subscribed, "objective.changed")
    assert _events(unsubscribed, "objective.changed") == []
    assert [event["data"]["change"] for event in events] == ["created", "linked"]
    created, linked = (event["data"] for event in events)
    assert created["objective"]["unit"] == "fin" and created["objective"]["target_value"] == "5.00"
    assert created["objective"]["usecases"] == [] and linked["objective"]["usecases"] == [usecase.pk]
    assert linked["actor"] == {"username": org.member.username}


def test_recording_a_measurement_emits_measurement_recorded_without_a_confidential_kpi_name(
    endpoints, make_usecase, org
) -> None:

    subscribed, unsubscribed = endpoints("measurement.recorded")
    for confidential in (False, True):
        usecase = make_usecase(title=f"Fall {confidential}", confidential=confidential, **COMPLETE_FACTS)
        kpi = impact.kpi_create(
            actor=org.member, usecase=usecase, name="Stunden", kind="hours_saved_per_month", baseline=Decimal(0)
        )
        impact.measurement_record(actor=org.member, kpi=kpi, measured_on=timezone.localdate(), value=Decimal("7.5"))

    public, secret = (event["data"] for event in _events(subscribed, "measurement.recorded"))
    assert _events(unsubscribed, "measurement.recorded") == []
    assert public["measurement"]["value"] == "7.50" and public["kpi"]["name"] == "Stunden"
    assert public["kpi"]["unit"] == "h" and public["recorded_by"] == {"username": org.member.username}
    assert secret["kpi"]["name"] is None and secret["usecase"]["title"] is None
