"""Whom the decision workflow tells what: the notifications of reviews, decisions and deadlines.

Each function subscribes to an event of ``decisions.events`` (see ``apps.py``) and runs inside the
decision service's transaction; :func:`~leitplanke.notifications.services.notify` writes the inbox
rows there and the e-mails leave once it commits. The ``key`` of each notification makes it happen
once per person.
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from leitplanke.decisions import events, selectors
from leitplanke.decisions.models import ReviewStatus
from leitplanke.usecases.models import UseCase

from .models import Kind
from .services import notify


def _about(usecase: UseCase) -> dict[str, Any]:
    return {"title": usecase.title, "unit": usecase.unit.name if usecase.unit_id else ""}


def _page(usecase: UseCase) -> str:
    return reverse("usecases:detail", args=[usecase.pk])


def review_assigned(event: events.ReviewAssigned) -> None:
    """Tell the reviewers a review is routed to them."""
    actor, review = event.actor, event.review
    usecase = review.usecase
    notify(
        kind=Kind.REVIEW_ASSIGNED,
        recipients=selectors.reviewers_of(review),
        key=f"review-{review.pk}-assigned",
        usecase=usecase,
        link=reverse("decisions:review_detail", args=[review.pk]),
        actor=actor,
        params={**_about(usecase), "role": review.role, "due_on": review.due_on.isoformat()},
    )


def approval_waiting(event: events.ApprovalWaiting) -> None:
    """Tell the team lead (or deputy) who may approve that a use case waits for them."""
    actor, usecase = event.actor, event.usecase
    notify(
        kind=Kind.APPROVAL_WAITING,
        recipients=selectors.approval_level(usecase).approvers,
        key=f"usecase-{usecase.pk}-awaiting-{usecase.submission}",
        usecase=usecase,
        link=_page(usecase),
        actor=actor,
        params=_about(usecase),
    )


def review_decided(event: events.ReviewDecided) -> None:
    """Tell the owner (and the contributors) how a reviewer decided."""
    actor, review = event.actor, event.review
    usecase = review.usecase
    kind = Kind.CHANGES_REQUESTED if review.status == ReviewStatus.CHANGES_REQUESTED else Kind.DECISION_MADE
    text = review.conditions if review.status == ReviewStatus.APPROVED_WITH_CONDITIONS else review.comment
    notify(
        kind=kind,
        recipients=[usecase.owner],
        key=f"review-{review.pk}-decided",
        usecase=usecase,
        link=_page(usecase),
        actor=actor,
        params={
            **_about(usecase),
            "role": review.role,
            "outcome": review.status,
            "by": review.decided_by.name if review.decided_by else "",
            "comment": text,
        },
    )


def usecase_approved(event: events.UseCaseApproved) -> None:
    """Tell the owner the team lead approved."""
    actor, usecase = event.actor, event.usecase
    notify(
        kind=Kind.DECISION_MADE,
        recipients=[usecase.owner],
        key=f"usecase-{usecase.pk}-approved-{usecase.submission}",
        usecase=usecase,
        link=_page(usecase),
        actor=actor,
        params={**_about(usecase), "outcome": "usecase_approved", "by": actor.name if actor else ""},
    )


def review_deadline(event: events.ReviewDeadlineReached) -> None:
    """Remind the reviewers of a deadline near or passed; once passed, tell the lead and AI governance too."""
    review, passed = event.review, event.passed
    usecase = review.usecase
    params = {**_about(usecase), "role": review.role, "due_on": review.due_on.isoformat()}
    link = reverse("decisions:review_detail", args=[review.pk])
    kind = Kind.DEADLINE_PASSED if passed else Kind.DEADLINE_NEAR
    when = "passed" if passed else "near"
    notify(
        kind=kind,
        recipients=selectors.reviewers_of(review),
        key=f"review-{review.pk}-{review.due_on}-{when}",
        usecase=usecase,
        link=link,
        params=params,
    )
    if passed:
        responsible: list[Any] = [usecase.unit.lead, usecase.unit.deputy, *selectors.governance_people()]
        notify(
            kind=kind,
            recipients=responsible,
            key=f"review-{review.pk}-{review.due_on}-escalated",
            usecase=usecase,
            link=_page(usecase),
            params={**params, "escalation": True},
        )


def obligation_due(event: events.ObligationDue) -> None:
    """Remind the owner of an obligation that is due soon; once overdue, the unit's lead too."""
    obligation, overdue = event.obligation, event.overdue
    usecase = obligation.usecase
    recipients: list[Any] = [obligation.owner]
    if overdue:
        recipients += [usecase.unit.lead, usecase.unit.deputy]
    notify(
        kind=Kind.OBLIGATION_DUE,
        recipients=recipients,
        key=f"obligation-{obligation.pk}-{obligation.due_on}-{'overdue' if overdue else 'due'}",
        usecase=usecase,
        link=reverse("decisions:obligation_done", args=[obligation.pk]),
        params={
            **_about(usecase),
            "due_on": obligation.due_on.isoformat(),
            "overdue": overdue,
            "obligation_de": obligation.title_de,
            "obligation_en": obligation.title_en,
        },
    )


def recertification_due(event: events.RecertificationDue) -> None:
    """Tell the owner (and, once expired, the unit's lead) that re-certification is near or due."""
    usecase, expires_on, expired = event.usecase, event.expires_on, event.expired
    recipients: list[Any] = [usecase.owner]
    if expired:
        recipients += [usecase.unit.lead, usecase.unit.deputy]
    notify(
        kind=Kind.RECERTIFICATION_DUE,
        recipients=recipients,
        key=f"usecase-{usecase.pk}-recertify-{usecase.submission}-{'expired' if expired else 'soon'}",
        usecase=usecase,
        link=_page(usecase),
        params={**_about(usecase), "expires_on": expires_on.isoformat(), "expired": expired},
    )


#: Which function answers which event (subscribed in ``apps.py``).
SUBSCRIPTIONS = (
    (events.ReviewAssigned, review_assigned),
    (events.ApprovalWaiting, approval_waiting),
    (events.ReviewDecided, review_decided),
    (events.UseCaseApproved, usecase_approved),
    (events.ReviewDeadlineReached, review_deadline),
    (events.ObligationDue, obligation_due),
    (events.RecertificationDue, recertification_due),
)
