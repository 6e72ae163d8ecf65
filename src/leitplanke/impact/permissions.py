"""Who may set objectives, link use cases to them, and maintain KPIs and measurements.

Objectives are read by every signed-in person. Leadership sets them: company-wide leadership any,
leadership of a unit only objectives scoped to that unit or below it. A use case is linked to the
objectives it serves by whoever may change the use case. KPIs and measurements are read by whoever
reads the use case and maintained by its owning unit, its owner and its contributors. The system
(the demo, imports from the command line) may do all of it.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from leitplanke.common.permissions import allowed, register

from .models import Kpi
from .selectors import can_manage_kpis, can_manage_objective, kpis_visible_to, objectives_visible_to


def _usecase_of(obj: Any) -> Any:
    return obj.usecase if isinstance(obj, Kpi) else obj


register(
    "impact.view_objective",
    description=_("Read a strategic objective: every signed-in person."),
    restrict=objectives_visible_to,
)
register(
    "impact.manage_objective",
    description=_(
        "Set a strategic objective or change it: leadership company-wide, or leadership of a unit for objectives "
        "scoped to that unit and its sub-units; the system."
    ),
    predicate=can_manage_objective,
    refusal=_("Only leadership sets objectives, and leadership of a unit only for that unit and its sub-units."),
    system=True,
)
register(
    "impact.link_objective",
    description=_("Name the objectives a use case serves: whoever may change the use case."),
    predicate=lambda user, usecase: allowed(user, "usecases.change_usecase", usecase),
    refusal=_("Only the owning unit, the owner and the contributors may change this use case."),
    system=True,
)
register(
    "impact.view_kpi",
    description=_("Read the KPIs and measurements of a use case: whoever reads the use case."),
    restrict=kpis_visible_to,
)
register(
    "impact.manage_kpi",
    description=_(
        "Define, change or remove the KPIs of a use case and record measurements: the owning unit (members, lead, "
        "deputy), the owner and the contributors; the system."
    ),
    predicate=lambda user, obj: can_manage_kpis(user, _usecase_of(obj)),
    refusal=_("Only the owning unit, the owner and the contributors maintain the KPIs of this use case."),
    system=True,
)
