"""Who may read, register, change and submit a use case.

Reading follows ``UseCase.objects.visible_to`` (docs/architecture.md, "Who may see what"). The
owning unit (members, lead, deputy), the owner and the contributors change and submit a use case;
people register use cases in the units they work in. Administrators register and change use cases
in any unit only because they import registers (the pages and the API offer them no edit form for a
use case they do not work on). The system (imports from the command line, the demo) may do all of it.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from leitplanke.common.permissions import register
from leitplanke.org.models import OrgUnit
from leitplanke.org.selectors import is_administrator

from .models import UseCase
from .selectors import can_edit, units_user_works_in


def _visible(user: Any) -> Any:
    return UseCase.objects.visible_to(user)


def _registers_in(user: Any, unit: OrgUnit | None) -> bool:
    """In ``unit`` (without one: in some unit)."""
    if is_administrator(user):
        return True
    units = units_user_works_in(user)
    return units.filter(pk=unit.pk).exists() if unit is not None else units.exists()


def _changes(user: Any, usecase: UseCase | None) -> bool:
    if is_administrator(user):
        return True
    return usecase is not None and can_edit(user, usecase)


def _submits(user: Any, usecase: UseCase | None) -> bool:
    return usecase is not None and can_edit(user, usecase)


register(
    "usecases.view_usecase",
    description=_(
        "Read a use case: every signed-in person, confidential ones only the owning unit, owner, contributors, "
        "AI governance, auditors and the reviewers and team leads it was routed to."
    ),
    restrict=_visible,
)
register(
    "usecases.add_usecase",
    description=_(
        "Register a use case in a unit (or move one there): its members, lead and deputy; administrators and the "
        "system in any unit (imports)."
    ),
    predicate=_registers_in,
    refusal=_("You can register and move use cases only in units you work in."),
    system=True,
)
register(
    "usecases.change_usecase",
    description=_(
        "Change a use case: the owning unit (members, lead, deputy), the owner and the contributors; administrators "
        "and the system (imports)."
    ),
    predicate=_changes,
    refusal=_("Only the owning unit, the owner and the contributors may change this use case."),
    system=True,
)
register(
    "usecases.submit_usecase",
    description=_("Submit a use case for a decision: the owning unit, the owner and the contributors."),
    predicate=_submits,
    refusal=_("Only the owning unit, the owner and the contributors may change this use case."),
)
