"""Where the rules run: the shipped bundle in this process, every other bundle in the evaluator processes.

The bundle that ships with Leitplanke is trusted and fast, so it is evaluated here. A bundle written
by users (every published or candidate bundle whose digest is not the shipped one's) is checked,
compared and evaluated by the evaluator processes of :mod:`.engine.sandbox`, each request with a time
and memory limit from the settings. A verdict stopped by a limit becomes "needs review by AI
governance" (``engine.Evaluator.stopped_verdict``); a what-if or publication stopped by one is
refused with :class:`RuleStopped`, naming the rule.

A write that evaluates such a bundle prepares its verdicts before it takes the write lock
(:func:`prepared_verdicts`, :func:`prepare`): they are kept for the thread by the bundle's digest and
the input's digest, and the evaluation under the lock takes the prepared result for exactly that key,
so a slow rule makes only its own caller wait. Correctness never depends on it: any other input (the
use case or the bundle changed in between) is evaluated under the lock as before.
"""

from __future__ import annotations

import atexit
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from leitplanke.common.errors import DomainError

from .engine import (
    CheckReport,
    Evaluator,
    InputInvalid,
    Problem,
    Verdict,
    WhatIfItem,
    files_digest,
    input_digest,
    parse_bundle,
    read_folder,
    summary_digest,
)
from .engine.bundle import default_folder
from .engine.sandbox import Pool, Stopped
from .engine.whatif import Outcomes

#: Use cases of one refresh evaluated again one by one after their chunk was stopped, at most; after
#: that many were stopped, a stopped chunk is recorded as stopped as a whole.
STOPS_RETRIED = 3

_pool: Pool | None = None
_pool_lock = threading.Lock()
_shipped: str | None = None
#: The verdicts and what-if outcomes this thread prepared before its write lock (None: not preparing).
_prepared = threading.local()


class RuleStopped(DomainError):
    """A what-if or publication was stopped by the evaluator's limit; ``stopped`` names the rules running."""

    code = "rule_stopped"

    def __init__(self, stopped: Stopped) -> None:
        if stopped.rules:
            message = _(
                "The rule %(rule)s was stopped by the time or memory limit of the evaluation: it is too "
                "slow or never finishes. Change it and check the bundle again; the active bundle is unchanged."
            ) % {"rule": stopped.rules[0]}
        else:
            message = _(
                "The evaluation was stopped by its time or memory limit before any rule ran. Try again "
                "later; the active bundle is unchanged."
            )
        super().__init__(message)
        self.stopped = stopped

    def report(self, files: dict[str, str]) -> CheckReport:
        """A refused check that names the stopped rule at its file and line (the publish page shows it)."""
        rules = parse_bundle(files, bounded=False).rules_by_id()
        rule = rules.get(self.stopped.rules[0]) if self.stopped.rules else None
        where = (rule.file, rule.line) if rule else ("bundle.yaml", 1)
        return CheckReport(problems=[Problem(where[0], where[1], 1, str(self.message))])


def pool() -> Pool:
    """The evaluator processes of this process (started on first use, after any fork of the server)."""
    global _pool
    if _pool is None:
        with _pool_lock:
            if _pool is None:
                _pool = Pool(
                    processes=settings.GUARDRAILS_EVALUATOR_PROCESSES,
                    memory=settings.GUARDRAILS_EVALUATOR_MEMORY_MB * 1024 * 1024,
                )
                atexit.register(_pool.close)
    return _pool


def timeout() -> float:
    """Seconds one evaluation request may take."""
    return float(settings.GUARDRAILS_EVALUATOR_TIMEOUT_MS) / 1000


def shipped_digest() -> str:
    """The digest of the bundle that ships with Leitplanke (read once per process)."""
    global _shipped
    if _shipped is None:
        _shipped = files_digest(read_folder(default_folder()))
    return _shipped


def trusted(digest: str) -> bool:
    """Whether a bundle is the shipped one, which is evaluated in this process."""
    return digest == shipped_digest()


def check(files: dict[str, str], *, tests: bool = True) -> CheckReport:
    """The full check of a candidate bundle in an evaluator process, with the check's time limit."""
    return pool().check(
        files, tests=tests, bounded=settings.GUARDRAILS_STATIC_LIMITS, timeout=float(settings.GUARDRAILS_CHECK_SECONDS)
    )


def evaluate(evaluator: Evaluator, data: Any) -> Verdict:
    """The verdict of one input under a compiled bundle: here if it is the shipped one, else in an
    evaluator process (:class:`Stopped` if a limit stops it; ``InputInvalid`` for a bad input)."""
    bundle = evaluator.bundle
    if trusted(bundle.digest):
        return evaluator.evaluate(data)
    [outcome] = pool().outcomes(bundle.files, bundle.digest, [data], timeout=timeout())
    return outcome.verdict(evaluator)


def evaluate_or_stop(evaluator: Evaluator, data: Any) -> Verdict:
    """:func:`evaluate`, or the verdict "needs review by AI governance" if a limit stopped it.

    A verdict this thread prepared for exactly this bundle and input is taken as it is."""
    prepared = _prepared_now()
    key = None
    if prepared is not None and not trusted(evaluator.bundle.digest):
        key = ("verdict", evaluator.bundle.digest, input_digest(data))
        found = prepared.get(key)
        if found is not None:
            return found
    try:
        verdict = evaluate(evaluator, data)
    except Stopped as stopped:
        verdict = evaluator.stopped_verdict(stopped.rules, stopped.reason)
    if key is not None and prepared is not None:
        prepared[key] = verdict
    return verdict


def preparing() -> bool:
    """Whether this thread is in a write that prepares its verdicts (:func:`prepared_verdicts`)."""
    return _prepared_now() is not None


def _prepared_now() -> dict[tuple[Any, ...], Any] | None:
    return getattr(_prepared, "found", None)


@contextmanager
def prepared_verdicts() -> Iterator[None]:
    """The scope of one write in which this thread keeps the verdicts it prepared before the write lock.

    The outermost scope forgets them when it ends, however it ends."""
    if _prepared_now() is not None:
        yield
        return
    _prepared.found = {}
    try:
        yield
    finally:
        _prepared.found = None


def prepare(evaluator: Evaluator, data: Any) -> None:
    """Evaluate ``data`` now, before the write lock, so that the write's :func:`evaluate_or_stop` of
    the same input under the same bundle finds it (inside :func:`prepared_verdicts`; nothing to do for
    the shipped bundle, which is fast). A bad input is left to the write, which refuses it."""
    if _prepared_now() is None or trusted(evaluator.bundle.digest):
        return
    try:
        evaluate_or_stop(evaluator, data)
    except InputInvalid:
        return


def what_if_outcomes(
    candidate: Evaluator, current: Evaluator | None, current_key: Any, *, stopped_verdicts: bool
) -> Outcomes | None:
    """How a what-if computes its new verdicts: None (here) for the shipped bundle, else in the
    evaluator processes with the shortcut from ``current``.

    A chunk stopped by a limit is refused with :class:`RuleStopped`, or, with ``stopped_verdicts``
    (refreshing verdicts under the active bundle), evaluated item by item, each item a limit stops
    getting the verdict "needs review by AI governance" (after :data:`STOPS_RETRIED` such items, a
    stopped chunk gets it as a whole, so a refresh waits a bounded number of time limits per chunk).
    """
    bundle = candidate.bundle
    if trusted(bundle.digest):
        return None  # the shortcut only reuses what the current bundle's rules said, it runs none of them
    before = (current.bundle.files, current.bundle.digest, current_key) if current is not None else None

    def ask(items: list[WhatIfItem]) -> list[Any]:
        return pool().what_if((bundle.files, bundle.digest), items, current=before, timeout=timeout())

    def key(item: WhatIfItem) -> tuple[Any, ...]:
        # The outcome depends on the input and, through the shortcut, on the current verdict and its bundle.
        current = summary_digest(item.current) if item.current is not None else None
        return (
            "what_if",
            bundle.digest,
            item.key,
            item.input_digest(),
            before[1] if before else None,
            item.current_bundle,
            item.current_input_digest,
            current,
        )

    def run(items: list[WhatIfItem]) -> list[Any]:
        prepared = _prepared_now()
        if prepared is None:
            return ask(items)
        keys = [key(item) for item in items]
        missing = [item for item, found in zip(items, keys, strict=True) if found not in prepared]
        if missing:
            for item, outcome in zip(missing, ask(missing), strict=True):
                prepared[key(item)] = outcome
        return [prepared[found] for found in keys]

    stops = 0

    def outcomes(chunk: list[WhatIfItem]) -> list[Any]:
        nonlocal stops
        try:
            return run(chunk)
        except Stopped as stopped:
            if not stopped_verdicts:
                raise RuleStopped(stopped) from stopped
            if stops >= STOPS_RETRIED:
                # Each retry may wait a whole time limit (while the refresh holds its transaction):
                # beyond a few, the whole chunk is left to AI governance's review.
                summary = candidate.stopped_verdict(stopped.rules, stopped.reason).summary()
                return [summary] * len(chunk)
        found = []
        for index, item in enumerate(chunk):
            if stops >= STOPS_RETRIED:
                found.extend(outcomes(chunk[index:]))  # the rest in one request: one more limit at most
                break
            try:
                found.extend(run([item]))
            except Stopped as stopped:
                stops += 1
                found.append(candidate.stopped_verdict(stopped.rules, stopped.reason).summary())
        return found

    return outcomes
