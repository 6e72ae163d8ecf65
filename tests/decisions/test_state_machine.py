"""Random sequences of every public service of the lifecycle: the guardrails always hold.

A hypothesis state machine drives one small company through random steps by random people
(register, submit, try to set the status directly, declare a stage, decide a review, approve,
change the facts, allow or forbid a tool, let approvals expire, re-certify by submitting again,
move to pilot or production, ask for production, retire) and checks after every step that no use
case is approved, in pilot or in production without the approval and the reviews its verdict
demands, that a blocked verdict is never approved, and that every status and stage has the audit
event that set it. The audit chain is verified once per run. The profile of ``tests/profiles.py`` sets how
many: 30 runs of 15 steps in CI, ``HYPOTHESIS_PROFILE=thorough`` ten times the everyday runs, of 30
steps each. Below it, one test per hole the lifecycle table closed.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone, translation
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from leitplanke.audit.models import Event
from leitplanke.audit.services import verify
from leitplanke.catalog import services as catalog
from leitplanke.catalog.models import Tool
from leitplanke.common.errors import DomainError, PermissionDenied
from leitplanke.decisions import lifecycle, selectors, transitions
from leitplanke.decisions import services as decisions
from leitplanke.decisions.jobs import deadlines_run
from leitplanke.decisions.models import APPROVING, Approval, Obligation, Review, ReviewStatus
from leitplanke.decisions.transitions import STAGE_TRANSITIONS, STATUS_TRANSITIONS, Cause
from leitplanke.guardrails.models import Verdict
from leitplanke.org import services as org_services
from leitplanke.org.models import REVIEW_ROLES
from leitplanke.usecases import services as usecases
from leitplanke.usecases.models import SUBMITTABLE, Stage, Status, UseCase

from ..factories import PersonFactory, UnitFactory
from ..profiles import PROFILE, examples
from .conftest import COMPLETE_FACTS, qualify

pytestmark = pytest.mark.django_db

#: Answer profiles that lead the default bundle to different ways: the team lead, one or two
#: reviews, more reviews, blocked.
PROFILES: list[dict[str, Any]] = [
    COMPLETE_FACTS,
    {**COMPLETE_FACTS, "monitors_employees": "yes"},
    {**COMPLETE_FACTS, "monitors_employees": "yes", "personal_data": "personal"},
    {
        **COMPLETE_FACTS,
        "purposes": ["recruiting"],
        "affected_people": ["applicants"],
        "personal_data": "personal",
        "decision_role": "prepares",
    },
    {**COMPLETE_FACTS, "prohibited_practices": ["social_scoring"]},
]
OUTCOMES = [
    ReviewStatus.APPROVED,
    ReviewStatus.APPROVED_WITH_CONDITIONS,
    ReviewStatus.CHANGES_REQUESTED,
    ReviewStatus.REJECTED,
]
#: Steps per run: short sequences in CI and on an ordinary day, longer ones in the thorough profile.
STEPS = 30 if PROFILE == "thorough" else 15
#: Where a use case may be while it is approved for use.
IN_USE = (Stage.PILOT, Stage.PRODUCTION)


class DecisionMachine(RuleBasedStateMachine):
    """One company, a qualified and an unqualified lead, a reviewer per role, an outsider, one tool
    that may be forbidden."""

    def __init__(self) -> None:
        super().__init__()
        self._atomic = transaction.atomic()
        self._atomic.__enter__()  # every run starts from the same empty company and is rolled back
        company = UnitFactory(code="sm", name="SM AG", kind="company", parent=None)
        self.lead = PersonFactory(username="sm.lead")
        self.other_lead = PersonFactory(username="sm.unqualified")
        self.owner = PersonFactory(username="sm.owner")
        self.outsider = PersonFactory(username="sm.outsider")
        qualify(self.lead)
        self.teams = [
            UnitFactory(code="sm-a", name="Team A", kind="department", parent=company, lead=self.lead),
            UnitFactory(code="sm-b", name="Team B", kind="department", parent=company, lead=self.other_lead),
        ]
        org_services.unit_update(actor=None, unit=company, lead=self.lead)
        for team in self.teams:
            org_services.membership_add(actor=None, person=self.owner, unit=team)
        self.reviewers: dict[str, Any] = {}
        for role in REVIEW_ROLES:
            person = PersonFactory(username=f"sm.{role}")
            org_services.role_assign(actor=None, person=person, role=role)
            self.reviewers[str(role)] = person
        self.tool = Tool.objects.create(
            name="SM-Chat",
            hosting_region="eu",
            status="approved",
            max_classification="confidential",
            personal_data_allowed=True,
            dpa_signed=True,
        )
        self.ids: list[int] = []
        self.today = timezone.localdate()
        #: What the audit trail last said of each use case's status and stage, and how far it was read.
        self.told: dict[int, dict[str, Any]] = {}
        self.read_to = Event.objects.order_by("-seq").values_list("seq", flat=True).first() or 0

    def teardown(self) -> None:
        try:
            result = verify()
            assert result.ok, result.problem
        finally:
            transaction.set_rollback(True)
            self._atomic.__exit__(None, None, None)

    # --- steps -------------------------------------------------------------------------------------

    @initialize(profiles=st.lists(st.integers(0, len(PROFILES) - 1), min_size=2, max_size=2))
    def two_submitted_use_cases(self, profiles: list[int]) -> None:
        for number, profile in enumerate(profiles):
            self.register(profile=profile, team=number, submitted=True, stage=Stage.IDEA)

    @precondition(lambda self: len(self.ids) < 4)
    @rule(
        profile=st.integers(0, len(PROFILES) - 1),
        team=st.integers(0, 1),
        submitted=st.booleans(),
        stage=st.sampled_from([Stage.IDEA, Stage.PILOT, Stage.PRODUCTION]),
    )
    def register(self, profile: int, team: int, submitted: bool, stage: str) -> None:
        usecase = usecases.usecase_create(
            actor=self.owner,
            title=f"Fall {len(self.ids)}",
            unit=self.teams[team],
            owner=self.owner,
            submit=submitted,
            stage=stage,
            tools=[self.tool],
            **PROFILES[profile],
        )
        self.ids.append(usecase.pk)

    def _pick(self, data: st.DataObject) -> UseCase:
        return UseCase.objects.get(pk=data.draw(st.sampled_from(self.ids)))

    @precondition(lambda self: self.ids)
    @rule(data=st.data())
    def submit(self, data: st.DataObject) -> None:
        usecase = self._pick(data)
        try:
            decisions.usecase_submit(actor=self.owner, usecase=usecase, expected_version=usecase.version)
        except DomainError:
            assert usecase.status not in SUBMITTABLE

    @precondition(lambda self: self.ids)
    @rule(data=st.data(), status=st.sampled_from(Status.values))
    def set_the_status_directly(self, data: st.DataObject, status: str) -> None:
        usecase = self._pick(data)
        with pytest.raises(DomainError) as refused:
            usecases.usecase_update(actor=self.owner, usecase=usecase, expected_version=usecase.version, status=status)
        assert (refused.value.code, refused.value.field) == ("lifecycle", "status")

    @precondition(lambda self: self.ids)
    @rule(data=st.data(), stage=st.sampled_from(Stage.values))
    def declare_the_stage(self, data: st.DataObject, stage: str) -> None:
        usecase = self._pick(data)
        try:
            usecases.usecase_update(actor=self.owner, usecase=usecase, expected_version=usecase.version, stage=stage)
        except DomainError:
            assert usecase.stage == Stage.RETIRED or (usecase.status == Status.APPROVED and stage != Stage.RETIRED)

    @precondition(lambda self: self.ids)
    @rule(data=st.data(), outcome=st.sampled_from(OUTCOMES), rightful=st.booleans())
    def decide_a_review(self, data: st.DataObject, outcome: str, rightful: bool) -> None:
        reviews = list(Review.objects.filter(usecase_id__in=self.ids, status=ReviewStatus.OPEN).order_by("pk"))
        if not reviews:
            return
        review = data.draw(st.sampled_from(reviews))
        actor = self.reviewers[review.role] if rightful else data.draw(st.sampled_from([self.owner, self.lead]))
        try:
            decisions.review_decide(
                actor=actor, review=review, outcome=outcome, comment="Begründung", conditions="Auflage"
            )
        except PermissionDenied:
            assert not rightful

    @precondition(lambda self: self.ids)
    @rule(data=st.data(), who=st.sampled_from(["lead", "other_lead", "owner", "reviewer", "outsider"]))
    def approve(self, data: st.DataObject, who: str) -> None:
        usecase = self._pick(data)
        actor = {
            "lead": self.lead,
            "other_lead": self.other_lead,
            "owner": self.owner,
            "outsider": self.outsider,
            "reviewer": self.reviewers["data_protection"],
        }[who]
        allowed = usecase.status == Status.AWAITING_APPROVAL and selectors.can_approve(actor, usecase)
        scope = "production" if usecase.stage == Stage.PRODUCTION else "pilot"
        try:
            decisions.usecase_approve(actor=actor, usecase=usecase, expected_version=usecase.version, scope=scope)
        except DomainError:
            assert not allowed
        else:
            assert allowed
            # Only the qualified lead ever approves (the unqualified one passes it up to the company's lead).
            assert actor == self.lead

    @rule(data=st.data(), scope=st.sampled_from(["pilot", "production"]))
    def the_lead_approves_what_waits(self, data: st.DataObject, scope: str) -> None:
        waiting = list(UseCase.objects.filter(pk__in=self.ids, status=Status.AWAITING_APPROVAL).order_by("pk"))
        if not waiting:
            return
        usecase = data.draw(st.sampled_from(waiting))
        try:
            approved = decisions.usecase_approve(
                actor=self.lead, usecase=usecase, expected_version=usecase.version, scope=scope
            )
        except DomainError as refused:  # a use case in production is approved for production only
            assert (refused.code, usecase.stage, scope) == ("scope", Stage.PRODUCTION, "pilot")
        else:
            assert approved.status == Status.APPROVED

    @precondition(lambda self: self.ids)
    @rule(data=st.data(), profile=st.integers(0, len(PROFILES) - 1))
    def change_the_facts(self, data: st.DataObject, profile: int) -> None:
        usecase = self._pick(data)
        usecases.usecase_update(
            actor=self.owner, usecase=usecase, expected_version=usecase.version, **PROFILES[profile]
        )

    @rule(status=st.sampled_from(["approved", "in_evaluation", "not_allowed"]))
    def change_the_tool(self, status: str) -> None:
        """A catalogue change reroutes every use case of the tool whose verdict changed."""
        catalog.tool_update(actor=None, tool=self.tool, status=status)

    @rule(months=st.integers(1, 30))
    def time_passes(self, months: int) -> None:
        """The periodic job runs ``months`` from now (time never runs backwards): expired approvals lapse."""
        self.today = max(self.today, selectors.add_months(timezone.localdate(), months))
        deadlines_run(today=self.today)

    @precondition(lambda self: self.ids)
    @rule(data=st.data(), stage=st.sampled_from([Stage.PILOT, Stage.PRODUCTION, Stage.RETIRED]), by_owner=st.booleans())
    def move_the_stage(self, data: st.DataObject, stage: str, by_owner: bool) -> None:
        usecase = self._pick(data)
        try:
            moved = lifecycle.usecase_stage_move(
                actor=self.owner if by_owner else self.outsider,
                usecase=usecase,
                stage=stage,
                expected_version=usecase.version,
            )
        except DomainError:
            return
        assert by_owner
        if stage != Stage.RETIRED:
            assert moved.status == Status.APPROVED
        if stage == Stage.PRODUCTION:
            approval = selectors.current_approval(moved)
            assert approval is not None and approval.scope == "production"
            assert not Obligation.objects.filter(usecase=moved, blocking=True, status="open").exists()

    @precondition(lambda self: self.ids)
    @rule(data=st.data())
    def ask_for_production(self, data: st.DataObject) -> None:
        usecase = self._pick(data)
        try:
            asked = lifecycle.usecase_submit_for_production(
                actor=self.owner, usecase=usecase, expected_version=usecase.version
            )
        except DomainError:
            assert usecase.status != Status.APPROVED or usecase.stage in (Stage.PRODUCTION, Stage.RETIRED)
            return
        assert asked.stage == Stage.PRODUCTION

    # --- what must always hold -----------------------------------------------------------------------

    @invariant()
    def nothing_is_approved_outside_the_guardrails(self) -> None:
        for usecase in UseCase.objects.filter(pk__in=self.ids):
            verdict = Verdict.objects.get(usecase=usecase)
            reviews = {
                r.role: r.status
                for r in Review.objects.filter(usecase=usecase, submission=usecase.submission)
                if r.status != ReviewStatus.CANCELLED
            }
            required = verdict.summary["reviews"]
            if usecase.status == Status.APPROVED:
                assert verdict.decision != "blocked", "a blocked verdict was approved"
                assert all(reviews.get(role) in APPROVING for role in required), (required, reviews)
                approval = selectors.current_approval(usecase)
                assert approval is not None, "approved without the lead's approval"
                if usecase.stage == Stage.PRODUCTION:
                    assert approval.scope == "production", "in production on a pilot approval"
            if usecase.status == Status.AWAITING_APPROVAL:
                assert verdict.decision != "blocked"
                assert all(reviews.get(role) in APPROVING for role in required), (required, reviews)
            if usecase.status == Status.IN_REVIEW:
                assert ReviewStatus.OPEN in reviews.values()
                assert all(role in required for role, status in reviews.items() if status == ReviewStatus.OPEN)
            if usecase.status == Status.BLOCKED:
                assert verdict.decision == "blocked"
            if usecase.status == Status.EXPIRED:
                approval = selectors.current_approval(usecase)
                assert approval is not None and approval.expires_on < self.today

    @invariant()
    def every_status_and_stage_has_its_audit_event(self) -> None:
        """The events written since the last step, read in order, chain from one status (and stage)
        to the next and end where each use case stands."""
        events = Event.objects.filter(seq__gt=self.read_to, object_type="usecases.usecase").order_by("seq")
        for event in events:
            told = self.told.setdefault(int(event.object_id), {})
            for name in ("status", "stage"):
                if name not in (event.after or {}):
                    continue
                if name in (event.before or {}) and name in told:
                    assert event.before[name] == told[name], (event.action, name, event.before, told)
                told[name] = event.after[name]
            self.read_to = event.seq
        for pk, status, stage in UseCase.objects.filter(pk__in=self.ids).values_list("pk", "status", "stage"):
            assert self.told[pk] == {"status": status, "stage": stage}, (pk, self.told[pk], status, stage)


def test_random_sequences_of_the_lifecycle_keep_the_guardrails() -> None:
    run_state_machine_as_test(
        DecisionMachine,
        settings=settings(
            max_examples=examples(120), stateful_step_count=STEPS, suppress_health_check=[HealthCheck.too_slow]
        ),
    )


# --- the holes the lifecycle table closed ------------------------------------------------------------


@pytest.mark.parametrize("status", [Status.APPROVED, Status.SUBMITTED, Status.DRAFT])
def test_the_status_cannot_be_set_through_an_update(make_usecase, org, status) -> None:
    # Given a low-risk draft of a unit member
    usecase = make_usecase(status=Status.DRAFT)

    # When the member sets its status directly, then it is refused on the field, in the reader's language
    with translation.override("de"), pytest.raises(DomainError) as refused:
        usecases.usecase_update(actor=org.member, usecase=usecase, status=status)
    assert (refused.value.code, refused.value.field) == ("lifecycle", "status")
    assert "Status" in str(refused.value.message) and "direkt" in str(refused.value.message)
    # and nothing changed
    usecase.refresh_from_db()
    assert (usecase.status, usecase.version) == (Status.DRAFT, 1)
    assert not Approval.objects.filter(usecase=usecase).exists()


def test_a_use_case_cannot_be_registered_approved(org) -> None:
    with pytest.raises(DomainError) as refused:
        usecases.usecase_create(
            actor=org.member,
            title="Schon erlaubt",
            unit=org.team,
            owner=org.member,
            status=Status.APPROVED,
            **COMPLETE_FACTS,
        )

    assert (refused.value.code, refused.value.field) == ("lifecycle", "status")
    assert not UseCase.objects.filter(title="Schon erlaubt").exists()


def test_a_reroute_keeps_a_use_case_approved_only_with_its_approval(make_usecase, qualified_lead) -> None:
    # Given a use case the lead approved, and one stored as approved without an approval (as the
    # status field allowed before the lifecycle table)
    approved = make_usecase(title="Genehmigt")
    decisions.usecase_approve(actor=qualified_lead, usecase=approved)
    without = make_usecase(title="Ohne Genehmigung")
    UseCase.objects.filter(pk=without.pk).update(status=Status.APPROVED)
    # When the verdict each follows changed (their way is set anew)
    UseCase.objects.filter(pk__in=[approved.pk, without.pk]).update(decision_digest="changed")
    for usecase in (approved, without):
        decisions.usecase_reroute(actor=None, usecase=usecase)

    # Then only the one with its approval stays approved; the other waits for the lead
    approved.refresh_from_db()
    without.refresh_from_db()
    assert approved.status == Status.APPROVED
    assert without.status == Status.AWAITING_APPROVAL
    assert Event.objects.filter(
        action="decisions.usecase.routed",
        object_id=str(without.pk),
        before__status="approved",
        after__status="awaiting_approval",
    ).exists()


def test_the_table_refuses_a_transition_it_does_not_name(make_usecase, org, qualified_lead) -> None:
    # Given a draft and the events so far
    usecase = transitions.usecase_locked(make_usecase(status=Status.DRAFT))
    events = Event.objects.count()

    # When anybody, even the qualified lead, makes it approved or retired-then-pilot, it is refused
    with pytest.raises(DomainError) as refused:
        transitions.usecase_transition(
            actor=qualified_lead,
            usecase=usecase,
            cause=Cause.APPROVE,
            to=Status.APPROVED,
            action="decisions.usecase.approved",
        )
    assert refused.value.code == "transition"
    usecase.refresh_from_db()
    assert (usecase.status, usecase.version, Event.objects.count()) == (Status.DRAFT, 1, events)

    # and no row of the table leads into approved from anywhere but waiting for the lead or approved
    into_approved = {source for row in STATUS_TRANSITIONS if Status.APPROVED in row.targets for source in row.sources}
    assert into_approved == {Status.AWAITING_APPROVAL, Status.APPROVED}
    # and none leaves retired
    assert not [row for row in STAGE_TRANSITIONS if Stage.RETIRED in row.sources]
