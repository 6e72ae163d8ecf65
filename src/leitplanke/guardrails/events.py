"""What the guardrails tell the apps above them (``common.events``), inside the write's transaction."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from leitplanke.common.actors import Actor

from .models import RuleBundle


@dataclass(frozen=True)
class VerdictsStored:
    """New verdicts were stored for the use cases named (``None``: for every use case) and every
    verdict of them now comes from the active bundle: the decision workflow follows them."""

    actor: Actor
    usecase_ids: Iterable[int] | None


@dataclass(frozen=True)
class BundlePublished:
    """A rule bundle was published and is active; ``changed_verdicts`` use cases got a new verdict."""

    actor: Actor
    bundle: RuleBundle
    changed_verdicts: int
