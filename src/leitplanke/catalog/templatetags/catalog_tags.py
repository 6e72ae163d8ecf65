"""Template helpers that say in plain language what data a tool may receive."""

from __future__ import annotations

from django import template
from django.utils.translation import gettext as _

from leitplanke.catalog.models import DataClassification, Tool, ToolStatus

register = template.Library()

_LEVELS = list(DataClassification)


def _yes_no(allowed: bool) -> str:
    return _("yes") if allowed else _("no")


@register.filter
def data_summary(tool: Tool) -> str:
    """``"Confidential: yes · Strictly confidential: no · Personal data: yes"`` for a team lead.

    Names the most sensitive classification allowed and the next one up (which is not), so the
    line answers "may my data go in?" without knowing the order of the levels.
    """
    if tool.status == ToolStatus.NOT_ALLOWED:
        return _("Not to be used with company data")
    level = _LEVELS.index(DataClassification(tool.max_classification))
    parts = [_("%(level)s: yes") % {"level": _LEVELS[level].label}]
    if level + 1 < len(_LEVELS):
        parts.append(_("%(level)s: no") % {"level": _LEVELS[level + 1].label})
    parts.append(_("Personal data: %(answer)s") % {"answer": _yes_no(tool.personal_data_allowed)})
    return " · ".join(parts)


@register.filter
def status_class(status: str) -> str:
    """The badge modifier of a tool or request status (``badge--approved``)."""
    return "badge--" + status.replace("_", "-")


@register.filter
def yes_no(value: bool) -> str:
    """``True`` → "yes" in the active language."""
    return _yes_no(bool(value))
