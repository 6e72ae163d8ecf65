"""Optimistic locking: no lost updates when two people edit the same object."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from .errors import Conflict


def check_version(obj: Any, expected_version: int | None) -> None:
    """Raise :class:`Conflict` if ``obj`` (freshly locked) is no longer the version the actor saw.

    ``obj`` has a ``version`` field and an ``audit_snapshot()``; services lock the row, call this,
    change it and increase ``version`` when anything changed.
    """
    if expected_version is not None and obj.version != expected_version:
        raise Conflict(
            _("Someone else changed this in the meantime. Your changes were not saved yet."),
            current=obj.audit_snapshot(),
            version=obj.version,
        )
