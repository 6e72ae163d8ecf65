"""Random sequences of submitting, reviewing, approving and changing: the guardrails always hold.

A hypothesis state machine drives one small company through random steps (register, submit, decide
a review, approve, change the facts, allow or forbid a tool, let approvals expire, re-certify by
submitting again, move to pilot or production) and checks after every step that no
use case is approved without every review its verdict requires approved and the lead's
confirmation, that a blocked verdict is never approved, and that the audit trail verifies.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone
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

from leitplanke.audit.services import verify
from leitplanke.catalog import services as catalog
from leitplanke.catalog.models import Tool
from leitplanke.common.errors import DomainError
from leitplanke.decisions import lifecycle, selectors
from leitplanke.decisions import services as decisions
from leitplanke.decisions.jobs import deadlines_run
from leitplanke.decisions.models import APPROVING, Approval, Obligation, Review, ReviewStatus
from leitplanke.guardrails.models import Verdict
from leitplanke.org import services as org_services
from leitplanke.org.models import REVIEW_ROLES
from leitplanke.usecases import services as usecases
from leitplanke.usecases.models import SUBMITTABLE, Stage, Status, UseCase

from ..factories import PersonFactory, UnitFactory
from .conftest import COMPLETE_FACTS, qualify

pytestmark = pytest.mark.django_db

#: Answer profiles that lead the default bundle to different ways: the team lead, one or two
#: reviews, more reviews, blocked.
PROFILES: list[dict[str, Any]] = [
    COMPLETE_FACTS,
    {**COMPLETE_FACTS, "monitors_employees": "yes"},
    {**COMPLETE_FACTS, "monitors_employees": "yes", "personal_data": "personal"},
    {**COMPLETE_FACTS, "purposes": ["recruiting"], "affected_people": ["applicants"], "personal_data": "personal",
     "decision_role": "prepares"},
    {**COMPLETE_FACTS, "prohibited_practices": ["social_scoring"]},
]
OUTCOMES = [ReviewStatus.APPROVED, ReviewStatus.APPROVED_WITH_CONDITIONS, ReviewStatus.CHANGES_REQUESTED,
            ReviewStatus.REJECTED]


class DecisionMachine(RuleBasedStateMachine):
    """One company, a qualified and an unqualified lead, a reviewer per role, one tool that may be forbidden."""

    def __init__(self) -> None:
        super().__init__()
        self._atomic = transaction.atomic()
        self._atomic.__enter__()  # every run starts from the same empty company and is rolled back
        company = UnitFactory(code="sm", name="SM AG", kind="company", parent=None)
        self.lead = PersonFactory(username="sm.lead")
        self.other_lead = PersonFactory(username="sm.unqualified")
        self.owner = PersonFactory(username="sm.owner")
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
        self.tool = Tool.objects.create(name="SM-Chat", hosting_region="eu", status="approved",
                                        max_classification="confidential", personal_data_allowed=True,
                                        dpa_signed=True)
        self.ids: list[int] = []
        self.today = timezone.localdate()

    def teardown(self) -> None:
        transaction.set_rollback(True)
        self._atomic.__exit__(None, None, None)

    # --- steps -------------------------------------------------------------------------------------

    @initialize(profiles=st.lists(st.integers(0, len(PROFILES) - 1), min_size=2, max_size=2))
    def two_submitted_use_cases(self, profiles: list[int]) -> None:
        for number, profile in enumerate(profiles):
            self.register(profile=profile, team=number, submitted=True)

    @precondition(lambda self: len(self.ids) < 4)
    @rule(profile=st.integers(0, len(PROFILES) - 1), team=st.integers(0, 1), submitted=st.booleans())
    def register(self, profile: int, team: int, submitted: bool) -> None:
        usecase = usecases.usecase_create(
            actor=self.owner, title=f"Fall {len(self.ids)}", unit=self.teams[team], owner=self.owner,
            status=Status.SUBMITTED if submitted else Status.DRAFT, tools=[self.tool], **PROFILES[profile],
        )
        self.ids.append(usecase.pk)

    def _pick(self, data: st.DataObject) -> UseCase:
        return UseCase.objects.get(pk=data.draw(st.sampled_from(self.ids)))

    @precondition(lambda self: self.ids)
    @rule(data=st.data())
    def submit(self, data: st.DataObject) -> None:
        usecase = self._pick(data)
        try:
            usecases.usecase_submit(actor=self.owner, usecase=usecase, expected_version=usecase.version)
        except DomainError:
            assert usecase.status not in SUBMITTABLE

    @precondition(lambda self: self.ids)
    @rule(data=st.data(), outcome=st.sampled_from(OUTCOMES))
    def decide_a_review(self, data: st.DataObject, outcome: str) -> None:
        reviews = list(Review.objects.filter(usecase_id__in=self.ids, status=ReviewStatus.OPEN).order_by("pk"))
        if not reviews:
            return
        review = data.draw(st.sampled_from(reviews))
        decisions.review_decide(actor=self.reviewers[review.role], review=review, outcome=outcome,
                                comment="Begründung", conditions="Auflage")

    @precondition(lambda self: self.ids)
    @rule(data=st.data(), who=st.sampled_from(["lead", "other_lead", "owner", "reviewer"]))
    def approve(self, data: st.DataObject, who: str) -> None:
        usecase = self._pick(data)
        actor = {"lead": self.lead, "other_lead": self.other_lead, "owner": self.owner,
                 "reviewer": self.reviewers["data_protection"]}[who]
        allowed = usecase.status == Status.AWAITING_APPROVAL and selectors.can_approve(actor, usecase)
        try:
            decisions.usecase_approve(actor=actor, usecase=usecase, expected_version=usecase.version)
        except DomainError:
            assert not allowed
        else:
            assert allowed
            # Only the qualified lead ever approves (the unqualified one passes it up to the company's lead).
            assert actor == self.lead

    @rule(data=st.data())
    def the_lead_approves_what_waits(self, data: st.DataObject) -> None:
        waiting = list(UseCase.objects.filter(pk__in=self.ids, status=Status.AWAITING_APPROVAL).order_by("pk"))
        if not waiting:
            return
        usecase = data.draw(st.sampled_from(waiting))
        approved = decisions.usecase_approve(actor=self.lead, usecase=usecase, expected_version=usecase.version,
                                             scope=data.draw(st.sampled_from(["pilot", "production"])))
        assert approved.status == Status.APPROVED

    @precondition(lambda self: self.ids)
    @rule(data=st.data(), profile=st.integers(0, len(PROFILES) - 1))
    def change_the_facts(self, data: st.DataObject, profile: int) -> None:
        usecase = self._pick(data)
        usecases.usecase_update(actor=self.owner, usecase=usecase, expected_version=usecase.version,
                                **PROFILES[profile])

    @rule(status=st.sampled_from(["approved", "in_evaluation", "not_allowed"]))
    def change_the_tool(self, status: str) -> None:
        catalog.tool_update(actor=None, tool=self.tool, status=status)

    @rule(months=st.integers(1, 30))
    def time_passes(self, months: int) -> None:
        """The periodic job runs ``months`` from now (time never runs backwards): expired approvals lapse."""
        self.today = max(self.today, selectors.add_months(timezone.localdate(), months))
        deadlines_run(today=self.today)

    @precondition(lambda self: self.ids)
    @rule(data=st.data(), stage=st.sampled_from([Stage.PILOT, Stage.PRODUCTION, Stage.RETIRED]))
    def move_the_stage(self, data: st.DataObject, stage: str) -> None:
        usecase = self._pick(data)
        try:
            moved = lifecycle.usecase_stage_move(actor=self.owner, usecase=usecase, stage=stage,
                                                 expected_version=usecase.version)
        except DomainError:
            usecase.refresh_from_db()
            return
        if stage != Stage.RETIRED:
            assert moved.status == Status.APPROVED
        if stage == Stage.PRODUCTION:
            approval = selectors.current_approval(moved)
            assert approval is not None and approval.scope == "production"
            assert not Obligation.objects.filter(usecase=moved, blocking=True, status="open").exists()

    # --- what must always hold -----------------------------------------------------------------------

    @invariant()
    def nothing_is_approved_outside_the_guardrails(self) -> None:
        for usecase in UseCase.objects.filter(pk__in=self.ids):
            verdict = Verdict.objects.get(usecase=usecase)
            reviews = {r.role: r.status for r in Review.objects.filter(usecase=usecase, submission=usecase.submission)
                       if r.status != ReviewStatus.CANCELLED}
            required = verdict.summary["reviews"]
            if usecase.status == Status.APPROVED:
                assert verdict.decision != "blocked", "a blocked verdict was approved"
                assert all(reviews.get(role) in APPROVING for role in required), (required, reviews)
                assert Approval.objects.filter(usecase=usecase, submission=usecase.submission).exists()
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
    def the_audit_trail_verifies(self) -> None:
        result = verify()
        assert result.ok, result.problem


def test_random_sequences_of_decisions_keep_the_guardrails() -> None:
    run_state_machine_as_test(
        DecisionMachine,
        settings=settings(max_examples=60, stateful_step_count=30, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow]),
    )
