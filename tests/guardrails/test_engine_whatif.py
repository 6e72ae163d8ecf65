"""What-if: the changes a candidate bundle would make, and the shortcut that evaluates only changed rules."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from leitplanke.guardrails.engine import (
    Evaluator,
    WhatIfItem,
    default_folder,
    input_digest,
    parse_bundle,
    read_folder,
    shortcut,
    what_if,
)

from ..profiles import examples
from .support import case, default_evaluator
from .test_engine_evaluation import _TOOLS, _facts

TRANSPARENCY = "rules/30-ai-act-transparency.yaml"
GDPR = "rules/40-gdpr.yaml"
SECURITY = "rules/60-security.yaml"


def _variant(change: Callable[[dict[str, str]], None]) -> Evaluator:
    files = read_folder(default_folder())
    change(files)
    files["bundle.yaml"] = files["bundle.yaml"].replace('version: "2026.12.1"', 'version: "2026.12.1-x"')
    return Evaluator(parse_bundle(files))


def _replace(path: str, old: str, new: str) -> Callable[[dict[str, str]], None]:
    def change(files: dict[str, str]) -> None:
        assert old in files[path]
        files[path] = files[path].replace(old, new)

    return change


VARIANTS = {
    # only an effect changes: deepfakes are blocked instead of reviewed by legal
    "effect": _replace(
        TRANSPARENCY,
        "      - obligation: ai-act-art50-4-disclose-deepfake\n      - review: legal",
        "      - obligation: ai-act-art50-4-disclose-deepfake\n      - block: true",
    ),
    # a condition changes: large-scale means more than 10,000 people only when known
    "condition": _replace(GDPR, """&& scale in ["large", "unsure"]'""", """&& scale == "large"'"""),
    # a constant changes: analytics becomes an Annex III area in this company's reading
    "constant": _replace(
        "bundle.yaml", "  annex_iii_people: [education,", "  annex_iii_people: [analytics, education,"
    ),
    # a rule is renamed (removed, and added under a new id)
    "renamed": _replace(
        SECURITY,
        "  - id: sec-tool-conditions\n    title: {de: Werkzeug mit Auflagen",
        "  - id: sec-tool-with-conditions\n    title: {de: Werkzeug mit Auflagen",
    ),
}


def test_a_what_if_names_each_kind_of_change() -> None:
    candidate = _variant(VARIANTS["effect"])
    deepfake = case(purposes=["content_creation"], generated_content="deepfake")
    items = [
        WhatIfItem(1, "Deepfake", deepfake, default_evaluator().evaluate(deepfake).summary()),
        WhatIfItem(2, "Harmless", case(), default_evaluator().evaluate(case()).summary()),
        WhatIfItem(3, "New", case(), None),
        WhatIfItem(4, "Broken", {"facts": {"scale": "huge"}}, None),
    ]
    report = what_if(candidate, items)
    assert (report.total, len(report.changes), report.unchanged) == (4, 2, 1)
    assert report.changes[0].kinds == ("decision:review→blocked", "review_removed:legal")
    assert report.changes[1].kinds == ("new",)
    assert report.invalid[0][0] == 4 and "huge" in report.invalid[0][2]
    assert report.counts["decision:review→blocked"] == 1


def test_the_shortcut_only_evaluates_the_rules_that_changed() -> None:
    candidate = _variant(VARIANTS["condition"])
    cut = shortcut(default_evaluator().bundle, candidate.bundle, "current")
    assert cut.partial is not None
    assert [rule.id for rule in cut.partial.bundle.rules] == ["gdpr-personal-data-scale"]
    assert len(cut.unchanged) == len(candidate.bundle.rules) - 1
    same = shortcut(default_evaluator().bundle, default_evaluator().bundle, "current")
    assert same.partial is None


@pytest.mark.parametrize("variant", sorted(VARIANTS))
@settings(max_examples=examples(60), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(facts=_facts(), tools=_TOOLS, stage=st.sampled_from(["idea", "pilot", "production", "retired"]))
def test_the_shortcut_gives_exactly_the_verdicts_of_a_full_evaluation(
    variant: str, facts: dict[str, Any], tools: list[dict[str, Any]], stage: str
) -> None:
    # Given a use case with its current verdict under the default bundle, and a changed candidate
    data = {"facts": facts, "tools": tools, "unit": "team", "stage": stage}
    current = default_evaluator().evaluate(data).summary()
    candidate = _CANDIDATES[variant]
    cut = shortcut(default_evaluator().bundle, candidate.bundle, "current")
    item = WhatIfItem(1, "x", data, current, input_digest(data), "current")
    found: list[dict[str, Any]] = []
    # when the what-if takes the shortcut, the new verdict is the one a full evaluation gives
    what_if(candidate, [item], shortcut=cut, on_result=lambda _item, new, _old: found.append(new))
    assert found == [Evaluator(candidate.bundle, memo=False).evaluate(data).summary()]


_CANDIDATES = {name: _variant(change) for name, change in VARIANTS.items()}


def test_a_changed_input_is_evaluated_in_full() -> None:
    # Given a stored verdict whose input has changed since (say, a tool's entry was edited outside)
    candidate = _CANDIDATES["effect"]
    cut = shortcut(default_evaluator().bundle, candidate.bundle, "current")
    stored = case(purposes=["content_creation"])
    now = case(purposes=["content_creation"], generated_content="deepfake")
    item = WhatIfItem(1, "x", now, default_evaluator().evaluate(stored).summary(), input_digest(stored), "current")
    found: list[dict[str, Any]] = []
    what_if(candidate, [item], shortcut=cut, on_result=lambda _item, new, _old: found.append(new))
    assert found[0]["decision"] == "blocked"
