"""Where decisions wait: time to decision, waiting time per review role, the share decided by team leads.

Definitions (shown on the page as well):

* *time to decision* of a use case: from the start of its latest submission (``submitted_at``) to
  its approval or rejection (``decided_at``), in days;
* *decided by the team lead without review*: approved use cases whose latest submission had no
  review (cancelled ones do not count), among all approved or rejected ones;
* *waiting time* of a review: from its request to its decision (decided reviews) or to now (open
  ones), in days.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.db.models import Exists, OuterRef
from django.utils import timezone

from leitplanke.org.models import REVIEW_ROLES, OrgUnit, Role
from leitplanke.org.selectors import has_role
from leitplanke.usecases.models import Status, UseCase

from .models import Obligation, ObligationStatus, Review, ReviewStatus

#: Age bands of open reviews, in days: (upper bound inclusive, key).
AGE_BANDS = ((7, "week"), (14, "two_weeks"), (None, "older"))


def can_read_metrics(user: Any) -> bool:
    """AI governance, leadership and auditors (company-wide) see where decisions wait."""
    return any(has_role(user, role) for role in (Role.AI_GOVERNANCE, Role.LEADERSHIP, Role.AUDITOR))


def _days(delta: dt.timedelta) -> float:
    return delta.total_seconds() / 86400


def _p90(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.9 * (len(ordered) - 1)))]


@dataclass
class Spread:
    """How many, and the median and 90th percentile in days."""

    count: int
    median: float | None
    p90: float | None

    @classmethod
    def of(cls, values: list[float]) -> Spread:
        if not values:
            return cls(0, None, None)
        return cls(len(values), statistics.median(values), _p90(values))


@dataclass
class Bottlenecks:
    """Every figure of the metrics page."""

    decided: int
    by_team_lead: int
    per_department: list[tuple[str, Spread]]
    overall: Spread
    open_by_role: list[tuple[str, dict[str, int], int]]
    waiting_by_role: list[tuple[str, Spread, Spread]]

    @property
    def team_lead_share(self) -> float | None:
        """The share of decided use cases the team lead decided without any review."""
        return self.by_team_lead / self.decided if self.decided else None


def bottlenecks(*, now: dt.datetime | None = None) -> Bottlenecks:
    """The figures over every use case (the page is for roles that see every use case)."""
    moment = now or timezone.now()
    reviewed = Review.objects.filter(usecase=OuterRef("pk"), submission=OuterRef("submission")).exclude(
        status=ReviewStatus.CANCELLED
    )
    decided = list(
        UseCase.objects.filter(
            status__in=(Status.APPROVED, Status.REJECTED, Status.EXPIRED),
            decided_at__isnull=False,
            submitted_at__isnull=False,
        )
        .annotate(reviewed=Exists(reviewed))
        .values_list("status", "reviewed", "submitted_at", "decided_at", "unit__path")
    )
    departments = {unit.pk: unit.name for unit in OrgUnit.objects.filter(depth__lte=1)}
    per_department: dict[str, list[float]] = defaultdict(list)
    durations = []
    for _status, _reviewed, submitted, done, path in decided:
        if submitted is None or done is None:  # filtered out above; for the type checker
            continue
        days = _days(done - submitted)
        durations.append(days)
        ids = [int(part) for part in path.strip("/").split("/") if part]
        department = departments.get(ids[1] if len(ids) > 1 else ids[0], "—")
        per_department[department].append(days)
    by_team_lead = sum(1 for status, was_reviewed, *_ in decided if status != Status.REJECTED and not was_reviewed)
    open_reviews = Review.objects.filter(status=ReviewStatus.OPEN).values_list("role", "created_at", "due_on")
    bands: dict[str, dict[str, int]] = {
        str(role): dict.fromkeys((key for _, key in AGE_BANDS), 0) for role in REVIEW_ROLES
    }
    overdue: dict[str, int] = dict.fromkeys(bands, 0)
    waiting_open: dict[str, list[float]] = defaultdict(list)
    today = timezone.localdate()
    for role, created, due in open_reviews:
        age = _days(moment - created)
        waiting_open[role].append(age)
        key = next(key for limit, key in AGE_BANDS if limit is None or age <= limit)
        bands.setdefault(role, dict.fromkeys((k for _, k in AGE_BANDS), 0))[key] += 1
        overdue[role] = overdue.get(role, 0) + (due < today)
    waiting_done: dict[str, list[float]] = defaultdict(list)
    for role, created, done in Review.objects.filter(decided_at__isnull=False).values_list(
        "role", "created_at", "decided_at"
    ):
        if done is not None:
            waiting_done[role].append(_days(done - created))
    labels = dict(Role.choices)
    return Bottlenecks(
        decided=len(decided),
        by_team_lead=by_team_lead,
        per_department=sorted((name, Spread.of(values)) for name, values in per_department.items()),
        overall=Spread.of(durations),
        open_by_role=[(str(labels.get(role, role)), counts, overdue.get(role, 0)) for role, counts in bands.items()],
        waiting_by_role=[
            (
                str(labels.get(str(role), role)),
                Spread.of(waiting_done.get(str(role), [])),
                Spread.of(waiting_open.get(str(role), [])),
            )
            for role in REVIEW_ROLES
        ],
    )


def overdue_obligations(user: Any, *, limit: int = 200) -> list[Obligation]:
    """Open obligations past their due date on the use cases ``user`` may see, the oldest first."""
    return list(
        Obligation.objects.filter(
            status=ObligationStatus.OPEN,
            due_on__lt=timezone.localdate(),
            usecase__in=UseCase.objects.visible_to(user),
        )
        .select_related("usecase", "usecase__unit", "owner")
        .order_by("due_on", "pk")[:limit]
    )
