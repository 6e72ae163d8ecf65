"""The periodic job of the decision workflow, run by the worker every few minutes.

It reminds reviewers before a deadline, escalates after it (to the unit's lead and AI
governance), reminds owners of obligations due soon and overdue, reminds owners before an approval
expires and, once it has, makes re-certification due. Every step is idempotent (a notification
happens once per key, an expiry once), so the job may run as often as wanted, by several workers.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings

from leitplanke.common import clock
from leitplanke.common.events import emit
from leitplanke.common.transactions import write_atomic
from leitplanke.usecases.models import Stage, Status, UseCase

from . import events, lifecycle, selectors
from .models import Approval, Obligation, ObligationStatus, Review, ReviewStatus

logger = logging.getLogger(__name__)


def deadlines_run(*, today: dt.date | None = None) -> dict[str, int]:
    """Run every periodic step once; returns how many objects each step looked at or changed."""
    today = today or clock.localdate()
    counts = {
        "reviews_near": 0,
        "reviews_overdue": 0,
        "obligations_due": 0,
        "obligations_overdue": 0,
        "recertification_soon": 0,
        "expired": 0,
    }
    near_until = selectors.add_business_days(today, settings.REVIEW_REMINDER_DAYS)
    reviews = Review.objects.filter(status=ReviewStatus.OPEN, due_on__lte=near_until).select_related(
        "usecase", "usecase__unit", "usecase__unit__lead", "usecase__unit__deputy", "unit"
    )
    for review in reviews.iterator(chunk_size=500):
        passed = review.due_on < today
        with write_atomic():
            emit(events.ReviewDeadlineReached(review=review, passed=passed))
        counts["reviews_overdue" if passed else "reviews_near"] += 1
    due_until = today + dt.timedelta(days=settings.OBLIGATION_REMINDER_DAYS)
    obligations = Obligation.objects.filter(
        status=ObligationStatus.OPEN,
        due_on__lte=due_until,
        usecase__stage__in=[Stage.IDEA, Stage.PILOT, Stage.PRODUCTION],
    ).select_related("usecase", "usecase__unit", "usecase__unit__lead", "usecase__unit__deputy", "owner")
    for obligation in obligations.iterator(chunk_size=500):
        overdue = obligation.due_on < today
        with write_atomic():
            emit(events.ObligationDue(obligation=obligation, overdue=overdue))
        counts["obligations_overdue" if overdue else "obligations_due"] += 1
    remind_from = today + dt.timedelta(days=settings.RECERTIFICATION_REMINDER_DAYS)
    approvals = (
        Approval.objects.filter(usecase__status=Status.APPROVED, expires_on__lte=remind_from)
        .exclude(usecase__stage=Stage.RETIRED)
        .select_related("usecase", "usecase__unit", "usecase__unit__lead", "usecase__unit__deputy", "usecase__owner")
        .order_by("usecase_id", "-approved_at", "-pk")
    )
    seen: set[int] = set()
    for approval in approvals.iterator(chunk_size=500):
        usecase: UseCase = approval.usecase
        if usecase.pk in seen or approval.submission != usecase.submission or approval.expires_on is None:
            continue  # only the latest approval of the current submission counts
        seen.add(usecase.pk)
        if approval.expires_on < today:
            if lifecycle.usecase_expire(usecase=usecase, today=today):
                counts["expired"] += 1
        else:
            with write_atomic():
                emit(events.RecertificationDue(usecase=usecase, expires_on=approval.expires_on, expired=False))
            counts["recertification_soon"] += 1
    logger.info("Periodic job: %s", counts)
    return counts
