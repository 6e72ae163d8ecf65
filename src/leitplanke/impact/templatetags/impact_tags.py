"""The impact section of a use case's profile: the objectives it serves and its KPIs with their benefit."""

from __future__ import annotations

from typing import Any

from django import template

from leitplanke.common.permissions import allowed

from ..selectors import benefits_of

register = template.Library()


@register.inclusion_tag("impact/_usecase.html", takes_context=True)
def impact_panel(context: dict[str, Any], usecase: Any) -> dict[str, Any]:
    """What the profile shows: objectives served, KPIs with the latest value and realised benefit."""
    user = context["request"].user
    return {
        "usecase": usecase,
        "objectives": list(usecase.objectives.all()),
        "benefits": benefits_of(usecase),
        "can_link": allowed(user, "impact.link_objective", usecase),
        "can_manage": allowed(user, "impact.manage_kpi", usecase),
    }
