"""After the decision: pilot, production under the current rules, retiring, and the expiry of an approval."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from leitplanke.audit.models import Event
from leitplanke.common.errors import DomainError, PermissionDenied
from leitplanke.decisions import lifecycle
from leitplanke.decisions import services as decisions
from leitplanke.decisions.jobs import deadlines_run
from leitplanke.decisions.models import Approval, Obligation, ObligationStatus, Review
from leitplanke.notifications.models import Kind, Notification
from leitplanke.usecases import services as usecases
from leitplanke.usecases.models import Stage, Status

from .conftest import COMPLETE_FACTS, WORKS_COUNCIL_FACTS

pytestmark = pytest.mark.django_db


def _approved(make_usecase, lead, *, scope="production", tools=None, **facts):
    usecase = make_usecase(**{**COMPLETE_FACTS, **facts}, tools=tools or [])
    decisions.usecase_approve(actor=lead, usecase=usecase, scope=scope)
    usecase.refresh_from_db()
    return usecase


def _finish_obligations(usecase, person):
    for obligation in Obligation.objects.filter(usecase=usecase, status=ObligationStatus.OPEN):
        decisions.obligation_complete(actor=person, obligation=obligation, evidence="Erledigt.")


def test_an_approval_expires_by_risk_class(make_usecase, qualified_lead, settings) -> None:
    settings.RECERTIFICATION_MONTHS = {"high": 6, "limited": 12, "minimal": 24}
    usecase = _approved(make_usecase, qualified_lead)

    approval = Approval.objects.get(usecase=usecase)
    months = settings.RECERTIFICATION_MONTHS[approval.risk_class]
    today = timezone.localdate()
    expected_year = today.year + (today.month - 1 + months) // 12
    assert approval.expires_on.year == expected_year
    assert approval.expires_on.month == (today.month - 1 + months) % 12 + 1


def test_the_pilot_then_production_with_blocking_obligations_done_first(
    make_usecase, qualified_lead, org, tools
) -> None:
    usecase = _approved(make_usecase, qualified_lead, tools=[tools["Enterprise-Chat"]])

    piloted = lifecycle.usecase_stage_move(actor=org.member, usecase=usecase, stage=Stage.PILOT)
    assert (piloted.stage, piloted.status) == (Stage.PILOT, Status.APPROVED)

    blocking = Obligation.objects.filter(usecase=usecase, blocking=True, status=ObligationStatus.OPEN)
    if blocking.exists():
        with pytest.raises(DomainError) as refused:
            lifecycle.usecase_stage_move(actor=org.member, usecase=piloted, stage=Stage.PRODUCTION)
        assert refused.value.code == "obligations"
        piloted.refresh_from_db()
        assert piloted.stage == Stage.PILOT
    _finish_obligations(usecase, org.member)
    piloted.refresh_from_db()

    live = lifecycle.usecase_stage_move(actor=org.member, usecase=piloted, stage=Stage.PRODUCTION)

    assert (live.stage, live.status) == (Stage.PRODUCTION, Status.APPROVED)
    moves = Event.objects.filter(action="decisions.usecase.stage_moved", object_id=str(usecase.pk))
    assert [e.after["stage"] for e in moves.order_by("seq")] == ["pilot", "production"]


def test_a_blocking_condition_keeps_it_out_of_production(make_usecase, reviewers, qualified_lead, org) -> None:
    usecase = make_usecase(**WORKS_COUNCIL_FACTS)
    decisions.review_decide(
        actor=reviewers.works_council,
        review=Review.objects.get(usecase=usecase),
        outcome="approved_with_conditions",
        conditions="Nur auf Teamebene auswerten.",
    )
    usecase.refresh_from_db()
    decisions.usecase_approve(actor=qualified_lead, usecase=usecase, scope="production")
    usecase.refresh_from_db()

    with pytest.raises(DomainError) as refused:
        lifecycle.usecase_stage_move(actor=org.member, usecase=usecase, stage=Stage.PRODUCTION)

    assert "Auflagen der Prüfung durch Betriebsrat" in str(refused.value.message)
    usecase.refresh_from_db()
    assert usecase.stage == Stage.IDEA


def test_a_pilot_approval_does_not_cover_production(make_usecase, qualified_lead, org) -> None:
    # Given a use case without a catalogue tool, approved as an idea for a pilot
    usecase = _approved(make_usecase, qualified_lead, scope="pilot")
    _finish_obligations(usecase, org.member)

    with pytest.raises(DomainError) as refused:
        lifecycle.usecase_stage_move(actor=org.member, usecase=usecase, stage=Stage.PRODUCTION)
    assert refused.value.code == "scope"

    # submitting it for production is a new submission under the rules for production: without a
    # catalogue tool, information security reviews it first, then the team lead approves again
    submitted = lifecycle.usecase_submit_for_production(actor=org.member, usecase=usecase)
    assert (submitted.stage, submitted.status, submitted.submission) == (
        Stage.PRODUCTION,
        Status.IN_REVIEW,
        usecase.submission + 1,
    )
    assert list(Review.objects.filter(usecase=usecase, status="open").values_list("role", flat=True)) == [
        "information_security"
    ]


def test_production_is_evaluated_again_and_refused_when_the_rules_ask_for_more(
    make_usecase, qualified_lead, org, tools, monkeypatch
) -> None:
    usecase = _approved(make_usecase, qualified_lead, tools=[tools["Enterprise-Chat"]])
    _finish_obligations(usecase, org.member)
    # Given the rules now ask the works council for this use case (as a newly published bundle might)
    from leitplanke.guardrails import services as guardrails

    original = guardrails.verdict_refresh

    def stricter(**kwargs):
        verdict = original(**kwargs)
        verdict.summary = {**verdict.summary, "reviews": ["works_council"], "decision": "review"}
        verdict.decision = "review"
        verdict.summary_digest = "changed-by-the-new-bundle"
        verdict.save()
        return verdict

    monkeypatch.setattr(guardrails, "verdict_refresh", stricter)
    events_before = Event.objects.count()

    with pytest.raises(DomainError) as refused:
        lifecycle.usecase_stage_move(actor=org.member, usecase=usecase, stage=Stage.PRODUCTION)

    assert refused.value.code == "rules"
    assert "Betriebsrat" in str(refused.value.message)
    usecase.refresh_from_db()
    assert (usecase.stage, usecase.status) == (Stage.IDEA, Status.APPROVED)
    assert not Review.objects.filter(usecase=usecase, role="works_council").exists()
    assert Event.objects.count() == events_before


def test_only_the_owning_unit_moves_stages_and_only_approved_ones(make_usecase, qualified_lead, org) -> None:
    usecase = _approved(make_usecase, qualified_lead)
    with pytest.raises(PermissionDenied):
        lifecycle.usecase_stage_move(actor=org.outsider, usecase=usecase, stage=Stage.PILOT)
    waiting = make_usecase(title="Noch offen")
    with pytest.raises(DomainError):
        lifecycle.usecase_stage_move(actor=org.member, usecase=waiting, stage=Stage.PILOT)


def test_the_edit_form_cannot_skip_the_checks_of_production(make_usecase, qualified_lead, org) -> None:
    usecase = _approved(make_usecase, qualified_lead)

    with pytest.raises(DomainError) as refused:
        usecases.usecase_update(actor=org.member, usecase=usecase, stage=Stage.PRODUCTION)

    assert refused.value.field == "stage"


def test_retiring_is_final(make_usecase, qualified_lead, org) -> None:
    usecase = _approved(make_usecase, qualified_lead)
    retired = lifecycle.usecase_stage_move(actor=org.member, usecase=usecase, stage=Stage.RETIRED)
    assert retired.stage == Stage.RETIRED
    with pytest.raises(DomainError):
        lifecycle.usecase_stage_move(actor=org.member, usecase=retired, stage=Stage.PILOT)


def test_expiry_makes_recertification_due_and_a_new_submission_confirms_it(
    make_usecase, qualified_lead, org, django_capture_on_commit_callbacks
) -> None:
    usecase = _approved(make_usecase, qualified_lead)
    approval = Approval.objects.get(usecase=usecase)

    # A month before, the owner is reminded; the day after, the approval expires
    soon = deadlines_run(today=approval.expires_on - dt.timedelta(days=10))
    assert soon["recertification_soon"] == 1
    with django_capture_on_commit_callbacks(execute=True):
        after = deadlines_run(today=approval.expires_on + dt.timedelta(days=1))
    assert after["expired"] == 1
    usecase.refresh_from_db()
    assert usecase.status == Status.EXPIRED
    assert usecase.decided_at is not None  # the decision was made; it only stopped standing
    assert Event.objects.filter(action="decisions.usecase.expired", object_id=str(usecase.pk)).exists()
    kinds = list(
        Notification.objects.filter(recipient=org.member, kind=Kind.RECERTIFICATION_DUE)
        .values_list("params__expired", flat=True)
        .order_by("pk")
    )
    assert kinds == [False, True]
    assert Notification.objects.filter(recipient=qualified_lead, kind=Kind.RECERTIFICATION_DUE).exists()
    # running the job again changes nothing and tells nobody twice
    assert deadlines_run(today=approval.expires_on + dt.timedelta(days=2))["expired"] == 0
    assert Notification.objects.filter(kind=Kind.RECERTIFICATION_DUE).count() == 3

    resubmitted = decisions.usecase_submit(actor=org.member, usecase=usecase)
    assert (resubmitted.status, resubmitted.submission) == (Status.AWAITING_APPROVAL, 2)
    decisions.usecase_approve(actor=qualified_lead, usecase=resubmitted)
    resubmitted.refresh_from_db()
    assert resubmitted.status == Status.APPROVED


def test_the_panel_offers_the_next_move(make_usecase, qualified_lead, org, client_for, tools) -> None:
    usecase = _approved(make_usecase, qualified_lead, scope="pilot", tools=[tools["Enterprise-Chat"]])
    client = client_for(org.member)

    page = client.get(reverse("usecases:detail", args=[usecase.pk])).content.decode()
    assert "Pilot starten" in page and "Für die Produktion einreichen" in page

    response = client.post(
        reverse("decisions:usecase_stage", args=[usecase.pk]), {"action": "pilot", "version": usecase.version}
    )
    assert response.status_code == 302
    usecase.refresh_from_db()
    assert usecase.stage == Stage.PILOT
    assert (
        client_for(org.outsider)
        .post(reverse("decisions:usecase_stage", args=[usecase.pk]), {"action": "retired"})
        .status_code
        == 404
    )
    usecase.refresh_from_db()
    assert usecase.stage == Stage.PILOT


def test_the_page_says_what_a_change_of_the_answers_changed_on_the_way(
    make_usecase, reviewers, org, client_for
) -> None:
    usecase = make_usecase(**WORKS_COUNCIL_FACTS)
    usecases.usecase_update(actor=org.member, usecase=usecase, personal_data="personal")

    page = client_for(org.member).get(reverse("usecases:detail", args=[usecase.pk])).content.decode()

    assert 'data-testid="route-change"' in page
    assert "Neu erforderlich: eine Prüfung durch Datenschutz." in page


def test_governance_sees_the_overdue_obligations(make_usecase, qualified_lead, org, client_for) -> None:
    usecase = _approved(make_usecase, qualified_lead)
    obligation = Obligation.objects.filter(usecase=usecase).order_by("pk").first()
    Obligation.objects.filter(pk=obligation.pk).update(due_on=timezone.localdate() - dt.timedelta(days=3))

    page = client_for(org.role_holders["ai_governance"]).get(reverse("decisions:metrics")).content.decode()

    table = page[page.index('data-testid="overdue-obligations"') :]
    assert obligation.title_de in table and usecase.title in table
    assert obligation.owner.name in table


@pytest.mark.parametrize("viewer", ["other_unit", "ai_governance", "auditor", "administrator"])
def test_only_the_owning_unit_asks_for_production(make_usecase, qualified_lead, org, viewer) -> None:
    usecase = _approved(make_usecase, qualified_lead, scope="pilot")
    events = Event.objects.count()

    with pytest.raises(PermissionDenied):
        lifecycle.usecase_submit_for_production(actor=org.viewer(viewer), usecase=usecase)

    usecase.refresh_from_db()
    assert (usecase.status, usecase.stage) == (Status.APPROVED, Stage.IDEA)
    assert Event.objects.count() == events
