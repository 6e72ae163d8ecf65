"""The full check of a candidate bundle, optionally in a separate process with a time limit.

``check_files`` validates a bundle, evaluates every condition on the smoke inputs and runs the
bundle's own tests. Publishing runs it through ``check_isolated``: a child process with a time and
memory limit, so that a pathological rule stops the child, never the application.

Run as ``python -m leitplanke.guardrails.engine.check`` it reads ``{"files": {path: text}}`` as
JSON on standard input and writes the report as JSON on standard output.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass, field
from typing import Any

from .bundle import Bundle, BundleInvalid, Problem, parse_bundle
from .evaluation import Evaluator
from .testing import failing_tests, run_tests, smoke_problems

#: Seconds the checks of one bundle may take before it is refused as too slow.
CHECK_TIMEOUT = 30
#: Memory the checking process may use (bytes).
CHECK_MEMORY = 2 * 1024**3


@dataclass
class CheckReport:
    """Everything a check found: problems (the bundle is refused if there are any) and test results."""

    problems: list[Problem] = field(default_factory=list)
    tests: list[dict[str, Any]] = field(default_factory=list)
    bundle: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems

    def as_dict(self) -> dict[str, Any]:
        """The report as JSON."""
        return {
            "ok": self.ok,
            "problems": [problem.as_dict() for problem in self.problems],
            "tests": self.tests,
            "bundle": self.bundle,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CheckReport:
        """A report read back from JSON."""
        return cls(
            problems=[Problem(**problem) for problem in data.get("problems", [])],
            tests=list(data.get("tests", [])),
            bundle=dict(data.get("bundle", {})),
        )


def describe(bundle: Bundle) -> dict[str, Any]:
    """The few facts about a bundle that reports show."""
    return {
        "id": bundle.id,
        "version": bundle.version,
        "digest": bundle.digest,
        "rules": len(bundle.rules),
        "tests": len(bundle.tests),
    }


def check_files(files: dict[str, str], *, tests: bool = True, bounded: bool = True) -> CheckReport:
    """Validate and smoke-evaluate a bundle in this process, and run its tests (unless ``tests=False``).

    ``bounded=False`` lifts the static limits on macros, depth and cost (see :func:`parse_bundle`).
    """
    try:
        bundle = parse_bundle(files, bounded=bounded)
    except BundleInvalid as exc:
        return CheckReport(problems=exc.problems)
    report = CheckReport(bundle=describe(bundle))
    report.problems.extend(smoke_problems(bundle))
    if not tests:
        return report
    results = run_tests(bundle, Evaluator(bundle))
    report.tests = [result.as_dict() for result in results]
    report.problems.extend(failing_tests(results))
    return report


def _limit_child() -> None:  # pragma: no cover (runs in the child process)
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (CHECK_MEMORY, CHECK_MEMORY))


def check_isolated(
    files: dict[str, str], *, tests: bool = True, timeout: float = CHECK_TIMEOUT, bounded: bool = True
) -> CheckReport:
    """:func:`check_files` in a child process that may use at most ``timeout`` seconds and 2 GiB."""
    payload = json.dumps({"files": files, "tests": tests, "bounded": bounded})
    environment = {key: value for key, value in os.environ.items() if key != "DJANGO_SETTINGS_MODULE"}
    try:
        completed = subprocess.run(
            [sys.executable, "-m", "leitplanke.guardrails.engine.check"],
            input=payload,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
            env=environment,
            preexec_fn=_limit_child if os.name == "posix" else None,
        )
    except subprocess.TimeoutExpired:
        return CheckReport(
            problems=[
                Problem(
                    "bundle.yaml",
                    1,
                    1,
                    f"checking the bundle took longer than {timeout:g} seconds: a rule is too slow or never finishes",
                )
            ]
        )
    if completed.returncode != 0:
        detail = (completed.stderr or "").strip().splitlines()[-1:] or ["no output"]
        return CheckReport(
            problems=[Problem("bundle.yaml", 1, 1, f"checking the bundle stopped unexpectedly ({detail[0][:200]})")]
        )
    return CheckReport.from_dict(json.loads(completed.stdout))


def main() -> None:  # pragma: no cover (exercised through check_isolated)
    """Read a bundle as JSON from standard input, write the check report as JSON to standard output."""
    data = json.load(sys.stdin)
    files = data.get("files") if isinstance(data, dict) else None
    if not isinstance(files, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in files.items()):
        report = CheckReport(problems=[Problem("bundle.yaml", 1, 1, "no bundle files given")])
    else:
        report = check_files(files, tests=bool(data.get("tests", True)), bounded=bool(data.get("bounded", True)))
    json.dump(report.as_dict(), sys.stdout)


if __name__ == "__main__":
    main()
