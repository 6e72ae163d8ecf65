"""Template helpers of the guardrail pages: readable what-if changes and test expectations."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import gettext as _

from leitplanke.guardrails.models import DecisionPath, RiskClass
from leitplanke.guardrails.presentation import role_label

register = template.Library()


def _value(kind: str, code: str) -> str:
    if kind == "risk_class" and code in RiskClass.values:
        return str(RiskClass(code).label)
    if kind == "decision" and code in DecisionPath.values:
        return str(DecisionPath(code).label)
    return code


@register.filter
def change_label(kind: str) -> str:
    """``risk_class:minimal→high`` → "Risk class: Minimal risk → High risk" in the active language."""
    if kind == "new":
        return _("first verdict")
    name, _sep, detail = kind.partition(":")
    if name in ("risk_class", "decision"):
        old, _arrow, new = detail.partition("→")
        label = _("Risk class") if name == "risk_class" else _("Decision path")
        return f"{label}: {_value(name, old)} → {_value(name, new)}"
    labels = {
        "review_added": _("review added"),
        "review_removed": _("review no longer needed"),
        "obligation_added": _("obligation added"),
        "obligation_removed": _("obligation no longer needed"),
    }
    shown = role_label(detail) if name.startswith("review") else detail
    return f"{labels.get(name, name)}: {shown}"


@register.filter
def expectation(expect: dict[str, Any]) -> str:
    """A rule test's expectations in one line."""
    parts = []
    for key, value in expect.items():
        shown = ", ".join(str(item) for item in value) if isinstance(value, list) else str(value)
        parts.append(f"{key}: {shown or '—'}")
    return "; ".join(parts)
