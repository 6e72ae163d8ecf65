"""Template helpers that present audit events to people."""

from __future__ import annotations

from typing import Any

from django import template

from leitplanke.audit.labels import action_label, field_label
from leitplanke.audit.models import Event

register = template.Library()

_EMPTY = "—"


def _show(value: Any, choices: dict[Any, Any] | None = None) -> str:
    if value is None or value == "" or value == []:
        return _EMPTY
    if choices and not isinstance(value, list | dict) and value in choices:
        return str(choices[value])
    if isinstance(value, bool):
        from django.utils.translation import gettext

        return gettext("yes") if value else gettext("no")
    if isinstance(value, list):
        return ", ".join(_show(item, choices) for item in value)
    return str(value)


@register.filter
def action_name(event: Event) -> str:
    """``org.unit.updated`` → "Unit changed" in the active language."""
    return action_label(event.action)


@register.filter
def changes(event: Event) -> list[dict[str, str]]:
    """The fields an event changed: name, value before, value after (unchanged fields left out)."""
    before = event.before if isinstance(event.before, dict) else {}
    after = event.after if isinstance(event.after, dict) else {}
    rows = []
    for key in dict.fromkeys([*before, *after]):
        old, new = before.get(key), after.get(key)
        if key in before and key in after and old == new:
            continue
        label, choices = field_label(event.object_type, key)
        rows.append(
            {
                "field": label,
                "before": _show(old, choices) if key in before else "",
                "after": _show(new, choices) if key in after else "",
            }
        )
    return rows
