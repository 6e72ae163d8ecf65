"""What the decision panel of a use case shows a particular person."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from leitplanke.audit.models import Event
from leitplanke.audit.services import object_type_of
from leitplanke.common.charts import Chart, bar_chart
from leitplanke.org.models import Role
from leitplanke.usecases.models import SUBMITTABLE, Stage, Status, UseCase

from . import selectors
from .forms import ApprovalForm
from .models import Approval, ApprovalScope, Obligation, Review, ReviewStatus


@dataclass
class RouteChange:
    """The rules saw the use case differently on its way: reviews added and no longer needed."""

    at: Any
    added: list[str]
    cancelled: list[str]


def route_change(usecase: UseCase) -> RouteChange | None:
    """The last reroute of the current submission, from the audit trail (``None``: none)."""
    event = (
        Event.objects.filter(
            action="decisions.usecase.routed", object_type=object_type_of(usecase), object_id=str(usecase.pk)
        )
        .order_by("-seq")
        .only("created_at", "after")
        .first()
    )
    after = (event.after if event is not None else None) or {}
    if not after.get("rerouted") or after.get("submission") != usecase.submission:
        return None
    added, cancelled = after.get("reviews_added", []), after.get("reviews_cancelled", [])
    if not added and not cancelled:
        return None
    at = event.created_at if event is not None else None
    return RouteChange(at, [str(Role(r).label) for r in added], [str(Role(r).label) for r in cancelled])


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
    #: What the last change of the verdict on this submission changed on the way, if anything.
    change: RouteChange | None = None
    #: The moves the viewer may make with the use case: (action, label), retiring last.
    stage_actions: list[tuple[str, Any]] = field(default_factory=list)

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
    if usecase.status in (Status.APPROVED, Status.EXPIRED):
        approval = selectors.current_approval(usecase)
    mine = [
        review for review in reviews if review.status == ReviewStatus.OPEN and selectors.can_decide_review(user, review)
    ]
    return Panel(
        usecase=usecase,
        reviews=reviews,
        level=level,
        approval=approval,
        can_approve=may_approve,
        can_submit=can_edit and usecase.status in SUBMITTABLE and usecase.status != Status.DRAFT,
        my_reviews=mine,
        approval_form=ApprovalForm(
            initial={
                "version": usecase.version,
                "scope": ApprovalScope.PRODUCTION if usecase.stage == Stage.PRODUCTION else ApprovalScope.PILOT,
            }
        )
        if may_approve
        else None,
        stage_actions=_stage_actions(usecase, approval) if can_edit else [],
        change=route_change(usecase) if usecase.submission else None,
        today=timezone.localdate(),
        obligations=list(
            Obligation.objects.filter(usecase=usecase, submission=usecase.submission)
            .select_related("owner", "completed_by")
            .order_by("status", "due_on", "pk")
        ),
        can_complete=can_edit,
        lang=translation.get_language() or "de",
    )


def _stage_actions(usecase: UseCase, approval: Approval | None) -> list[tuple[str, Any]]:
    """What the owning unit can do next with the stage of ``usecase``."""
    if usecase.stage == Stage.RETIRED or usecase.submission == 0:
        return []
    actions: list[tuple[str, Any]] = []
    if usecase.status == Status.APPROVED:
        if usecase.stage == Stage.IDEA:
            actions.append(("pilot", _("Start the pilot")))
        if usecase.stage != Stage.PRODUCTION:
            if approval is not None and approval.scope == ApprovalScope.PRODUCTION:
                actions.append(("production", _("Move to production")))
            else:
                actions.append(("submit_production", _("Submit for production")))
    actions.append(("retired", _("Retire")))
    return actions


def waiting_chart(figures: Any) -> Chart:
    """The median waiting time per review role as bars: decided reviews next to the ones still open."""
    return bar_chart(
        title=str(_("Waiting time per review role (median days)")),
        categories=[str(role) for role, _done, _waiting in figures.waiting_by_role],
        values=[round(done.median, 1) if done.median is not None else None for _r, done, _w in figures.waiting_by_role],
        second=[
            round(open_.median, 1) if open_.median is not None else None for _r, _d, open_ in figures.waiting_by_role
        ],
        category_label=str(_("Role")),
        value_label=str(_("Decided reviews")),
        second_label=str(_("Open reviews, waiting so far")),
        decimals=1,
    )
