"""The demo company's decisions: reviews done, pending and returned, use cases approved by their leads.

Run after the demo use cases exist (they are routed when they are registered). Everything goes
through the services, as people would do it. It acts only once: when any review was decided or any
use case approved, it leaves the decisions alone.

Then the demo gets a history: the services did everything just now, so the times of the demo's use
cases, reviews, approvals and obligations are moved into the past (submitted some 5 to 120 days ago,
reviews decided days or weeks later, some past their deadline), so the metrics mean something. The
audit events keep their real times. The history is drawn from a fixed seed: every fresh demo looks
the same, and a second run leaves it alone with the decisions.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.utils import timezone

from leitplanke.common.transactions import write_atomic
from leitplanke.literacy.selectors import qualification_of
from leitplanke.org.models import RoleAssignment
from leitplanke.usecases.demo import USE_CASES
from leitplanke.usecases.models import Status, UseCase

from . import selectors, services
from .models import Approval, Obligation, ObligationStatus, Review, ReviewStatus

#: What happens to the reviews of the n-th use case in review (n modulo the length).
REVIEW_PLAN = ("approve", "approve_with_conditions", "leave", "request_changes", "approve", "leave", "reject")
CONDITIONS = {
    "data_protection": "Löschfristen festlegen und die Beschäftigten vor dem Start informieren.",
    "works_council": "Keine Auswertung einzelner Beschäftigter; Betriebsvereinbarung vor dem Produktivstart.",
    "information_security": "Nur über das Firmenkonto mit Single Sign-on nutzen.",
    "legal": "Kennzeichnung der erzeugten Inhalte gemäß Art. 50 KI-Verordnung.",
    "ai_governance": "Menschliche Aufsicht durch geschulte Personen; Protokolle sechs Monate aufbewahren.",
}


def _reviewer(review: Review) -> Any:
    people = (
        get_user_model()
        .objects.filter(pk__in=RoleAssignment.objects.filter(role=review.role).values("person_id"), is_active=True)
        .order_by("username")
    )
    return next((person for person in people if selectors.can_decide_review(person, review)), None)


def load() -> dict[str, int]:
    """Decide some demo reviews and approve some demo use cases; returns how many of each."""
    done = {"reviews": 0, "approvals": 0}
    titles = [spec.title for spec in USE_CASES]
    demo = UseCase.objects.filter(title__in=titles).order_by("pk")
    if (
        Review.objects.filter(usecase__in=demo).exclude(decided_by=None).exists()
        or Approval.objects.filter(usecase__in=demo).exists()
    ):
        return done
    for number, usecase in enumerate(demo.filter(status=Status.IN_REVIEW)):
        plan = REVIEW_PLAN[number % len(REVIEW_PLAN)]
        if plan == "leave":
            continue
        for review in Review.objects.filter(usecase=usecase, status=ReviewStatus.OPEN).order_by("role"):
            reviewer = _reviewer(review)
            if reviewer is None:
                continue
            if plan == "request_changes":
                services.review_decide(
                    actor=reviewer,
                    review=review,
                    outcome=ReviewStatus.CHANGES_REQUESTED,
                    comment="Bitte genauer beschreiben, welche Daten verarbeitet werden und wer die Ergebnisse prüft.",
                )
                done["reviews"] += 1
                break
            if plan == "reject":
                services.review_decide(
                    actor=reviewer,
                    review=review,
                    outcome=ReviewStatus.REJECTED,
                    comment="In dieser Form nicht vertretbar: Die Ergebnisse würden über "
                    "Personen entscheiden, ohne dass jemand sie nachprüft.",
                )
                done["reviews"] += 1
                break
            with_conditions = plan == "approve_with_conditions"
            services.review_decide(
                actor=reviewer,
                review=review,
                outcome=ReviewStatus.APPROVED_WITH_CONDITIONS if with_conditions else ReviewStatus.APPROVED,
                conditions=CONDITIONS.get(review.role, "") if with_conditions else "",
            )
            done["reviews"] += 1
    for number, usecase in enumerate(demo.filter(status=Status.AWAITING_APPROVAL)):
        if number % 3 == 2:
            continue  # some wait for their lead
        level = selectors.approval_level(usecase)
        if not level.approvers:
            continue
        services.usecase_approve(
            actor=level.approvers[0], usecase=usecase, scope="production" if usecase.stage == "production" else "pilot"
        )
        done["approvals"] += 1
    open_duties = (
        Obligation.objects.filter(usecase__in=demo, status=ObligationStatus.OPEN)
        .select_related("usecase", "owner")
        .order_by("pk")
    )
    for number, obligation in enumerate(open_duties):
        if number % 2 == 0:  # about half of the duties are done, with their evidence
            services.obligation_complete(
                actor=obligation.owner,
                obligation=obligation,
                evidence="Erledigt und im Teamlaufwerk dokumentiert (Demodaten).",
            )
    _give_history(demo)
    _date_notifications(demo)
    return done


# --- history --------------------------------------------------------------------------------------

#: The seed of the demo's history (with each use case's title): the same dates on every fresh demo.
HISTORY_SEED = "Beispiel AG"
#: Business days a demo review of each role takes to be decided (their deadlines, in
#: ``settings.REVIEW_DEADLINE_DAYS``: 5, 5, 10, 10, 15): mostly within, sometimes over.
REVIEW_DAYS = {
    "information_security": (1, 6),
    "ai_governance": (1, 6),
    "data_protection": (3, 12),
    "legal": (3, 12),
    "works_council": (8, 18),  # it waits for a council meeting
}
#: Business days from the (latest) submission to today, by state: (fewest, most), the recent ones
#: more often (so that not every open obligation of an approval is overdue).
AGE: dict[str, tuple[int, int]] = {
    Status.APPROVED: (5, 85),
    Status.REJECTED: (5, 70),
    Status.CHANGES_REQUESTED: (5, 40),
    Status.BLOCKED: (5, 85),
}
#: Business days the n-th use case in review has waited (n modulo the length): with five business
#: days for information security and ten for data protection, some reviews are overdue, some not.
IN_REVIEW_AGE = (16, 5, 12, 6)
#: Review outcomes that end a submission.
ENDING = frozenset({ReviewStatus.REJECTED, ReviewStatus.CHANGES_REQUESTED})


def _business_days_before(day: dt.date, days: int) -> dt.date:
    """``day`` minus ``days`` working days (Monday to Friday)."""
    while days > 0:
        day -= dt.timedelta(days=1)
        if day.weekday() < 5:
            days -= 1
    return day


def _business_days_since(start: dt.date, today: dt.date) -> int:
    """How many working days one can go back from ``today`` without going before ``start``."""
    days, day = 0, _business_days_before(today, 1)
    while day >= start:
        days, day = days + 1, _business_days_before(day, 1)
    return days


def _at(day: dt.date, rng: random.Random) -> dt.datetime:
    """A moment in office hours on ``day``, local time."""
    moment = dt.time(rng.randint(8, 16), rng.randint(0, 59), rng.randint(0, 59))
    return dt.datetime.combine(day, moment, tzinfo=timezone.get_current_timezone())


def _completed(created: dt.datetime, due: dt.date, today: dt.date, now: dt.datetime, rng: random.Random) -> dt.datetime:
    """When a done obligation was done: a working day before it was due (now and then after)."""
    start = timezone.localdate(created)
    late = rng.random() < 0.2 and due < today - dt.timedelta(days=1)
    first, end = (due, today) if late else (start, min(due + dt.timedelta(days=1), today))  # end: not on it
    days = [first + dt.timedelta(days=n) for n in range(1, (end - first).days)]
    days = [day for day in days if day.weekday() < 5]
    if not days:  # created yesterday or today: done a few hours later
        return min(created + dt.timedelta(hours=rng.randint(1, 4)), now)
    return _at(rng.choice(days), rng)


@write_atomic
def _give_history(demo: QuerySet[UseCase]) -> None:
    """Move the decisions the services just made into the past (see the module's docstring).

    Only through ``update()`` (no new versions, no audit events): the audit events keep their times.
    """
    now, today = timezone.now(), timezone.localdate()
    qualification = selectors.required_qualification()
    in_review = 0
    for usecase in demo.order_by("pk"):
        rng = random.Random(f"{HISTORY_SEED}: {usecase.title}")  # noqa: S311 - demo dates, not secrets
        if usecase.submitted_at is None:  # a draft: started some days ago, saved since
            age = rng.randint(3, 40)
            started = _business_days_before(today, age)
            UseCase.objects.filter(pk=usecase.pk).update(
                created_at=_at(started, rng),
                updated_at=_at(selectors.add_business_days(started, rng.randint(1, age - 1)), rng),
            )
            continue
        reviews = list(Review.objects.filter(usecase=usecase, submission=usecase.submission).order_by("role", "pk"))
        took = {
            review.pk: rng.randint(*REVIEW_DAYS.get(review.role, (3, 10)))
            for review in reviews
            if review.decided_at is not None
        }
        for review in reviews:  # a rejection or a request for changes ended the submission: it came last
            if review.status in ENDING and review.pk in took:
                took[review.pk] = max(took.values())
        approval = Approval.objects.filter(usecase=usecase, submission=usecase.submission).order_by("pk").last()
        gap = rng.randint(1, 5 if took else 3) if approval is not None else 0
        needed = max(took.values(), default=0) + gap
        if usecase.status == Status.IN_REVIEW:
            age = IN_REVIEW_AGE[in_review % len(IN_REVIEW_AGE)]
            in_review += 1
            took = {pk: min(days, age - 1) for pk, days in took.items()}
        elif usecase.status == Status.AWAITING_APPROVAL:  # the lead has not come round to it yet
            age = needed + rng.randint(1, 8) if took else rng.randint(5, 12)
        else:
            fewest, most = AGE.get(usecase.status, (5, 60))
            if approval is not None and qualification:  # the lead approved once qualified, not before
                completion = qualification_of(approval.approved_by, qualification)
                if completion is not None:
                    most = min(most, needed + _business_days_since(completion.completed_on, today))
            fewest = max(fewest, needed + 1)
            age = round(rng.triangular(fewest, max(most, fewest), fewest))
        started = _business_days_before(today, age)
        while (today - started).days < 6:  # at least five days ago, on a weekend too
            started = _business_days_before(started, 1)
        submitted = _at(started, rng)
        moments = [submitted]
        decided: dict[int, dt.datetime] = {}
        for review in reviews:
            due_on = selectors.due_date(review.role, start=started)
            if review.pk in took:
                decided[review.pk] = _at(selectors.add_business_days(started, took[review.pk]), rng)
                moments.append(decided[review.pk])
            Review.objects.filter(pk=review.pk).update(
                created_at=submitted, due_on=due_on, decided_at=decided.get(review.pk)
            )
        approved = None
        if approval is not None:
            last = max(moments)
            approved = _at(selectors.add_business_days(timezone.localdate(last), gap), rng)
            moments.append(approved)
            shift = approved.date() - timezone.localdate(approval.approved_at)
            Approval.objects.filter(pk=approval.pk).update(
                approved_at=approved,
                expires_on=approval.expires_on + shift if approval.expires_on else None,
            )
        decided_at = None
        if usecase.decided_at is not None:  # approved, or rejected by a review
            decided_at = approved if approved is not None else max(moments)
        UseCase.objects.filter(pk=usecase.pk).update(
            created_at=_at(_business_days_before(started, rng.randint(1, 15)), rng),
            submitted_at=submitted,
            decided_at=decided_at,
            updated_at=max(moments),
        )
        for obligation in Obligation.objects.filter(usecase=usecase, submission=usecase.submission).order_by("pk"):
            opened = decided.get(obligation.review_id) if obligation.review_id else approved
            if opened is None:
                continue
            due = timezone.localdate(opened) + (obligation.due_on - timezone.localdate(obligation.created_at))
            Obligation.objects.filter(pk=obligation.pk).update(
                created_at=opened,
                due_on=due,
                completed_at=(
                    _completed(opened, due, today, now, rng) if obligation.status == ObligationStatus.DONE else None
                ),
            )


def _date_notifications(demo: QuerySet[UseCase]) -> None:
    """Give the notifications the workflow wrote the times (and due dates) of what they report."""
    from leitplanke.notifications.models import Notification

    reviews = {review.pk: review for review in Review.objects.filter(usecase__in=demo)}
    usecases = {usecase.pk: usecase for usecase in demo}
    approvals = {(a.usecase_id, a.submission): a for a in Approval.objects.filter(usecase__in=demo)}
    for notification in Notification.objects.filter(usecase__in=demo):
        parts = notification.key.split("-")
        moment, params = None, dict(notification.params)
        if parts[0] == "review" and int(parts[1]) in reviews:
            review = reviews[int(parts[1])]
            moment = review.created_at if parts[-1] == "assigned" else review.decided_at
            params["due_on"] = review.due_on.isoformat()
        elif parts[0] == "usecase" and int(parts[1]) in usecases:
            usecase = usecases[int(parts[1])]
            approval = approvals.get((usecase.pk, int(parts[-1])))
            if parts[2] == "approved" and approval is not None:
                moment = approval.approved_at
            elif parts[2] == "awaiting":
                decided = [
                    r.decided_at
                    for r in reviews.values()
                    if r.usecase_id == usecase.pk and r.submission == usecase.submission and r.decided_at
                ]
                moment = max(decided, default=usecase.submitted_at)
        if moment is not None:
            Notification.objects.filter(pk=notification.pk).update(created_at=moment, params=params)
