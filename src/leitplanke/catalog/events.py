"""What the catalogue tells the apps above it (``common.events``), inside the write's transaction."""

from __future__ import annotations

from dataclasses import dataclass

from leitplanke.common.actors import Actor

from .models import Tool


@dataclass(frozen=True)
class ToolGuardrailsChanged:
    """What ``tool`` may receive changed (one of ``Tool.GUARDRAIL_FIELDS``): every use case that uses
    it is to be evaluated again."""

    actor: Actor
    tool: Tool
