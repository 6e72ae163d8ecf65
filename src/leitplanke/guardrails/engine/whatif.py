"""What-if: which verdicts of the live portfolio a candidate bundle would change, before it is published."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from .evaluation import Evaluator, InputInvalid, normalise_input


@dataclass(frozen=True)
class WhatIfItem:
    """One use case to compare: its key, a label for people, its evaluation input, its current verdict."""

    key: Any
    label: str
    input: dict[str, Any]
    current: dict[str, Any] | None
    #: Instead of ``current``: the digest of the current verdict (see :func:`summary_digest`); the
    #: verdict itself is then fetched only if the new one differs.
    current_digest: str | None = None


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
                {"key": change.key, "label": change.label, "kinds": list(change.kinds),
                 "before": change.before, "after": change.after}
                for change in listed
            ],
            "invalid": [{"key": key, "label": label, "error": error} for key, label, error in self.invalid],
        }


def differences(before: dict[str, Any] | None, after: dict[str, Any]) -> tuple[str, ...]:
    """The kinds of change between two verdict summaries (empty if the outcome is the same)."""
    if before is None:
        return ("new",)
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


#: Items whose verdict changed, collected before their current verdicts are fetched in one go.
_FETCH_BATCH = 2000


def what_if(
    evaluator: Evaluator,
    items: Iterable[WhatIfItem],
    *,
    on_result: Callable[[WhatIfItem, dict[str, Any], dict[str, Any] | None], None] | None = None,
    current_of: Callable[[list[Any]], dict[Any, dict[str, Any]]] | None = None,
) -> WhatIfReport:
    """Evaluate every item under ``evaluator``'s bundle and compare with its current verdict.

    Items that carry only ``current_digest`` are compared by digest; ``current_of(keys)`` then
    returns the current verdicts of those that differ, so that the kinds of change can be named.
    ``on_result(item, new, current)`` is called for every item that could be evaluated, once its
    current verdict is known (``None`` if it had none, or if it is unchanged and was not fetched):
    publishing stores the new verdicts through it, chunk by chunk.
    """
    report = WhatIfReport()
    pending: list[tuple[WhatIfItem, dict[str, Any]]] = []
    for item in items:
        report.total += 1
        try:
            after = evaluator.evaluate_checked(normalise_input(item.input)).summary()
        except InputInvalid as exc:
            report.invalid.append((item.key, item.label, str(exc)))
            continue
        if item.current is not None or item.current_digest is None:
            _record(report, item, item.current, after, on_result)
        elif summary_digest(after) != item.current_digest:
            pending.append((item, after))
            if len(pending) >= _FETCH_BATCH:
                _resolve(report, pending, current_of, on_result)
        elif on_result is not None:
            on_result(item, after, None)
    _resolve(report, pending, current_of, on_result)
    return report


def _record(
    report: WhatIfReport,
    item: WhatIfItem,
    before: dict[str, Any] | None,
    after: dict[str, Any],
    on_result: Callable[[WhatIfItem, dict[str, Any], dict[str, Any] | None], None] | None,
) -> None:
    kinds = differences(before, after)
    if kinds:
        report.changes.append(Change(item.key, item.label, before, after, kinds))
        report.counts.update(kinds)
    if on_result is not None:
        on_result(item, after, before)


def _resolve(
    report: WhatIfReport,
    pending: list[tuple[WhatIfItem, dict[str, Any]]],
    current_of: Callable[[list[Any]], dict[Any, dict[str, Any]]] | None,
    on_result: Callable[[WhatIfItem, dict[str, Any], dict[str, Any] | None], None] | None,
) -> None:
    if not pending:
        return
    if current_of is None:
        raise ValueError("items with only a current_digest need current_of to fetch their verdicts")
    befores = current_of([item.key for item, _after in pending])
    for item, after in pending:
        _record(report, item, befores.get(item.key), after, on_result)
    pending.clear()
