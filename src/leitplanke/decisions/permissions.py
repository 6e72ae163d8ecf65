"""Who may decide on a use case and move it on after the decision.

Reviews are decided by the reviewers they are routed to; the team lead's approval is given by the
lead or deputy the guardrails name (decision record 0006); the owning unit, the owner and the
contributors complete obligations and move an approved use case into pilot, production or
retirement. The system decides nothing: it only lets approvals expire (the periodic job).
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from leitplanke.common.permissions import register
from leitplanke.usecases.selectors import can_edit

from .selectors import approval_level, can_decide_review, obligations_visible_to, reviews_for


def _decides(user: Any, review: Any) -> bool:
    """Without a review: whether any review is routed to ``user``."""
    return reviews_for(user).exists() if review is None else can_decide_review(user, review)


def _approves(user: Any, usecase: Any) -> bool:
    if usecase is None:
        return False
    level = approval_level(usecase)
    return level.unit is not None and level.allows(user)


def _completes(user: Any, obligation: Any) -> bool:
    return obligation is not None and can_edit(user, obligation.usecase)


def _moves(user: Any, usecase: Any) -> bool:
    return usecase is not None and can_edit(user, usecase)


def _nobody(user: Any, obj: Any) -> bool:
    return False


register(
    "decisions.decide_review",
    description=_("Decide a review: the reviewers it is routed to (their role, for its unit or above)."),
    predicate=_decides,
    restrict=reviews_for,
    refusal=_("This review is routed to other reviewers."),
)
register(
    "decisions.approve_usecase",
    description=_("Give the team lead's approval: the qualified lead or deputy the guardrails name for the use case."),
    predicate=_approves,
    refusal=_("Only the team lead responsible under the guardrails approves this use case."),
)
register(
    "decisions.view_obligation",
    description=_("Read an obligation: as visible as its use case."),
    restrict=obligations_visible_to,
)
register(
    "decisions.complete_obligation",
    description=_("Complete an obligation with evidence: the owning unit, the owner and the contributors."),
    predicate=_completes,
    refusal=_("Only the owning unit completes the obligations of its use case."),
)
register(
    "decisions.move_usecase",
    description=_(
        "Move an approved use case into pilot or production, retire it, or ask for production: the owning unit, "
        "the owner and the contributors."
    ),
    predicate=_moves,
    refusal=_("Only the owning unit moves its use case on."),
)
register(
    "decisions.expire_usecase",
    description=_("End an approval whose validity passed: only the system (the periodic job)."),
    predicate=_nobody,
    refusal=_("Approvals expire by themselves when their validity passes; nobody ends them by hand."),
    system=True,
)
