"""The permission matrix of the API: every operation of the OpenAPI schema × every kind of caller.

Each domain module lists its operations as :class:`Operation` entries in ``OPERATIONS``; every
entry names the status each viewer gets. ``test_permission_matrix`` fails when the schema has an
operation that no module lists, so a new endpoint cannot ship without its row.

Viewers (see :class:`World`): ``anonymous``; ``unit_member`` and ``unit_lead`` of the owning unit
(Buchhaltung); ``other_unit`` (a member of Marketing) and ``other_lead`` (Marketing's lead);
and the company-wide role holders ``ai_governance``, ``auditor``, ``data_protection`` and
``administrator`` (members of Marketing too, so "own unit" never explains what they may do).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

VIEWERS = (
    "anonymous", "unit_member", "unit_lead", "other_unit", "other_lead",
    "ai_governance", "auditor", "data_protection", "administrator",
)  # fmt: skip


@dataclass
class Call:
    """What an arrangement prepared: the concrete path, a JSON body, extra headers."""

    path: str
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Operation:
    """One OpenAPI operation and the status every viewer gets.

    ``arrange(world)`` creates what the call needs (through the real services) and returns the
    :class:`Call`. It runs before the viewer is known; a write that needs ``If-Match`` reads the
    current tag with ``world.etag(path)`` (as AI governance, who sees everything).
    """

    method: str
    path: str
    expect: dict[str, int]
    arrange: Callable[[Any], Call]

    def __post_init__(self) -> None:
        missing = set(VIEWERS) - self.expect.keys()
        unknown = self.expect.keys() - set(VIEWERS)
        if missing or unknown:
            raise ValueError(f"{self.method} {self.path}: viewers missing {sorted(missing)}, unknown {sorted(unknown)}")

    @property
    def key(self) -> tuple[str, str]:
        return (self.method.upper(), self.path)


def everyone(status: int, **exceptions: int) -> dict[str, int]:
    """``status`` for every signed-in viewer, 401 for the anonymous one, unless told otherwise."""
    return dict.fromkeys(VIEWERS, status) | {"anonymous": 401} | exceptions
