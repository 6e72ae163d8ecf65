"""``/api/v1/reviews``: the reviews routed to the caller, and their decisions.

A review is routed to the holders of its role for the owning unit (or the nearest unit above it
that has some), else to the company-wide ones (``decisions.selectors.reviews_for``); only they see
it here, as on the page "My reviews". Deciding goes through ``decisions.services.review_decide``,
which checks again that the caller is one of them and records the audit event.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from leitplanke.common.errors import NotFound
from leitplanke.common.permissions import check
from leitplanke.decisions import selectors, services
from leitplanke.decisions.models import Review, ReviewStatus
from leitplanke.org.models import REVIEW_ROLES
from leitplanke.usecases.models import Status

from ..concurrency import object_response
from ..schemas import PersonOut, UnitOut
from .common import DEFAULT_LIMIT, MAX_LIMIT, Text, body_fields, caller, honour_if_match, problems
from .usecases import MAX_TEXT

router = Router(tags=["reviews"])

ReviewRole = Literal[tuple(role.value for role in REVIEW_ROLES)]  # type: ignore[valid-type]
#: What a reviewer decides (``decisions.services.OUTCOMES``).
Outcome = Literal[tuple(str(outcome) for outcome in services.OUTCOMES)]  # type: ignore[valid-type]
#: The outcomes of a decided review (not open, not cancelled).
DECIDED = tuple(str(outcome) for outcome in services.OUTCOMES)


class ReviewUseCaseOut(Schema):
    """The use case under review."""

    id: int
    title: str
    unit: UnitOut
    status: Status


class ReviewOut(Schema):
    """One role's review of one submission of a use case."""

    id: int
    usecase: ReviewUseCaseOut
    role: ReviewRole  # type: ignore[valid-type]
    role_label: str
    unit: UnitOut | None = Field(description="The unit whose reviewers decide; null: the company-wide ones.")
    submission: int = Field(description="Which submission of the use case it reviews.")
    status: ReviewStatus
    status_label: str
    due_on: date
    overdue: bool
    comment: str
    conditions: str
    decided_by: PersonOut | None
    decided_at: datetime | None
    requested: datetime
    can_decide: bool = Field(description="Whether the caller may decide it now.")
    version: int = Field(description="Counts the review's changes; its ETag contains it.")


class ReviewPage(Schema):
    """One page of reviews."""

    items: list[ReviewOut]
    count: int
    limit: int
    offset: int


class ReviewFilters(Schema):
    """The tabs of "My reviews": open (most urgent first) or decided (latest first), by role."""

    state: Literal["open", "decided"] | None = Field(
        None, description="open: waiting for a decision, by due date; decided: latest decision first. Else all."
    )
    role: ReviewRole | None = None  # type: ignore[valid-type]
    decided_by_me: bool = Field(False, description="Only the reviews the caller decided.")
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)
    offset: int = Field(0, ge=0)


class DecisionIn(Schema):
    """A reviewer's decision with the reason the owner reads."""

    outcome: Outcome  # type: ignore[valid-type]
    comment: Text = Field(
        "", max_length=MAX_TEXT, description="Required when requesting changes or rejecting: what the owner should do."
    )
    conditions: Text = Field(
        "", max_length=MAX_TEXT, description="Required when approving with conditions; they become an obligation."
    )


def _may_decide(user: Any, review: Review) -> bool:
    """As the review's page offers the form: open, the use case in review, the caller routed to it."""
    return (
        review.status == ReviewStatus.OPEN
        and review.usecase.status == Status.IN_REVIEW
        and selectors.can_decide_review(user, review)
    )


def _review_out(user: Any, review: Review) -> ReviewOut:
    usecase = review.usecase
    decided_by = review.decided_by
    return ReviewOut.model_validate(
        {
            "id": review.pk,
            "usecase": {
                "id": usecase.pk,
                "title": usecase.title,
                "unit": {"code": usecase.unit.code, "name": usecase.unit.name},
                "status": usecase.status,
            },
            "role": review.role,
            "role_label": review.get_role_display(),
            "unit": {"code": review.unit.code, "name": review.unit.name} if review.unit else None,
            "submission": review.submission,
            "status": review.status,
            "status_label": review.get_status_display(),
            "due_on": review.due_on,
            "overdue": review.status == ReviewStatus.OPEN and review.due_on < timezone.localdate(),
            "comment": review.comment,
            "conditions": review.conditions,
            "decided_by": {"username": decided_by.username, "name": str(decided_by)} if decided_by else None,
            "decided_at": review.decided_at,
            "requested": review.created_at,
            "can_decide": _may_decide(user, review),
            "version": review.version,
        }
    )


def _review_by_id(user: Any, review_id: int) -> Review:
    review = selectors.reviews_for(user).select_related("decided_by").filter(pk=review_id).first()
    if review is None:
        raise NotFound(_("There is no review with this id."))
    return review


def _review_response(request: HttpRequest, review: Review) -> HttpResponse:
    user = caller(request)
    return object_response(request, pk=review.pk, version=review.version, payload=_review_out(user, review))


@router.get("", response={200: ReviewPage, **problems(401, 422)}, summary="List my reviews")
def review_list(request: HttpRequest, filters: Query[ReviewFilters]) -> dict[str, Any]:
    """The reviews routed to the caller (their role, for the review's unit or company-wide)."""
    user = caller(request)
    reviews = selectors.reviews_for(user).select_related("decided_by")
    if filters.state == "open":
        reviews = reviews.filter(status=ReviewStatus.OPEN)
    elif filters.state == "decided":
        reviews = reviews.filter(status__in=DECIDED)
    if filters.role is not None:
        reviews = reviews.filter(role=filters.role)
    if filters.decided_by_me:
        reviews = reviews.filter(decided_by_id=user.pk)
    ordering = ("-decided_at", "-id") if filters.state == "decided" else ("due_on", "id")
    reviews = reviews.order_by(*ordering)
    page = reviews[filters.offset : filters.offset + filters.limit]
    return {
        "items": [_review_out(user, review) for review in page],
        "count": reviews.count(),
        "limit": filters.limit,
        "offset": filters.offset,
    }


@router.get(
    "/{int:review_id}",
    response={200: ReviewOut, 304: None, **problems(401, 404)},
    summary="Read a review",
)
def review_read(request: HttpRequest, review_id: int) -> HttpResponse:
    """One review routed to the caller, with an ``ETag``; any other review answers 404.

    The use case it reviews, with its verdict, is ``GET /usecases/{id}`` and ``…/verdict``.
    """
    return _review_response(request, _review_by_id(caller(request), review_id))


@router.post(
    "/{int:review_id}/decision",
    response={200: ReviewOut, **problems(400, 401, 403, 404, 409, 412, 422)},
    summary="Decide a review",
)
def review_decide(request: HttpRequest, review_id: int, payload: DecisionIn) -> HttpResponse:
    """Approve, approve with conditions, request changes, or reject (then with a ``comment``).

    Rejecting or requesting changes ends the submission (the other open reviews are cancelled);
    the last approval hands the use case to the team lead; conditions become a blocking
    obligation of the owner. If the rules see the use case differently since the review was
    requested, it is rerouted first, and a review no longer needed comes back ``cancelled``
    undecided. A review decided already is ``422`` (reason ``closed``). Honours ``If-Match`` when
    sent. Audited as ``decisions.review.decided``.
    """
    user = caller(request)
    review = _review_by_id(user, review_id)
    check(user, "decisions.decide_review", review)
    honour_if_match(request, pk=review.pk, version=review.version, payload=_review_out(user, review))
    with body_fields():
        services.review_decide(
            actor=user,
            review=review,
            outcome=payload.outcome,
            comment=payload.comment,
            conditions=payload.conditions,
            expected_version=review.version,
        )
    return _review_response(request, _review_by_id(user, review.pk))
