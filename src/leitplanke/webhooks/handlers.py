"""The webhook events, raised by the domain events of the apps below (subscribed in ``apps.py``).

Each handler runs inside the transaction of the change it reports and only queues deliveries
(:func:`~leitplanke.webhooks.services.event_emit`); the worker sends them once it commits.
"""

from __future__ import annotations

from leitplanke.decisions import events as decisions
from leitplanke.decisions.models import ReviewStatus
from leitplanke.decisions.selectors import current_approval
from leitplanke.guardrails import events as guardrails
from leitplanke.impact import events as impact

from . import payloads
from .services import event_emit


def usecase_submitted(event: decisions.UseCaseSubmitted) -> None:
    event_emit("usecase.submitted", lambda: payloads.usecase_submitted(event.usecase, actor=event.actor))


def review_assigned(event: decisions.ReviewAssigned) -> None:
    event_emit("review.assigned", lambda: payloads.review(event.review, actor=event.actor))


def review_decided(event: decisions.ReviewDecided) -> None:
    review = event.review
    event_emit("review.decided", lambda: payloads.review(review, actor=event.actor))
    if review.status == ReviewStatus.REJECTED:  # a rejection decides the use case
        event_emit(
            "usecase.decided",
            lambda: payloads.usecase_decided(review.usecase, outcome="rejected", actor=event.actor),
        )


def usecase_approved(event: decisions.UseCaseApproved) -> None:
    usecase = event.usecase
    event_emit(
        "usecase.decided",
        lambda: payloads.usecase_decided(
            usecase, outcome="approved", actor=event.actor, approval=current_approval(usecase)
        ),
    )


def obligation_due(event: decisions.ObligationDue) -> None:
    obligation = event.obligation
    if event.overdue:  # once per endpoint: the job looks at an overdue obligation on every run
        event_emit(
            "obligation.overdue",
            lambda: payloads.obligation(obligation),
            key=f"obligation-{obligation.pk}-{obligation.due_on}-overdue",
        )


def bundle_published(event: guardrails.BundlePublished) -> None:
    event_emit("policy.published", lambda: payloads.bundle(event.bundle, changed_verdicts=event.changed_verdicts))


def objective_changed(event: impact.ObjectiveChanged) -> None:
    event_emit("objective.changed", lambda: payloads.objective(event.objective, change=event.change, actor=event.actor))


def measurement_recorded(event: impact.MeasurementRecorded) -> None:
    event_emit("measurement.recorded", lambda: payloads.measurement(event.measurement, actor=event.actor))


#: Which function answers which event (subscribed in ``apps.py``).
SUBSCRIPTIONS = (
    (decisions.UseCaseSubmitted, usecase_submitted),
    (decisions.ReviewAssigned, review_assigned),
    (decisions.ReviewDecided, review_decided),
    (decisions.UseCaseApproved, usecase_approved),
    (decisions.ObligationDue, obligation_due),
    (guardrails.BundlePublished, bundle_published),
    (impact.ObjectiveChanged, objective_changed),
    (impact.MeasurementRecorded, measurement_recorded),
)
