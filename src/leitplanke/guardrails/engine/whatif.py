"""What-if: which verdicts of the live portfolio a candidate bundle would change, before it is published."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from .bundle import Bundle
from .evaluation import Evaluator, InputInvalid, normalise_input


@dataclass
class WhatIfItem:
    """One use case to compare: its key, a label for people, its evaluation input, its current verdict."""

    key: Any
    label: str
    input: dict[str, Any]
    current: dict[str, Any] | None
    #: The digest of the input the current verdict was computed from (see :func:`input_digest`).
    current_input_digest: str | None = None
    #: Which bundle computed the current verdict (compared with :attr:`Shortcut.bundle_key`).
    current_bundle: Any = None
    _input_digest: str | None = field(default=None, init=False, repr=False, compare=False)

    def input_digest(self) -> str:
        """The digest of ``input`` (computed once)."""
        if self._input_digest is None:
            self._input_digest = input_digest(self.input)
        return self._input_digest

    @property
    def input_unchanged(self) -> bool:
        """Whether the current verdict was computed from exactly this input."""
        return self.current_input_digest is not None and self.current_input_digest == self.input_digest()


@dataclass(frozen=True)
class Change:
    """A use case whose verdict would change, with the kinds of change."""

    key: Any
    label: str
    before: dict[str, Any] | None
    after: dict[str, Any]
    kinds: tuple[str, ...]


@dataclass
class WhatIfReport:
    """The changes a candidate bundle would make, counted per kind, with the list of use cases."""

    total: int = 0
    changes: list[Change] = field(default_factory=list)
    counts: Counter[str] = field(default_factory=Counter)
    invalid: list[tuple[Any, str, str]] = field(default_factory=list)

    @property
    def unchanged(self) -> int:
        return self.total - len(self.changes) - len(self.invalid)

    def as_dict(self, *, limit: int | None = None) -> dict[str, Any]:
        """The report as JSON (at most ``limit`` changes listed; the counts always cover all)."""
        listed = self.changes if limit is None else self.changes[:limit]
        return {
            "total": self.total,
            "changed": len(self.changes),
            "unchanged": self.unchanged,
            "counts": dict(sorted(self.counts.items())),
            "changes": [
                {
                    "key": change.key,
                    "label": change.label,
                    "kinds": list(change.kinds),
                    "before": change.before,
                    "after": change.after,
                }
                for change in listed
            ],
            "invalid": [{"key": key, "label": label, "error": error} for key, label, error in self.invalid],
        }


def differences(before: dict[str, Any] | None, after: dict[str, Any]) -> tuple[str, ...]:
    """The kinds of change between two verdict summaries (empty if the outcome is the same)."""
    if before is None:
        return ("new",)
    if before == after:
        return ()
    kinds = []
    for key in ("risk_class", "decision"):
        if before.get(key) != after.get(key):
            kinds.append(f"{key}:{before.get(key)}→{after.get(key)}")
    for key, name in (("reviews", "review"), ("obligations", "obligation")):
        old, new = set(before.get(key) or []), set(after.get(key) or [])
        kinds.extend(f"{name}_added:{code}" for code in sorted(new - old))
        kinds.extend(f"{name}_removed:{code}" for code in sorted(old - new))
    return tuple(kinds)


def summary_digest(summary: dict[str, Any]) -> str:
    """A short fingerprint of a verdict summary: equal digests, equal verdicts."""
    return hashlib.blake2b(json.dumps(summary, sort_keys=True).encode("utf-8"), digest_size=16).hexdigest()


def input_digest(data: dict[str, Any]) -> str:
    """The fingerprint of an evaluation input, stored with each verdict."""
    text = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Shortcut:
    """What lets a what-if skip the rules a candidate bundle did not change.

    A rule whose condition and constants are the same in both bundles gives the same answer on the
    same input. So for a use case whose current verdict came from the ``current`` bundle and whose
    input has not changed since, the rules that fired before still fire (as far as they are
    unchanged), and only the new or changed rules are evaluated (``partial``, ``None`` if there are
    none); the verdict is then composed with the candidate's effects and obligations.
    """

    bundle_key: Any
    unchanged: frozenset[str]
    partial: Evaluator | None


def shortcut(current: Bundle, candidate: Bundle, bundle_key: Any) -> Shortcut:
    """The shortcut from the bundle that computed the current verdicts (``bundle_key``) to a candidate."""
    before = current.rules_by_id()
    unchanged = set()
    changed = []
    for rule in candidate.rules:
        old = before.get(rule.id)
        read = set(candidate.programs[rule.id].variables()) & (set(candidate.constants) | set(current.constants))
        same = (
            old is not None
            and old.condition == rule.condition
            and all(current.constants.get(name) == candidate.constants.get(name) for name in read)
        )
        if same:
            unchanged.add(rule.id)
        else:
            changed.append(rule)
    partial = None
    if changed:
        partial = Evaluator(
            dataclasses.replace(
                candidate,
                rules=tuple(changed),
                tests=(),
                programs={rule.id: candidate.programs[rule.id] for rule in changed},
            )
        )
    return Shortcut(bundle_key, frozenset(unchanged), partial)


#: Items evaluated together (the evaluator processes take them chunk by chunk, each with its time limit).
CHUNK = 500

#: Computes the new verdict summaries of a chunk of items elsewhere (an InputInvalid for an invalid input).
Outcomes = Callable[[list[WhatIfItem]], list[dict[str, Any] | InputInvalid]]


def what_if(
    evaluator: Evaluator | None,
    items: Iterable[WhatIfItem],
    *,
    on_result: Callable[[WhatIfItem, dict[str, Any], dict[str, Any] | None], None] | None = None,
    shortcut: Shortcut | None = None,
    outcomes: Outcomes | None = None,
) -> WhatIfReport:
    """Evaluate every item under ``evaluator``'s bundle and compare with its current verdict.

    With a :class:`Shortcut`, an item whose input and bundle are those of its current verdict is
    evaluated only on the rules that changed. ``on_result(item, new, current)`` is called for every
    item that could be evaluated: publishing stores the new verdicts through it, chunk by chunk.
    ``outcomes`` computes the new verdicts chunk by chunk elsewhere (the evaluator processes) instead
    of ``evaluator`` here.
    """
    if outcomes is None:
        if evaluator is None:
            raise ValueError("what_if needs an evaluator or outcomes")
        outcomes = _in_process(evaluator, shortcut)
    report = WhatIfReport()
    for chunk in _chunked(items):
        for item, after in zip(chunk, outcomes(chunk), strict=True):
            report.total += 1
            if isinstance(after, InputInvalid):
                report.invalid.append((item.key, item.label, str(after)))
                continue
            kinds = differences(item.current, after)
            if kinds:
                report.changes.append(Change(item.key, item.label, item.current, after, kinds))
                report.counts.update(kinds)
            if on_result is not None:
                on_result(item, after, item.current)
    return report


def _chunked(items: Iterable[WhatIfItem]) -> Iterable[list[WhatIfItem]]:
    chunk: list[WhatIfItem] = []
    for item in items:
        chunk.append(item)
        if len(chunk) >= CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _in_process(evaluator: Evaluator, shortcut: Shortcut | None) -> Outcomes:
    def outcomes(chunk: list[WhatIfItem]) -> list[dict[str, Any] | InputInvalid]:
        found: list[dict[str, Any] | InputInvalid] = []
        for item in chunk:
            try:
                found.append(new_verdict(evaluator, item, shortcut))
            except InputInvalid as exc:
                found.append(exc)
        return found

    return outcomes


def new_verdict(evaluator: Evaluator, item: WhatIfItem, shortcut: Shortcut | None) -> dict[str, Any]:
    """The new verdict summary of one item (only the changed rules evaluated, where the shortcut allows)."""
    current = item.current
    if shortcut is None or current is None or item.current_bundle != shortcut.bundle_key or not item.input_unchanged:
        return evaluator.evaluate_checked(normalise_input(item.input)).summary()
    fired = [rule for rule in current.get("fired", ()) if rule in shortcut.unchanged]
    failed = [rule for rule in current.get("failed", ()) if rule in shortcut.unchanged]
    if shortcut.partial is not None:
        part = shortcut.partial.evaluate_checked(normalise_input(item.input)).summary()
        fired.extend(part["fired"])
        failed.extend(part["failed"])
    return evaluator.summary_of(fired, failed)
