"""Reads of the decision workflow: where a review goes, who may decide it, who may approve.

Routing of a review: the reviewers of its role assigned to the owning unit, else to the nearest
unit above it, else the company-wide ones. Approval: the lead or the deputy of the owning unit,
provided they hold the qualification the active rule bundle names; a unit whose lead and deputy
do not hold it passes the approval one level up the org tree.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.models import Q, QuerySet

from leitplanke.common import clock
from leitplanke.guardrails.selectors import active_bundle, evaluator_for
from leitplanke.literacy.models import Completion
from leitplanke.literacy.selectors import valid_on
from leitplanke.org.models import Membership, OrgUnit, RoleAssignment
from leitplanke.org.selectors import has_any_review_role, has_role
from leitplanke.usecases.models import UseCase

from .models import Approval, Obligation, ObligationStatus, Review, ReviewStatus


def add_business_days(start: dt.date, days: int) -> dt.date:
    """``start`` plus ``days`` working days (Monday to Friday)."""
    day = start
    left = days
    while left > 0:
        day += dt.timedelta(days=1)
        if day.weekday() < 5:
            left -= 1
    return day


def due_date(role: str, *, start: dt.date | None = None) -> dt.date:
    """When a review of ``role`` requested on ``start`` (today) is due."""
    days = settings.REVIEW_DEADLINE_DAYS.get(role, 5)
    return add_business_days(start or clock.localdate(), days)


def _chain(unit: OrgUnit) -> list[OrgUnit]:
    """``unit`` and every unit above it, nearest first."""
    ids = [int(part) for part in unit.path.strip("/").split("/") if part]
    found = {u.pk: u for u in OrgUnit.objects.filter(pk__in=ids).select_related("lead", "deputy")}
    return [found[pk] for pk in reversed(ids) if pk in found]


def review_unit_for(role: str, unit: OrgUnit) -> OrgUnit | None:
    """The nearest unit, from ``unit`` upwards, with reviewers of ``role``; ``None``: company-wide."""
    assigned = set(
        RoleAssignment.objects.filter(role=role, unit__isnull=False, person__is_active=True).values_list(
            "unit_id", flat=True
        )
    )
    for candidate in _chain(unit):
        if candidate.pk in assigned:
            return candidate
    return None


def can_decide_review(user: Any, review: Review) -> bool:
    """Whether ``user`` is one of the reviewers the review is routed to."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if review.unit_id is None:
        return has_role(user, review.role)
    return has_role(user, review.role, review.unit)


def reviews_for(user: Any) -> QuerySet[Review]:
    """The reviews routed to ``user``: their role, for the review's unit or company-wide."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Review.objects.none()
    condition = Q(pk__in=[])
    assignments = RoleAssignment.objects.filter(person=user).select_related("unit")
    for assignment in assignments:
        if assignment.unit is None:
            condition |= Q(role=assignment.role)
        else:
            condition |= Q(role=assignment.role, unit__path__startswith=assignment.unit.path)
    return Review.objects.filter(condition).select_related("usecase", "usecase__unit", "unit")


def open_reviews_for(user: Any) -> QuerySet[Review]:
    """The open reviews routed to ``user``, the most urgent first."""
    return reviews_for(user).filter(status=ReviewStatus.OPEN).order_by("due_on", "id")


def current_reviews(usecase: UseCase) -> list[Review]:
    """The reviews of the use case's latest submission, by role."""
    return list(
        Review.objects.filter(usecase=usecase, submission=usecase.submission)
        .exclude(status=ReviewStatus.CANCELLED)
        .select_related("unit", "decided_by")
        .order_by("role")
    )


def required_qualification() -> str | None:
    """The course code the active rule bundle requires of approving team leads (``None``: none)."""
    row = active_bundle()
    if row is None:
        return None
    return evaluator_for(row).bundle.approval_qualification


@dataclass
class ApprovalLevel:
    """Who approves a use case: a unit and the people of it who may, and the units passed over."""

    unit: OrgUnit | None
    approvers: list[Any] = field(default_factory=list)
    #: Units below ``unit`` whose lead and deputy lack the qualification (nearest first).
    passed_over: list[OrgUnit] = field(default_factory=list)
    qualification: str | None = None

    def allows(self, user: Any) -> bool:
        """Whether ``user`` (an active person) is one of the approvers."""
        if not getattr(user, "is_authenticated", False) or not user.is_active:
            return False
        return any(person.pk == user.pk for person in self.approvers)


def approval_level(usecase: UseCase, *, on: dt.date | None = None) -> ApprovalLevel:
    """The unit whose lead or deputy approves ``usecase``, walking up while nobody there is qualified."""
    return approval_levels([usecase], on=on)[usecase.pk]


def approval_levels(usecases: list[UseCase], *, on: dt.date | None = None) -> dict[int, ApprovalLevel]:
    """``approval_level`` of each use case (by id), in three queries however many there are."""
    qualification = required_qualification()
    chains = {
        usecase.pk: [int(part) for part in usecase.unit.path.strip("/").split("/") if part] for usecase in usecases
    }
    wanted = {pk for chain in chains.values() for pk in chain}
    units = {unit.pk: unit for unit in OrgUnit.objects.filter(pk__in=wanted).select_related("lead", "deputy")}
    leaders = {
        person.pk
        for unit in units.values()
        for person in (unit.lead, unit.deputy)
        if person is not None and person.is_active
    }
    if qualification is None or not leaders:
        qualified = leaders
    else:
        qualified = set(
            Completion.objects.filter(
                valid_on(on or clock.localdate()), person_id__in=leaders, course__code=qualification
            ).values_list("person_id", flat=True)
        )
    levels = {}
    for usecase in usecases:
        level = ApprovalLevel(unit=None, qualification=qualification)
        for unit in (units[pk] for pk in reversed(chains[usecase.pk]) if pk in units):
            approvers = [
                person
                for person in (unit.lead, unit.deputy)
                if person is not None and person.is_active and person.pk in qualified
            ]
            if approvers:
                level.unit, level.approvers = unit, approvers
                break
            level.passed_over.append(unit)
        levels[usecase.pk] = level
    return levels


def can_approve(user: Any, usecase: UseCase) -> bool:
    """Whether ``user`` may give the team lead's approval of ``usecase`` now (its state aside)."""
    return approval_level(usecase).allows(user)


def _waiting_below(user: Any, usecases: QuerySet[UseCase]) -> QuerySet[UseCase] | None:
    """Of ``usecases``, those awaiting approval in a unit ``user`` leads or deputises, or below it
    (``None`` when they lead no unit)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    led = list(OrgUnit.objects.filter(Q(lead=user) | Q(deputy=user)).values_list("path", flat=True))
    if not led:
        return None
    below = Q()
    for path in led:
        below |= Q(unit__path__startswith=path)
    return usecases.filter(below, status="awaiting_approval")


def approvals_waiting_for(user: Any) -> list[UseCase]:
    """Use cases waiting for the approval of ``user`` (as the qualified lead or deputy), oldest first.

    Read through ``visible_to``, like every list that names use cases; an approval that escalated
    to a lead above the owning unit makes the use case visible to that lead (see ``escalated_to``).
    """
    waiting = _waiting_below(user, UseCase.objects.visible_to(user))
    if waiting is None:
        return []
    ordered = list(waiting.select_related("unit").order_by("updated_at", "pk")[:200])
    levels = approval_levels(ordered)
    return [usecase for usecase in ordered if levels[usecase.pk].allows(user)]


def escalated_to(user: Any) -> list[int]:
    """The confidential use cases outside ``user``'s own units whose approval waits for ``user``.

    When nobody in the owning unit may approve (no qualified lead or deputy), the approval passes
    up the org tree; the lead or deputy it reaches must read what they take responsibility for, so
    ``UseCase.objects.visible_to`` lets them. Use cases of their own units they see anyway. Only
    called from ``visible_to`` (it reads the use cases without it, which would otherwise recurse).
    """
    own = OrgUnit.objects.filter(
        Q(pk__in=Membership.objects.filter(person=user).values("unit_id")) | Q(lead=user) | Q(deputy=user)
    ).values("pk")
    candidates = _waiting_below(user, UseCase.objects.filter(confidential=True).exclude(unit_id__in=own))
    if candidates is None:
        return []
    found = list(candidates.select_related("unit").only("pk", "unit__path")[:1000])
    if not found:
        return []
    levels = approval_levels(found)
    return [usecase.pk for usecase in found if levels[usecase.pk].allows(user)]


def approved_by(user: Any) -> QuerySet[Any]:
    """The ids of the use cases ``user`` gave the team lead's approval for (they keep reading them)."""
    return Approval.objects.filter(approved_by=user).values("usecase_id")


def obligations_due_for(user: Any) -> QuerySet[Obligation]:
    """Open obligations ``user`` is responsible for, or that belong to a unit they lead, the most urgent first
    (of the use cases they may see)."""
    led = OrgUnit.objects.filter(Q(lead=user) | Q(deputy=user)).values("pk")
    return (
        obligations_visible_to(user)
        .filter(status=ObligationStatus.OPEN)
        .filter(Q(owner=user) | Q(usecase__unit__in=led))
        .select_related("usecase")
        .order_by("due_on", "pk")
    )


def obligations_visible_to(user: Any) -> QuerySet[Obligation]:
    """The obligations ``user`` may read: those of the use cases they may see (as visible as the use case)."""
    return Obligation.objects.filter(usecase__in=UseCase.objects.visible_to(user))


def reviewers_of(review: Review) -> list[Any]:
    """The people a review is routed to: the active holders of its role for its unit (or company-wide)."""
    from django.contrib.auth import get_user_model

    people = get_user_model().objects.filter(is_active=True, role_assignments__role=review.role)
    if review.unit_id is None:
        people = people.filter(role_assignments__unit__isnull=True)
    else:
        people = people.filter(role_assignments__unit_id=review.unit_id)
    return list(people.distinct())


def governance_people() -> list[Any]:
    """The company-wide AI-governance people, told when a review is overdue."""
    from django.contrib.auth import get_user_model

    return list(
        get_user_model()
        .objects.filter(is_active=True, role_assignments__role="ai_governance", role_assignments__unit__isnull=True)
        .distinct()
    )


def current_approval(usecase: UseCase) -> Any:
    """The approval of the use case's current submission (the latest), or ``None``."""
    from .models import Approval

    return (
        Approval.objects.filter(usecase=usecase, submission=usecase.submission)
        .select_related("approved_by", "unit")
        .order_by("-approved_at", "-pk")
        .first()
    )


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` plus ``months`` calendar months (the 31st becomes the last day of a shorter month)."""
    import calendar

    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def approval_expiry(risk_class: str, *, start: dt.date | None = None) -> dt.date:
    """Until when an approval of a use case of ``risk_class`` given on ``start`` (today) stands."""
    months = settings.RECERTIFICATION_MONTHS.get(risk_class) or min(settings.RECERTIFICATION_MONTHS.values())
    return add_months(start or clock.localdate(), months)


def usecases_decided_by(user: Any) -> Q:
    """The use cases ``user`` reads because they decide about them (granted to ``UseCase.objects.visible_to``):
    the reviews routed to them, and the approvals that escalated to them or that they gave."""
    visible = Q(pk__in=approved_by(user)) | Q(pk__in=escalated_to(user))
    if has_any_review_role(user):
        visible |= Q(pk__in=reviews_for(user).values("usecase_id"))
    return visible
