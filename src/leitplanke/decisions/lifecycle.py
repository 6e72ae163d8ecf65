"""Writes after the decision: moving an approved use case into pilot or production, retiring it,
and the expiry of an approval that makes re-certification due.

Moving to production evaluates the use case again under the current rule bundle: if the rules now
ask for more (a review not yet approved, or a block), nothing moves and the error says what is
needed. Blocking obligations must be done first, and the approval must cover production.
"""

from __future__ import annotations

from typing import Any

from django.utils import translation
from django.utils.translation import gettext as _

from leitplanke.common import clock
from leitplanke.common.actors import Actor
from leitplanke.common.errors import DomainError
from leitplanke.common.events import emit
from leitplanke.common.permissions import check
from leitplanke.common.transactions import write_atomic
from leitplanke.common.versioning import check_version
from leitplanke.guardrails import services as guardrails
from leitplanke.guardrails.evaluators import prepared_verdicts
from leitplanke.org.models import Role
from leitplanke.usecases import search
from leitplanke.usecases.models import Stage, Status, UseCase

from . import events, selectors
from .models import ApprovalScope, Obligation, ObligationStatus, ReviewStatus
from .services import usecase_reroute, usecase_route
from .transitions import Cause, usecase_locked, usecase_transition, usecase_verdict


def _refused_by_rules(usecase: UseCase) -> DomainError:
    """Why the rules do not let the use case go on, named for its owner."""
    verdict = usecase_verdict(usecase)
    if verdict.decision == "blocked":
        return DomainError(
            _("Under the current rules this use case is blocked in that stage; see its verdict."), code="rules"
        )
    approved = {
        review.role
        for review in selectors.current_reviews(usecase)
        if review.status in (ReviewStatus.APPROVED, ReviewStatus.APPROVED_WITH_CONDITIONS)
    }
    missing = [str(Role(role).label) for role in verdict.summary.get("reviews", []) if role not in approved]
    return DomainError(
        _(
            "Under the current rules this stage needs a review by %(roles)s first. Submit the use case again "
            "for this stage."
        )
        % {"roles": ", ".join(missing)},
        code="rules",
    )


def usecase_stage_move(*, actor: Actor, usecase: UseCase, stage: str, expected_version: int | None = None) -> UseCase:
    """Move ``usecase`` to ``stage``: pilot or production once approved, retired at any time."""
    with prepared_verdicts():
        if stage in (Stage.PILOT, Stage.PRODUCTION):
            _prepare_stage(usecase, stage)
        return _usecase_stage_move(actor=actor, usecase=usecase, stage=stage, expected_version=expected_version)


def _prepare_stage(usecase: UseCase, stage: str) -> None:
    """The verdict of an approved use case in ``stage``, evaluated before the write lock (see
    ``guardrails.services.verdict_prepare``); the write checks everything again."""
    if not guardrails.verdict_prepare_needed():
        return
    stored = UseCase.objects.select_related("unit").filter(pk=usecase.pk).first()
    moved = UseCase.objects.select_related("unit").filter(pk=usecase.pk).first()
    if stored is None or moved is None or stored.status != Status.APPROVED or stored.stage == stage:
        return
    moved.stage = stage
    guardrails.verdict_prepare(usecase=moved, stored=stored)


@write_atomic
def _usecase_stage_move(*, actor: Actor, usecase: UseCase, stage: str, expected_version: int | None = None) -> UseCase:
    """The write of :func:`usecase_stage_move`, in one transaction."""
    usecase = usecase_locked(usecase)
    check(actor, "decisions.move_usecase", usecase)
    check_version(usecase, expected_version)
    if stage not in Stage.values or stage == Stage.IDEA:
        raise DomainError(_("Choose pilot, production or retired."), field="stage")
    if usecase.stage == Stage.RETIRED:
        raise DomainError(_("This use case is retired. Register a new one to use it again."), code="state")
    if stage == usecase.stage:
        raise DomainError(_("The use case is in that stage already."), code="state")
    if stage != Stage.RETIRED:
        if usecase.status != Status.APPROVED:
            raise DomainError(_("Only an approved use case goes into pilot or production."), code="state")
        if stage == Stage.PRODUCTION:
            approval = selectors.current_approval(usecase)
            if approval is None or approval.scope != ApprovalScope.PRODUCTION:
                raise DomainError(
                    _(
                        "The approval covers a pilot only. Submit the use case again so that the team "
                        "lead can approve it for production."
                    ),
                    code="scope",
                )
            blocking = list(
                Obligation.objects.filter(usecase=usecase, blocking=True, status=ObligationStatus.OPEN).order_by(
                    "due_on", "pk"
                )
            )
            if blocking:
                titles = ", ".join(f"“{obligation.title(_lang())}”" for obligation in blocking)
                raise DomainError(
                    _("These obligations must be done before production: %(titles)s.") % {"titles": titles},
                    code="obligations",
                )
    try:
        with write_atomic():  # undone as a whole when the rules ask for more in the new stage
            return _stage_set(actor, usecase, stage)
    except _Refused as refused:
        raise refused.error from None


class _Refused(Exception):
    def __init__(self, error: DomainError) -> None:
        super().__init__(str(error.message))
        self.error = error


def _stage_set(actor: Actor, usecase: UseCase, stage: str) -> UseCase:
    usecase_transition(
        actor=actor, usecase=usecase, cause=Cause.MOVE, stage=stage, action="decisions.usecase.stage_moved"
    )
    search.usecase_index(usecase)
    if stage != Stage.RETIRED:
        guardrails.verdict_refresh(usecase=usecase, actor=actor)
        usecase = usecase_reroute(actor=actor, usecase=usecase, bump_version=False)
        if usecase.status != Status.APPROVED:
            raise _Refused(_refused_by_rules(usecase))
    return usecase


def _lang() -> str:
    return translation.get_language() or "de"


@write_atomic
def usecase_expire(*, usecase: UseCase, actor: Actor = None, today: Any = None) -> bool:
    """End an approval whose validity passed: the use case is due for re-certification.

    The owner (and the unit's lead) are told; the owner checks the answers and submits it again.
    Returns whether it expired now (``False``: not approved, retired, or still valid).
    """
    check(actor, "decisions.expire_usecase", usecase)
    usecase = usecase_locked(usecase)
    if usecase.status != Status.APPROVED or usecase.stage == Stage.RETIRED:
        return False
    approval = selectors.current_approval(usecase)
    if approval is None or approval.expires_on is None or approval.expires_on >= (today or clock.localdate()):
        return False
    usecase_transition(
        actor=actor,
        usecase=usecase,
        cause=Cause.EXPIRE,
        to=Status.EXPIRED,
        action="decisions.usecase.expired",
        after={"expires_on": approval.expires_on.isoformat()},
    )
    emit(events.RecertificationDue(usecase=usecase, expires_on=approval.expires_on, expired=True))
    return True


def usecase_submit_for_production(*, actor: Actor, usecase: UseCase, expected_version: int | None = None) -> UseCase:
    """Ask for production when the rules want more for it than for the pilot: a new submission in
    the stage production, which goes the way its verdict names (reviews, then the team lead)."""
    with prepared_verdicts():
        _prepare_stage(usecase, Stage.PRODUCTION)
        return _usecase_submit_for_production(actor=actor, usecase=usecase, expected_version=expected_version)


@write_atomic
def _usecase_submit_for_production(*, actor: Actor, usecase: UseCase, expected_version: int | None = None) -> UseCase:
    """The write of :func:`usecase_submit_for_production`, in one transaction."""
    check(actor, "decisions.move_usecase", usecase)
    if usecase.status != Status.APPROVED or usecase.stage == Stage.PRODUCTION:
        raise DomainError(
            _("Only an approved use case that is not in production yet is submitted for it."), code="state"
        )
    usecase = usecase_locked(usecase)
    check_version(usecase, expected_version)
    usecase_transition(
        actor=actor,
        usecase=usecase,
        cause=Cause.SUBMIT,
        to=Status.SUBMITTED,
        stage=Stage.PRODUCTION,
        action="usecase.submitted",
        snapshot=True,
    )
    search.usecase_index(usecase)
    guardrails.verdict_refresh(usecase=usecase, actor=actor)
    return usecase_route(actor=actor, usecase=usecase, bump_version=False)
