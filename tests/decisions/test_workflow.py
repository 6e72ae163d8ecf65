"""The way from submission to decision: routing by the verdict, reviews by role, the team lead's approval."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from leitplanke.audit.models import Event
from leitplanke.audit.services import verify
from leitplanke.common.errors import Conflict, DomainError, PermissionDenied
from leitplanke.decisions import selectors
from leitplanke.decisions import services as decisions
from leitplanke.decisions.models import Approval, Review, ReviewStatus
from leitplanke.org import services as org_services
from leitplanke.usecases import services as usecases
from leitplanke.usecases.models import Status

from ..factories import PersonFactory
from .conftest import COMPLETE_FACTS, TWO_REVIEWS_FACTS, WORKS_COUNCIL_FACTS, qualify

pytestmark = pytest.mark.django_db


def _actions(usecase) -> list[str]:
    return list(
        Event.objects.filter(object_type="usecases.usecase", object_id=str(usecase.pk), action__startswith="decisions.")
        .order_by("seq")
        .values_list("action", flat=True)
    )


def _reviews(usecase) -> dict[str, str]:
    return {review.role: review.status for review in Review.objects.filter(usecase=usecase)}


# --- routing ---------------------------------------------------------------------------------------


def test_a_harmless_use_case_goes_straight_to_the_team_lead(make_usecase) -> None:
    usecase = make_usecase(**COMPLETE_FACTS)

    assert usecase.status == Status.AWAITING_APPROVAL
    assert not Review.objects.filter(usecase=usecase).exists()
    assert _actions(usecase) == ["decisions.usecase.routed"]
    assert usecase.submission == 1


def test_each_required_role_gets_one_review_routed_to_the_nearest_unit_with_reviewers(make_usecase, reviewers, org):
    usecase = make_usecase(**TWO_REVIEWS_FACTS)

    assert usecase.status == Status.IN_REVIEW
    reviews = {review.role: review for review in Review.objects.filter(usecase=usecase)}
    assert set(reviews) == {"data_protection", "works_council"}
    # Buchhaltung has no data-protection reviewer, Finanzen above it has one; the council is company-wide.
    assert reviews["data_protection"].unit == org.finance
    assert reviews["works_council"].unit is None
    assert selectors.can_decide_review(reviewers.finance_privacy, reviews["data_protection"])
    assert not selectors.can_decide_review(reviewers.works_council, reviews["data_protection"])
    assert _actions(usecase) == ["decisions.review.opened", "decisions.review.opened", "decisions.usecase.routed"]


def test_a_review_is_due_after_the_roles_business_days(make_usecase, reviewers, settings) -> None:
    settings.REVIEW_DEADLINE_DAYS = {"works_council": 3}
    usecase = make_usecase(**WORKS_COUNCIL_FACTS)

    review = Review.objects.get(usecase=usecase)
    assert review.due_on == selectors.add_business_days(timezone.localdate(), 3)


@pytest.mark.parametrize(
    ("start", "days", "due"),
    [
        (dt.date(2026, 12, 4), 1, dt.date(2026, 12, 7)),  # Friday + 1 business day: Monday
        (dt.date(2026, 12, 5), 5, dt.date(2026, 12, 11)),  # Saturday + 5: the Friday after
        (dt.date(2026, 12, 1), 10, dt.date(2026, 12, 15)),
    ],
)
def test_business_days_skip_weekends(start, days, due) -> None:
    assert selectors.add_business_days(start, days) == due


def test_a_blocked_verdict_blocks_the_use_case_and_opens_no_review(make_usecase, tools) -> None:
    usecase = make_usecase(**COMPLETE_FACTS, tools=[tools["Freier Web-Chatbot"]])

    assert usecase.status == Status.BLOCKED
    assert not Review.objects.filter(usecase=usecase).exists()


def test_a_draft_is_not_routed_until_it_is_submitted(make_usecase, org) -> None:
    usecase = make_usecase(status=Status.DRAFT, **WORKS_COUNCIL_FACTS)
    assert (usecase.status, Review.objects.count()) == (Status.DRAFT, 0)

    submitted = decisions.usecase_submit(actor=org.member, usecase=usecase, expected_version=usecase.version)

    assert submitted.status == Status.IN_REVIEW
    assert _reviews(submitted) == {"works_council": "open"}


def test_a_use_case_on_its_way_cannot_be_submitted_again(make_usecase, org) -> None:
    usecase = make_usecase(**WORKS_COUNCIL_FACTS)

    with pytest.raises(DomainError):
        decisions.usecase_submit(actor=org.member, usecase=usecase, expected_version=usecase.version)
    assert Review.objects.count() == 1


# --- reviews -------------------------------------------------------------------------------------


def test_the_last_approving_review_hands_the_use_case_to_the_team_lead(make_usecase, reviewers) -> None:
    usecase = make_usecase(**TWO_REVIEWS_FACTS)
    privacy = Review.objects.get(usecase=usecase, role="data_protection")
    council = Review.objects.get(usecase=usecase, role="works_council")

    decisions.review_decide(
        actor=reviewers.finance_privacy,
        review=privacy,
        outcome="approved_with_conditions",
        conditions="Löschkonzept vor dem Start.",
        expected_version=privacy.version,
    )
    usecase.refresh_from_db()
    assert usecase.status == Status.IN_REVIEW

    decisions.review_decide(actor=reviewers.works_council, review=council, outcome="approved")
    usecase.refresh_from_db()
    assert usecase.status == Status.AWAITING_APPROVAL
    privacy.refresh_from_db()
    assert (privacy.status, privacy.conditions, privacy.decided_by) == (
        "approved_with_conditions",
        "Löschkonzept vor dem Start.",
        reviewers.finance_privacy,
    )
    # the conditions became the owner's obligation as soon as they were set
    assert _actions(usecase)[-3:] == [
        "decisions.review.decided",
        "decisions.obligation.opened",
        "decisions.review.decided",
    ]


@pytest.mark.parametrize("who", ["member", "works_council", "outsider"])
def test_only_the_reviewers_it_is_routed_to_decide_a_review(make_usecase, reviewers, org, who) -> None:
    usecase = make_usecase(**TWO_REVIEWS_FACTS)
    review = Review.objects.get(usecase=usecase, role="data_protection")
    actor = {"member": org.member, "works_council": reviewers.works_council, "outsider": org.outsider}[who]
    events = Event.objects.count()

    with pytest.raises(PermissionDenied):
        decisions.review_decide(actor=actor, review=review, outcome="approved")

    review.refresh_from_db()
    assert review.status == ReviewStatus.OPEN
    assert Event.objects.count() == events


def test_company_wide_reviewers_may_decide_a_review_routed_to_a_unit(make_usecase, reviewers) -> None:
    usecase = make_usecase(**TWO_REVIEWS_FACTS)
    review = Review.objects.get(usecase=usecase, role="data_protection")

    decided = decisions.review_decide(actor=reviewers.company_privacy, review=review, outcome="approved")

    assert decided.status == ReviewStatus.APPROVED


@pytest.mark.parametrize(
    ("outcome", "field"),
    [
        ("changes_requested", "comment"),
        ("rejected", "comment"),
        ("approved_with_conditions", "conditions"),
        ("maybe", "outcome"),
    ],
)
def test_a_decision_needs_its_reason(make_usecase, reviewers, outcome, field) -> None:
    usecase = make_usecase(**WORKS_COUNCIL_FACTS)
    review = Review.objects.get(usecase=usecase)

    with pytest.raises(DomainError) as caught:
        decisions.review_decide(actor=reviewers.works_council, review=review, outcome=outcome, comment="  ")

    assert caught.value.field == field
    review.refresh_from_db()
    assert review.status == ReviewStatus.OPEN


def test_requesting_changes_returns_the_use_case_and_cancels_the_other_reviews(make_usecase, reviewers, org) -> None:
    usecase = make_usecase(**TWO_REVIEWS_FACTS)
    council = Review.objects.get(usecase=usecase, role="works_council")

    decisions.review_decide(
        actor=reviewers.works_council,
        review=council,
        outcome="changes_requested",
        comment="Bitte die Auswertung je Person ausschließen.",
    )

    usecase.refresh_from_db()
    assert usecase.status == Status.CHANGES_REQUESTED
    assert _reviews(usecase) == {"works_council": "changes_requested", "data_protection": "cancelled"}

    # The owner changes the use case and submits it again: a new submission, new reviews.
    usecases.usecase_update(
        actor=org.member, usecase=usecase, expected_version=usecase.version, monitors_employees="no"
    )
    usecase.refresh_from_db()
    resubmitted = decisions.usecase_submit(actor=org.member, usecase=usecase, expected_version=usecase.version)
    assert (resubmitted.status, resubmitted.submission) == (Status.IN_REVIEW, 2)
    assert list(Review.objects.filter(usecase=usecase, submission=2).values_list("role", flat=True)) == [
        "data_protection"
    ]


def test_a_rejection_is_final_for_that_version(make_usecase, reviewers, qualified_lead) -> None:
    usecase = make_usecase(**WORKS_COUNCIL_FACTS)
    review = Review.objects.get(usecase=usecase)

    decisions.review_decide(
        actor=reviewers.works_council,
        review=review,
        outcome="rejected",
        comment="Leistungskontrolle ist nicht zustimmungsfähig.",
    )

    usecase.refresh_from_db()
    assert usecase.status == Status.REJECTED
    with pytest.raises(DomainError):
        decisions.usecase_approve(actor=qualified_lead, usecase=usecase)
    with pytest.raises(DomainError):
        decisions.review_decide(actor=reviewers.works_council, review=review, outcome="approved")


def test_deciding_on_a_stale_version_is_a_conflict(make_usecase, reviewers) -> None:
    usecase = make_usecase(**WORKS_COUNCIL_FACTS)
    review = Review.objects.get(usecase=usecase)

    with pytest.raises(Conflict):
        decisions.review_decide(
            actor=reviewers.works_council, review=review, outcome="approved", expected_version=review.version + 1
        )
    review.refresh_from_db()
    assert review.status == ReviewStatus.OPEN


# --- the team lead's approval ------------------------------------------------------------------------


def test_the_qualified_lead_approves_and_the_approval_records_the_verdict(make_usecase, qualified_lead) -> None:
    usecase = make_usecase(**COMPLETE_FACTS)

    approved = decisions.usecase_approve(
        actor=qualified_lead, usecase=usecase, scope="pilot", expected_version=usecase.version
    )

    assert approved.status == Status.APPROVED
    approval = Approval.objects.get(usecase=usecase)
    assert (approval.scope, approval.unit, approval.risk_class, approval.approved_by) == (
        "pilot",
        usecase.unit,
        "minimal",
        qualified_lead,
    )
    assert approval.summary_digest == usecase.verdict.summary_digest
    actions = _actions(usecase)
    assert "decisions.usecase.approved" in actions
    # the approval hands the verdict's obligations to the owner, each recorded
    assert actions[actions.index("decisions.usecase.approved") + 1 :] == ["decisions.obligation.opened"] * len(
        usecase.verdict.summary["obligations"]
    )


def test_a_lead_without_the_qualification_passes_the_approval_one_level_up(make_usecase, org) -> None:
    usecase = make_usecase(**COMPLETE_FACTS)
    head_of_finance = PersonFactory(username="fritz.finance")
    org_services.unit_update(actor=None, unit=org.finance, lead=head_of_finance)
    qualify(head_of_finance)

    level = selectors.approval_level(usecase)
    assert level.unit == org.finance and level.passed_over == [org.team]
    with pytest.raises(PermissionDenied):
        decisions.usecase_approve(actor=org.lead, usecase=usecase)

    approved = decisions.usecase_approve(actor=head_of_finance, usecase=usecase)
    assert approved.status == Status.APPROVED
    assert Approval.objects.get(usecase=usecase).unit == org.finance


def test_an_expired_qualification_does_not_count(make_usecase, org) -> None:
    qualify(org.lead, days_ago=800)  # 24 months of validity are over
    usecase = make_usecase(**COMPLETE_FACTS)

    assert not selectors.can_approve(org.lead, usecase)


@pytest.mark.parametrize("who", ["member", "outsider", "ai_governance"])
def test_nobody_but_the_responsible_lead_approves(make_usecase, qualified_lead, org, who) -> None:
    usecase = make_usecase(**COMPLETE_FACTS)
    actor = {"member": org.member, "outsider": org.outsider, "ai_governance": org.viewer("ai_governance")}[who]

    with pytest.raises(PermissionDenied):
        decisions.usecase_approve(actor=actor, usecase=usecase)
    usecase.refresh_from_db()
    assert usecase.status == Status.AWAITING_APPROVAL
    assert not Approval.objects.exists()


def test_a_use_case_in_review_or_blocked_cannot_be_approved(make_usecase, qualified_lead, reviewers, tools) -> None:
    in_review = make_usecase(**WORKS_COUNCIL_FACTS)
    blocked = make_usecase(title="Blockiert", **COMPLETE_FACTS, tools=[tools["Freier Web-Chatbot"]])

    for usecase in (in_review, blocked):
        with pytest.raises(DomainError):
            decisions.usecase_approve(actor=qualified_lead, usecase=usecase)
    assert not Approval.objects.exists()


def test_approving_a_stale_version_is_a_conflict(make_usecase, qualified_lead, org) -> None:
    usecase = make_usecase(**COMPLETE_FACTS)
    seen = usecase.version
    usecases.usecase_update(actor=org.member, usecase=usecase, expected_version=seen, title="Neuer Titel")

    with pytest.raises(Conflict):
        decisions.usecase_approve(actor=qualified_lead, usecase=usecase, expected_version=seen)
    assert not Approval.objects.exists()


# --- a changed verdict on the way ---------------------------------------------------------------------


def test_a_change_that_needs_a_new_review_opens_only_that_one(make_usecase, reviewers, org) -> None:
    usecase = make_usecase(**WORKS_COUNCIL_FACTS)
    council = Review.objects.get(usecase=usecase)
    decisions.review_decide(actor=reviewers.works_council, review=council, outcome="approved")
    usecase.refresh_from_db()
    assert usecase.status == Status.AWAITING_APPROVAL

    usecases.usecase_update(
        actor=org.member, usecase=usecase, expected_version=usecase.version, personal_data="personal"
    )

    usecase.refresh_from_db()
    assert usecase.status == Status.IN_REVIEW
    assert _reviews(usecase) == {"works_council": "approved", "data_protection": "open"}
    # and the use case says what changed
    from leitplanke.decisions.presentation import route_change

    change = route_change(usecase)
    assert change is not None and (change.added, change.cancelled) == (["Datenschutz"], [])


def test_a_change_that_makes_a_review_unnecessary_cancels_it(make_usecase, reviewers, org) -> None:
    usecase = make_usecase(**WORKS_COUNCIL_FACTS)

    usecases.usecase_update(
        actor=org.member, usecase=usecase, expected_version=usecase.version, monitors_employees="no"
    )

    usecase.refresh_from_db()
    assert usecase.status == Status.AWAITING_APPROVAL
    assert _reviews(usecase) == {"works_council": "cancelled"}
    from leitplanke.decisions.presentation import route_change

    change = route_change(usecase)
    assert change is not None and (change.added, change.cancelled) == ([], ["Betriebsrat"])


def test_an_approved_use_case_stays_approved_when_no_new_review_is_needed(make_usecase, qualified_lead, org):
    usecase = make_usecase(**COMPLETE_FACTS)
    decisions.usecase_approve(actor=qualified_lead, usecase=usecase)
    usecase.refresh_from_db()

    usecases.usecase_update(
        actor=org.member, usecase=usecase, expected_version=usecase.version, generated_content="none"
    )
    usecase.refresh_from_db()
    assert usecase.status == Status.APPROVED

    usecases.usecase_update(
        actor=org.member, usecase=usecase, expected_version=usecase.version, monitors_employees="yes"
    )
    usecase.refresh_from_db()
    assert usecase.status == Status.IN_REVIEW
    assert _reviews(usecase) == {"works_council": "open"}


def test_the_audit_chain_stays_valid_through_a_whole_decision(make_usecase, reviewers, qualified_lead) -> None:
    usecase = make_usecase(**TWO_REVIEWS_FACTS)
    for review in Review.objects.filter(usecase=usecase):
        actor = reviewers.finance_privacy if review.role == "data_protection" else reviewers.works_council
        decisions.review_decide(actor=actor, review=review, outcome="approved")
    usecase.refresh_from_db()
    decisions.usecase_approve(actor=qualified_lead, usecase=usecase, scope="production")

    assert verify().ok


def test_a_tool_no_longer_allowed_blocks_an_approved_use_case_at_once(make_usecase, qualified_lead, tools) -> None:
    from leitplanke.catalog import services as catalog

    chat = tools["Enterprise-Chat"]
    usecase = make_usecase(**COMPLETE_FACTS, tools=[chat])
    decisions.usecase_approve(actor=qualified_lead, usecase=usecase)

    catalog.tool_update(actor=None, tool=chat, status="not_allowed")

    usecase.refresh_from_db()
    assert usecase.status == Status.BLOCKED
    assert _actions(usecase)[-1] == "decisions.usecase.routed"


def test_publishing_stricter_rules_sends_waiting_use_cases_to_the_new_review(make_usecase, reviewers) -> None:
    from leitplanke.guardrails.engine import default_folder, read_folder
    from leitplanke.guardrails.services import bundle_publish

    usecase = make_usecase(**COMPLETE_FACTS)  # harmless: waits for the team lead
    files = read_folder(default_folder())
    files["rules/99-house.yaml"] = """\
rules:
  - id: house-legal-for-accounting
    title: {de: Recht prüft die Buchhaltung, en: Legal reviews accounting}
    reason: {de: Hausregel, en: House rule}
    rationale: {de: Hausregel, en: House rule}
    reference: Hausregel 1
    when: 'unit == "fin-buha"'
    effects:
      - review: legal
"""
    files["bundle.yaml"] = files["bundle.yaml"].replace('version: "2026.12.1"', 'version: "2026.12.1-haus"')
    bundle_publish(actor=None, files=files)

    usecase.refresh_from_db()
    assert usecase.status == Status.IN_REVIEW
    assert _reviews(usecase) == {"legal": "open"}
