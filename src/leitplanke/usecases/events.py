"""What the registry tells the apps above it (``common.events``).

The guardrails evaluate a use case's verdict from these, and the decision workflow follows the
verdict; the registry itself knows neither.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from leitplanke.common.actors import Actor

from .models import UseCase


@dataclass(frozen=True)
class UseCaseChanging:
    """Before the write lock (``events.preparing``): a use case is about to be registered, or changed in
    something the rules read. ``prospect()`` builds it as the write will store it, unsaved, with the
    stored one beside it (``None`` when new) — or returns ``None`` for a change the write will refuse.
    ``tools`` are the tools it will have (``None``: unchanged)."""

    prospect: Callable[[], tuple[UseCase, UseCase | None] | None]
    tools: list[Any] | None


@dataclass(frozen=True)
class StageDeclared:
    """Inside the write, before anything changed: the owning unit declares ``stage`` for ``usecase``
    (as it is stored). A subscriber refuses a stage the lifecycle does not allow (``DomainError``)."""

    actor: Actor
    usecase: UseCase
    stage: str


@dataclass(frozen=True)
class UseCaseSaved:
    """Inside the write: a use case was registered (``before`` is ``None``) or changed, and its audit
    event recorded. ``before`` and ``after`` are its audit snapshots; ``tools`` its tools when the
    caller has them at hand (a registration)."""

    actor: Actor
    usecase: UseCase
    before: dict[str, Any] | None
    after: dict[str, Any]
    tools: list[Any] | None = None

    @property
    def created(self) -> bool:
        return self.before is None

    def changed(self, names: tuple[str, ...]) -> bool:
        """Whether any of the snapshot keys ``names`` changed (always, for a registration)."""
        before = self.before
        return before is None or any(before.get(name) != self.after.get(name) for name in names)
