"""Human-readable names for audit actions and snapshot fields; apps register theirs in ``ready()``."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.utils.functional import Promise

_ACTIONS: dict[str, Promise | str] = {}
_FIELDS: dict[str, tuple[Promise | str, dict[Any, Any]]] = {}


def register_actions(labels: Mapping[str, Promise | str]) -> None:
    """Make the actions of an app readable in histories and the audit log."""
    _ACTIONS.update(labels)


def register_fields(labels: Mapping[str, tuple[Promise | str, Iterable[tuple[Any, Any]]]]) -> None:
    """Name snapshot keys that are not model fields (``{"role": (_("role"), Role.choices)}``)."""
    for key, (label, choices) in labels.items():
        _FIELDS[key] = (label, dict(choices))


def action_label(action: str) -> str:
    """The readable name of an action, or the action code itself if none is registered."""
    return str(_ACTIONS.get(action, action))


def field_label(object_type: str, key: str) -> tuple[str, dict[Any, Any]]:
    """The label of a snapshot key and the display names of its coded values.

    Model fields of the event's object type come first (their ``verbose_name`` and ``choices``),
    then keys registered with :func:`register_fields`, else the key itself.
    """
    try:
        model = apps.get_model(object_type)
        field = model._meta.get_field(key)
    except (LookupError, ValueError, FieldDoesNotExist):
        field = None
    if field is None or (field.auto_created and not field.concrete):  # not a field, or a reverse relation
        label, choices = _FIELDS.get(key, (key, {}))
        return str(label), choices
    choices = dict(getattr(field, "flatchoices", None) or []) or _FIELDS.get(key, ("", {}))[1]
    return str(getattr(field, "verbose_name", key)), choices
