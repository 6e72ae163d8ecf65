"""The lifecycle of a use case as one table: which status and stage follow which, on what cause,
triggered by whom, needing what.

Every change of a use case's ``status`` or ``stage`` goes through :func:`usecase_transition`, which
looks the change up in :data:`STATUS_TRANSITIONS` / :data:`STAGE_TRANSITIONS`, checks who triggers
it and what it requires (an approval that stands, one that covers the stage), stores it, counts the
version up and writes the audit event. A change that is not in the table is a :class:`DomainError`
with the code ``transition``; nothing is stored. The services of ``decisions`` (routing, reviews,
approvals, stage moves, expiry) and ``usecases`` (submitting, the stage declared in the intake)
name the cause; the table, not the caller, decides whether it is allowed.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from leitplanke.audit.services import event_record
from leitplanke.common import clock
from leitplanke.common.actors import Actor
from leitplanke.common.errors import DomainError, PermissionDenied
from leitplanke.common.events import emit
from leitplanke.guardrails.models import Verdict
from leitplanke.usecases.models import Stage, Status, UseCase
from leitplanke.usecases.selectors import can_edit
from leitplanke.usecases.services import missing_for_submit

from . import events, selectors
from .models import APPROVING, ApprovalScope, Review


class Cause(enum.StrEnum):
    """Why a use case changes its status or stage."""

    SUBMIT = "submit"  # the owning unit submits it (again), also for production
    ROUTE = "route"  # the rules set the way of a new submission
    REROUTE = "reroute"  # a changed verdict changes the way
    REVIEW = "review"  # a reviewer's decision
    APPROVE = "approve"  # the team lead's approval
    EXPIRE = "expire"  # the approval's validity passed (the periodic job)
    DECLARE = "declare"  # the owning unit says in the intake how far the use case has come
    MOVE = "move"  # the owning unit moves an approved use case on, or retires it


class Who(enum.StrEnum):
    """Who may trigger a transition."""

    OWNER = "owner"  # the owning unit, the owner and the contributors
    REVIEWER = "reviewer"  # a reviewer who decided a review of the current submission
    APPROVER = "approver"  # the lead or deputy the guardrails name for the approval
    RULES = "rules"  # a consequence of another checked change (a verdict, the clock): anybody's


class Needs(enum.StrEnum):
    """What must hold before a transition happens."""

    NOTHING = "nothing"
    COMPLETE = "complete"  # every question answered ("unsure" counts)
    APPROVAL = "approval"  # an approval of the current submission covering the stage, every required review approving
    NOT_APPROVED = "not_approved"  # the declared stage is the owner's only until the use case is approved
    PILOT_APPROVAL = "pilot_approval"  # approved, with an approval of the current submission
    PRODUCTION_APPROVAL = "production_approval"  # approved for production, no blocking obligation open


@dataclass(frozen=True)
class Transition:
    """One row of the table: from any of ``sources`` to any of ``targets`` on ``cause``."""

    cause: Cause
    sources: frozenset[str]
    targets: frozenset[str]
    who: Who
    needs: Needs = Needs.NOTHING


S, G = Status, Stage
#: The states in which a use case is on its way to a decision or decided.
UNDER_DECISION = frozenset({S.BLOCKED, S.IN_REVIEW, S.AWAITING_APPROVAL, S.APPROVED})
_WAY = frozenset({S.BLOCKED, S.IN_REVIEW, S.AWAITING_APPROVAL})
_SUBMITTABLE = frozenset({S.DRAFT, S.CHANGES_REQUESTED, S.BLOCKED, S.EXPIRED, S.APPROVED})
_IN_USE = frozenset({G.IDEA, G.PILOT, G.PRODUCTION})

#: Which status follows which (a row's source and target may be equal: the way is set anew).
STATUS_TRANSITIONS: tuple[Transition, ...] = (
    Transition(Cause.SUBMIT, _SUBMITTABLE, frozenset({S.SUBMITTED}), Who.OWNER, Needs.COMPLETE),
    Transition(Cause.ROUTE, frozenset({S.SUBMITTED}), _WAY, Who.RULES),
    Transition(Cause.REROUTE, UNDER_DECISION, _WAY, Who.RULES),
    Transition(Cause.REROUTE, frozenset({S.APPROVED}), frozenset({S.APPROVED}), Who.RULES, Needs.APPROVAL),
    Transition(
        Cause.REVIEW,
        frozenset({S.IN_REVIEW}),
        frozenset({S.AWAITING_APPROVAL, S.CHANGES_REQUESTED, S.REJECTED}),
        Who.REVIEWER,
    ),
    Transition(Cause.APPROVE, frozenset({S.AWAITING_APPROVAL}), frozenset({S.APPROVED}), Who.APPROVER, Needs.APPROVAL),
    Transition(Cause.EXPIRE, frozenset({S.APPROVED}), frozenset({S.EXPIRED}), Who.RULES),
)
#: Which stage follows which; retired is reached from anywhere and left never (register a new use case).
STAGE_TRANSITIONS: tuple[Transition, ...] = (
    Transition(Cause.DECLARE, _IN_USE, _IN_USE, Who.OWNER, Needs.NOT_APPROVED),
    Transition(Cause.DECLARE, _IN_USE, frozenset({G.RETIRED}), Who.OWNER),
    Transition(Cause.SUBMIT, frozenset({G.IDEA, G.PILOT}), frozenset({G.PRODUCTION}), Who.OWNER),
    Transition(Cause.MOVE, frozenset({G.IDEA, G.PRODUCTION}), frozenset({G.PILOT}), Who.OWNER, Needs.PILOT_APPROVAL),
    Transition(
        Cause.MOVE, frozenset({G.IDEA, G.PILOT}), frozenset({G.PRODUCTION}), Who.OWNER, Needs.PRODUCTION_APPROVAL
    ),
    Transition(Cause.MOVE, _IN_USE, frozenset({G.RETIRED}), Who.OWNER),
)
#: How a use case starts: a draft, or submitted at once (the way is set right after).
INITIAL_STATUSES = frozenset({S.DRAFT, S.SUBMITTED})
del S, G


def usecase_locked(usecase: UseCase) -> UseCase:
    """``usecase`` read again and locked for the rest of the transaction (with its unit)."""
    return UseCase.objects.select_for_update(of=("self",)).select_related("unit").get(pk=usecase.pk)


def usecase_verdict(usecase: UseCase) -> Verdict:
    """The stored guardrail verdict of ``usecase`` (every submitted use case has one)."""
    verdict = Verdict.objects.filter(usecase=usecase).select_related("bundle").defer("bundle__files").first()
    if verdict is None:  # a missing one is a bug, not bad input
        raise DomainError(_("This use case has no guardrail verdict yet."))
    return verdict


def find(table: Iterable[Transition], cause: Cause, source: str, target: str) -> Transition | None:
    """The row of ``table`` that allows ``source`` → ``target`` on ``cause``, if any."""
    return next((row for row in table if row.cause == cause and source in row.sources and target in row.targets), None)


def _refused(table: tuple[Transition, ...], source: str, target: str) -> DomainError:
    if table is STATUS_TRANSITIONS:
        message = _("A use case cannot go from “%(source)s” to “%(target)s” this way.")
        labels = dict(Status.choices)
    else:
        message = _("A use case cannot move from the stage “%(source)s” to “%(target)s” this way.")
        labels = dict(Stage.choices)
    return DomainError(
        message % {"source": labels.get(source, source), "target": labels.get(target, target)}, code="transition"
    )


def _check_who(row: Transition, actor: Actor, usecase: UseCase) -> None:
    if row.who == Who.APPROVER:
        level = selectors.approval_level(usecase)
        if level.unit is None or not level.allows(actor):
            raise PermissionDenied(_("Only the team lead responsible under the guardrails approves this use case."))
    elif row.who == Who.REVIEWER:
        if not Review.objects.filter(usecase=usecase, submission=usecase.submission, decided_by=actor).exists():
            raise PermissionDenied(_("This review is routed to other reviewers."))
    elif row.who == Who.OWNER and row.cause == Cause.MOVE and not can_edit(actor, usecase):
        # The same rule as the permission decisions.move_usecase, which the moving services check first;
        # submitting and the declared stage are checked by usecases.submit_usecase and change_usecase.
        raise PermissionDenied(_("Only the owning unit moves its use case on."))


def approval_stands(usecase: UseCase) -> bool:
    """Whether ``usecase`` has an approval of its current submission that covers its stage (one in
    production needs a production approval) under a verdict that is not a block and whose every
    required review of that submission approved."""
    approval = selectors.current_approval(usecase)
    if approval is None or approval.submission != usecase.submission:
        return False
    if usecase.stage == Stage.PRODUCTION and approval.scope != ApprovalScope.PRODUCTION:
        return False
    verdict = usecase_verdict(usecase)
    if verdict.decision == "blocked":
        return False
    approved = set(
        Review.objects.filter(usecase=usecase, submission=usecase.submission, status__in=APPROVING).values_list(
            "role", flat=True
        )
    )
    return all(role in approved for role in verdict.summary.get("reviews", []))


def _check_needs(row: Transition, usecase: UseCase, status: str) -> None:
    if row.needs == Needs.COMPLETE:
        missing = missing_for_submit(usecase)
        if missing:
            raise DomainError(_("Please answer this question before submitting."), field=missing[0], code="incomplete")
    elif row.needs == Needs.APPROVAL and not approval_stands(usecase):
        approval = selectors.current_approval(usecase)
        if usecase.stage == Stage.PRODUCTION and approval is not None and approval.scope != ApprovalScope.PRODUCTION:
            raise DomainError(
                _("This use case is in production: approve it for production."), field="scope", code="scope"
            )
        raise DomainError(_("This use case has no approval that stands under its verdict."), code="approval")
    elif row.needs == Needs.NOT_APPROVED and status == Status.APPROVED:
        raise DomainError(
            _(
                "An approved use case moves into pilot or production with the buttons on its page, so that the "
                "rules can check it first."
            ),
            field="stage",
            code="lifecycle",
        )
    elif row.needs in (Needs.PILOT_APPROVAL, Needs.PRODUCTION_APPROVAL):
        if status != Status.APPROVED or not approval_stands(usecase):
            raise DomainError(_("Only an approved use case goes into pilot or production."), code="state")
        approval = selectors.current_approval(usecase)
        if row.needs == Needs.PRODUCTION_APPROVAL and (approval is None or approval.scope != ApprovalScope.PRODUCTION):
            raise DomainError(
                _(
                    "The approval covers a pilot only. Submit the use case again so that the team "
                    "lead can approve it for production."
                ),
                code="scope",
            )


def transition_check(
    *, actor: Actor, usecase: UseCase, cause: Cause, to: str | None = None, stage: str | None = None
) -> None:
    """Refuse (:class:`DomainError`, code ``transition``) a change the table does not allow, by an
    actor it does not name, or whose requirement does not hold; nothing changes either way."""
    status = usecase.status
    for table, source, target in ((STATUS_TRANSITIONS, usecase.status, to), (STAGE_TRANSITIONS, usecase.stage, stage)):
        if target is None:
            continue
        row = find(table, cause, source, target)
        if row is None:
            raise _refused(table, source, target)
        _check_who(row, actor, usecase)
        _check_needs(row, usecase, status)
        if table is STATUS_TRANSITIONS:
            status = target


def usecase_transition(
    *,
    actor: Actor,
    usecase: UseCase,
    cause: Cause,
    action: str,
    to: str | None = None,
    stage: str | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    snapshot: bool = False,
    digest: str | None = None,
    bump_version: bool = True,
) -> UseCase:
    """Change the status (``to``) and/or the ``stage`` of a locked ``usecase`` on ``cause``, as the
    table allows, and record it as ``action``.

    The audit event's before/after hold the old and new status (and stage, if it changes), next to
    what the caller adds (``before``/``after``, or the whole snapshot of the use case with
    ``snapshot``). ``digest`` stores the verdict the way now follows. A use case that now waits for
    the lead's approval tells the approvers, except ``actor``. Runs in the caller's transaction.
    """
    transition_check(actor=actor, usecase=usecase, cause=cause, to=to, stage=stage)
    old = {"status": usecase.status, "stage": usecase.stage}
    whole_before = usecase.audit_snapshot() if snapshot else {}
    usecase.updated_at = clock.now()
    fields = ["updated_at"]
    if to is not None:
        if to in (Status.APPROVED, Status.REJECTED):
            if usecase.status != to or usecase.decided_at is None:
                usecase.decided_at = clock.now()
        elif to != Status.EXPIRED:  # an expired approval was still a decision, when it was made
            usecase.decided_at = None
        usecase.status = to
        fields += ["status", "decided_at"]
    if stage is not None:
        usecase.stage = stage
        fields.append("stage")
    if bump_version:
        usecase.version += 1
        fields.append("version")
    if digest is not None:
        usecase.decision_digest = digest
        fields.append("decision_digest")
    usecase.save(update_fields=fields)
    changed = ["status"] if to is not None else []
    changed += ["stage"] if stage is not None else []
    if snapshot:
        event_before, event_after = whole_before, usecase.audit_snapshot()
    else:
        event_before = {**{name: old[name] for name in changed}, **(before or {})}
        event_after = {**{name: getattr(usecase, name) for name in changed}, **(after or {})}
    event_record(actor=actor, action=action, target=usecase, before=event_before, after=event_after)
    if to == Status.AWAITING_APPROVAL:
        emit(events.ApprovalWaiting(actor=actor, usecase=usecase))
    return usecase
