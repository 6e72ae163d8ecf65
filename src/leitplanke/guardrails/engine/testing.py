"""Rule tests and pre-publication checks: a bundle proves itself before it may decide anything.

* :func:`run_tests` runs the test cases that the rule files carry (like ``opa test``): each input,
  laid over the bundle's ``test_input`` baseline, is evaluated by the whole bundle and compared with
  what the test expects.
* :func:`smoke_problems` evaluates every condition on a few inputs that cover every answer code, so
  that a condition that fails at run time (a missing field, a wrong type) is refused with its file
  and line instead of surfacing in a verdict.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from . import contract
from .bundle import Bundle, Problem, RuleTest
from .evaluation import Evaluator, normalise_input


@dataclass
class CaseResult:
    """The outcome of one rule test: passed, or the differences between expected and actual."""

    test: RuleTest
    failures: list[str] = field(default_factory=list)
    verdict: dict[str, Any] = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        return not self.failures

    def as_dict(self) -> dict[str, Any]:
        """The result as JSON."""
        return {
            "name": self.test.name,
            "file": self.test.file,
            "line": self.test.line,
            "passed": self.passed,
            "failures": self.failures,
        }


def run_tests(bundle: Bundle, evaluator: Evaluator | None = None) -> list[CaseResult]:
    """Run every test case of the bundle and say, for each, what did not come out as expected."""
    evaluator = evaluator or Evaluator(bundle)
    results = []
    for test in bundle.tests:
        verdict = evaluator.evaluate(test.input)
        summary = verdict.summary()
        expect = test.expect
        failures = []
        for key in ("risk_class", "decision"):
            if key in expect and expect[key] != summary[key]:
                failures.append(f"{key}: expected {expect[key]}, got {summary[key]}")
        if "reviews" in expect and sorted(expect["reviews"]) != sorted(summary["reviews"]):
            wanted, got = ", ".join(sorted(expect["reviews"])), ", ".join(sorted(summary["reviews"]))
            failures.append(f"reviews: expected [{wanted}], got [{got}]")
        fired = set(summary["fired"])
        missing = [rule_id for rule_id in expect.get("fired") or [] if rule_id not in fired]
        if missing:
            failures.append(f"expected to fire but did not: {', '.join(missing)}")
        unexpected = [rule_id for rule_id in expect.get("not_fired") or [] if rule_id in fired]
        if unexpected:
            failures.append(f"fired but should not: {', '.join(unexpected)}")
        lacking = [code for code in expect.get("obligations") or [] if code not in summary["obligations"]]
        if lacking:
            failures.append(f"obligations missing: {', '.join(lacking)}")
        for rule_id, error in verdict.failures:
            failures.append(f"rule {rule_id} could not be evaluated: {error}")
        results.append(CaseResult(test, failures, summary))
    return results


def failing_tests(results: list[CaseResult]) -> list[Problem]:
    """Failed tests as problems with file and line (a bundle with any of them is refused)."""
    return [
        Problem(
            result.test.file, result.test.line, 1, f"test '{result.test.name}' failed: {'; '.join(result.failures)}"
        )
        for result in results
        if not result.passed
    ]


def smoke_inputs() -> list[dict[str, Any]]:
    """Inputs that together use every answer code, with no tool, one tool and one tool of each kind."""

    def tool(status: str, region: str, classification: str, flag: bool) -> dict[str, Any]:
        return {
            "name": f"Smoke {status}",
            "status": status,
            "hosting_region": region,
            "max_classification": classification,
            "personal_data_allowed": flag,
            "dpa_signed": flag,
            "trains_on_inputs": not flag,
        }

    every_tool = [
        tool(status, contract.HOSTING_REGIONS[i % 3], contract.CLASSIFICATIONS[i % 4], i % 2 == 0)
        for i, status in enumerate(contract.TOOL_STATUSES)
    ]
    inputs: list[dict[str, Any]] = []
    for position in range(4):
        facts: dict[str, Any] = {}
        for spec in contract.FACT_SPECS:
            codes = sorted(spec.accepted) if not spec.multiple else list(spec.codes)
            if spec.multiple:
                facts[spec.name] = [] if position == 0 else codes if position == 1 else codes[position - 2 :: 2]
            else:
                facts[spec.name] = codes[position % len(codes)] if position < 3 else contract.UNSURE
        tools = [[], every_tool, every_tool[:1], every_tool[2:]][position]
        inputs.append({"facts": facts, "tools": tools, "unit": "smoke", "stage": contract.STAGES[position]})
    # The largest input the contract allows, so that a rule that is slow on big inputs is caught in time.
    largest = {spec.name: list(spec.codes) if spec.multiple else contract.UNSURE for spec in contract.FACT_SPECS}
    many_tools = [every_tool[n % len(every_tool)] | {"name": f"Smoke {n}"} for n in range(contract.MAX_TOOLS)]
    inputs.append({"facts": largest, "tools": many_tools, "unit": "x" * contract.MAX_TEXT, "stage": "production"})
    return inputs


def smoke_problems(bundle: Bundle) -> list[Problem]:
    """Conditions that fail or give something other than true/false on the smoke inputs."""
    problems: dict[str, Problem] = {}
    evaluator = Evaluator(bundle, memo=False)
    rules = bundle.rules_by_id()
    for data in smoke_inputs():
        verdict = evaluator.evaluate_checked(normalise_input(data))
        for rule_id, error in verdict.failures:
            rule = rules[rule_id]
            problems.setdefault(
                rule_id, Problem(rule.file, rule.line, 1, f"rule '{rule_id}' fails when evaluated: {error}")
            )
    return list(problems.values())
