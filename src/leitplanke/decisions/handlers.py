"""The decision workflow's answers to what the apps below it tell (``common.events``; subscribed in
``apps.py``): the lifecycle decides about a declared stage, a submission starts its way to a
decision, and a use case on its way follows its verdict when that changes."""

from __future__ import annotations

from leitplanke.guardrails.events import VerdictsStored
from leitplanke.usecases.events import StageDeclared, UseCaseSaved
from leitplanke.usecases.models import Status

from . import services
from .transitions import UNDER_DECISION, Cause, transition_check


def check_declared_stage(event: StageDeclared) -> None:
    """Refuse a stage the lifecycle table does not let the owning unit declare (nothing changes)."""
    transition_check(actor=event.actor, usecase=event.usecase, cause=Cause.DECLARE, stage=event.stage)


def follow_saved_usecase(event: UseCaseSaved) -> None:
    """Registered as submitted: start the way to a decision. On the way: follow the (new) verdict.

    Part of the saving change, which counted the version already (or created the use case); the
    guardrails, a lower layer, stored the verdict before this runs."""
    usecase = event.usecase
    before_status = event.before["status"] if event.before is not None else Status.DRAFT
    if usecase.status == Status.SUBMITTED and before_status != Status.SUBMITTED:
        services.usecase_route(actor=event.actor, usecase=usecase, bump_version=False)
    elif usecase.status in UNDER_DECISION:
        services.usecase_reroute(actor=event.actor, usecase=usecase, bump_version=False)


def follow_stored_verdicts(event: VerdictsStored) -> None:
    """Verdicts changed in bulk (a tool, a publication, a refresh): reroute what waits on them."""
    services.usecases_follow_verdicts(actor=event.actor, usecase_ids=event.usecase_ids)


#: Which function answers which event (subscribed in ``apps.py``).
SUBSCRIPTIONS = (
    (StageDeclared, check_declared_stage),
    (UseCaseSaved, follow_saved_usecase),
    (VerdictsStored, follow_stored_verdicts),
)
