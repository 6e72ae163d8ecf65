"""Human-readable names for audit actions; each app registers its own in ``AppConfig.ready``."""

from __future__ import annotations

from collections.abc import Mapping

from django.utils.functional import Promise

_LABELS: dict[str, Promise | str] = {}


def register_actions(labels: Mapping[str, Promise | str]) -> None:
    """Make the actions of an app readable in histories and the audit log."""
    _LABELS.update(labels)


def action_label(action: str) -> str:
    """The readable name of an action, or the action code itself if none is registered."""
    return str(_LABELS.get(action, action))
