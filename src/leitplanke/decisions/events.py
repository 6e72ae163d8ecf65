"""What the decision workflow tells the apps above it (``common.events``): notifications writes its
inbox rows and e-mails from these, webhooks its deliveries. Emitted inside the service's transaction."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from leitplanke.common.actors import Actor
from leitplanke.usecases.models import UseCase

from .models import Obligation, Review


@dataclass(frozen=True)
class UseCaseSubmitted:
    """A submitted use case was routed: its way to a decision is set."""

    actor: Actor
    usecase: UseCase


@dataclass(frozen=True)
class ReviewAssigned:
    """A review was routed to the reviewers of one role."""

    actor: Actor
    review: Review


@dataclass(frozen=True)
class ApprovalWaiting:
    """A use case waits for the team lead's (or deputy's) approval."""

    actor: Actor
    usecase: UseCase


@dataclass(frozen=True)
class ReviewDecided:
    """A reviewer decided; a rejection decides the use case."""

    actor: Actor
    review: Review


@dataclass(frozen=True)
class UseCaseApproved:
    """The team lead approved the use case."""

    actor: Actor
    usecase: UseCase


@dataclass(frozen=True)
class ReviewDeadlineReached:
    """A review's deadline is near (``passed`` false) or passed (the periodic job)."""

    review: Review
    passed: bool


@dataclass(frozen=True)
class ObligationDue:
    """An obligation is due soon (``overdue`` false) or overdue (the periodic job)."""

    obligation: Obligation
    overdue: bool


@dataclass(frozen=True)
class RecertificationDue:
    """An approval expires soon (``expired`` false) or expired: the use case needs re-certification."""

    usecase: UseCase
    expires_on: dt.date
    expired: bool
