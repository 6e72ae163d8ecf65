"""What the decision panel of a use case shows a particular person."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone, translation

from leitplanke.usecases.models import SUBMITTABLE, Status, UseCase

from . import selectors
from .forms import ApprovalForm
from .models import Approval, Obligation, Review, ReviewStatus


@dataclass
class Panel:
    """The way to a decision of one use case, as one viewer may see and act on it."""

    usecase: UseCase
    reviews: list[Review]
    level: selectors.ApprovalLevel | None
    approval: Approval | None
    can_approve: bool
    can_submit: bool
    my_reviews: list[Review] = field(default_factory=list)
    obligations: list[Obligation] = field(default_factory=list)
    can_complete: bool = False
    lang: str = "de"
    approval_form: ApprovalForm | None = None
    today: Any = None

    @property
    def started(self) -> bool:
        """Whether the use case was ever submitted for a decision."""
        return self.usecase.submission > 0


def panel_for(user: Any, usecase: UseCase, *, can_edit: bool) -> Panel:
    """The decision panel of ``usecase`` for ``user`` (who may read it; ``can_edit``: may change it)."""
    reviews = selectors.current_reviews(usecase) if usecase.submission else []
    awaiting = usecase.status == Status.AWAITING_APPROVAL
    level = selectors.approval_level(usecase) if awaiting else None
    may_approve = level is not None and level.allows(user)
    approval = None
    if usecase.status == Status.APPROVED:
        approval = Approval.objects.filter(usecase=usecase).select_related("approved_by", "unit").first()
    mine = [review for review in reviews if review.status == ReviewStatus.OPEN
            and selectors.can_decide_review(user, review)]
    return Panel(
        usecase=usecase,
        reviews=reviews,
        level=level,
        approval=approval,
        can_approve=may_approve,
        can_submit=can_edit and usecase.status in SUBMITTABLE and usecase.status != Status.DRAFT,
        my_reviews=mine,
        approval_form=ApprovalForm(initial={"version": usecase.version}) if may_approve else None,
        today=timezone.localdate(),
        obligations=list(
            Obligation.objects.filter(usecase=usecase, submission=usecase.submission)
            .select_related("owner", "completed_by")
            .order_by("status", "due_on", "pk")
        ),
        can_complete=can_edit,
        lang=translation.get_language() or "de",
    )
