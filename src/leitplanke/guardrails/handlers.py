"""The guardrails' answers to what the apps below them tell (``common.events``; subscribed in ``apps.py``):
a use case is evaluated again when something the rules read changes."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from leitplanke.catalog.events import ToolGuardrailsChanged
from leitplanke.usecases.events import UseCaseChanging, UseCaseSaved
from leitplanke.usecases.services import VERDICT_INPUTS

from . import evaluators, services


@contextlib.contextmanager
def prepare_verdict(event: UseCaseChanging) -> Iterator[None]:
    """Before the write lock: evaluate the use case as the write will store it (for a bundle that was
    not shipped, in the evaluator processes), so the write finds the verdict ready and holds the
    lock for milliseconds. The prepared verdicts are kept until the write ends."""
    with evaluators.prepared_verdicts():
        if services.verdict_prepare_needed():
            prospect = event.prospect()
            if prospect is not None:
                usecase, stored = prospect
                services.verdict_prepare(usecase=usecase, tools=event.tools, stored=stored)
        yield


def refresh_verdict(event: UseCaseSaved) -> None:
    """A use case registered, or changed in what the rules read: store its verdict with the change."""
    if event.created:
        services.verdict_refresh(usecase=event.usecase, actor=event.actor, tools=event.tools, new=True)
    elif event.changed(VERDICT_INPUTS):
        services.verdict_refresh(usecase=event.usecase, actor=event.actor)


def refresh_tool_verdicts(event: ToolGuardrailsChanged) -> None:
    """What a tool may receive changed: every use case that uses it is evaluated again."""
    services.verdicts_refresh(actor=event.actor, usecase_ids=list(event.tool.usecases.values_list("pk", flat=True)))


#: Which function answers which event (subscribed in ``apps.py``).
SUBSCRIPTIONS = (
    (UseCaseChanging, prepare_verdict),
    (UseCaseSaved, refresh_verdict),
    (ToolGuardrailsChanged, refresh_tool_verdicts),
)
