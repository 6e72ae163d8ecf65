"""Benchmark: evaluating use cases under the default rule bundle, and a what-if over 100,000 of them.

Run by hand, never in the test suite::

    .venv/bin/python bench/guardrails_engine.py [--count 100000] [--seed 7]

The engine alone (no Django, no database): it generates evaluation inputs (``bench/synthetic.py``:
a realistic *portfolio* and the *uniform* worst case), then measures per evaluation, with
``time.perf_counter_ns`` around each call:

* ``engine``: ``Evaluator`` as Leitplanke uses it (outcomes remembered per group of rules and per
  input), starting cold;
* ``engine, no memory``: the same without remembering anything: every rule evaluated every time;
* ``raw CEL``: the ``cel`` library alone evaluating the same conditions on the same inputs
  (each condition compiled once; per input one ``cel.Context`` with the input and the bundle's
  constants, then every condition executed), which is what the engine's overhead is compared with.

Then a what-if: every portfolio input evaluated under a changed bundle and compared with its
verdict under the default one, as ``leitplanke policy whatif`` does after loading the use cases:
once with every rule evaluated, once re-evaluating only the rules the candidate changed (what
``whatif`` and ``publish`` do for verdicts whose input and bundle are unchanged).
It prints Markdown tables.
"""

from __future__ import annotations

import argparse
import gc
import random
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import cel
import synthetic

from leitplanke.guardrails.engine import (
    Evaluator,
    WhatIfItem,
    default_folder,
    normalise_input,
    parse_bundle,
    read_folder,
    shortcut,
    what_if,
)


def _timed(function: Any, inputs: list[Any]) -> list[float]:
    """Microseconds per call of ``function`` on each input."""
    times = []
    clock = time.perf_counter_ns
    for data in inputs:
        started = clock()
        function(data)
        times.append((clock() - started) / 1000)
    return times


def _row(label: str, times: list[float], baseline: float | None = None) -> str:
    ordered = sorted(times)
    median = statistics.median(ordered)
    p95 = ordered[int(len(ordered) * 0.95)]
    ratio = f"{median / baseline:.2f}" if baseline else "1.00"
    return f"| {label} | {len(times):,} | {median:.1f} µs | {p95:.1f} µs | {sum(times) / 1e6:.2f} s | {ratio} |"


def _raw_cel(bundle: Any) -> Any:
    programs = [cel.compile(rule.condition) for rule in bundle.rules]
    constants = bundle.constants

    def evaluate(raw: dict[str, Any]) -> list[Any]:
        context = cel.Context(
            variables={**raw["facts"], "tools": raw["tools"], "unit": raw["unit"], "stage": raw["stage"], **constants}
        )
        return [program.execute(context) for program in programs]

    return evaluate


def _changed_bundle() -> Any:
    """The default bundle with one rule made stricter (deepfakes blocked), as a candidate for the what-if."""
    files = read_folder(default_folder())
    path = "rules/30-ai-act-transparency.yaml"
    files[path] = files[path].replace(
        "      - obligation: ai-act-art50-4-disclose-deepfake\n      - review: legal",
        "      - obligation: ai-act-art50-4-disclose-deepfake\n      - block: true",
    )
    files["bundle.yaml"] = files["bundle.yaml"].replace('version: "2026.12.1"', 'version: "2026.12.1-candidate"')
    return parse_bundle(files)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100_000, help="portfolio inputs (the uniform set has a fifth)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--only", choices=("portfolio", "uniform"), help="measure one input set only")
    args = parser.parse_args()
    rng = random.Random(args.seed)  # noqa: S311 (synthetic data)
    tools = synthetic.catalogue(rng)
    sets = {
        "portfolio": [normalise_input(synthetic.portfolio_input(rng, tools)) for _ in range(args.count)],
        "uniform": [normalise_input(synthetic.uniform_input(rng, tools)) for _ in range(args.count // 5)],
    }
    bundle = parse_bundle(read_folder(default_folder()))
    raw_evaluate = _raw_cel(bundle)
    gc.collect()
    gc.freeze()  # as `leitplanke serve` does after start-up
    print(
        f"Default bundle {bundle.id} {bundle.version}: {len(bundle.rules)} rules; "
        f"{len(set(map(_key, sets['portfolio']))):,} distinct portfolio inputs of {args.count:,}.\n"
    )
    print("| evaluator | inputs | median | p95 | total | median ÷ raw CEL |")
    print("|---|---|---|---|---|---|")
    for name, inputs in sets.items():
        if args.only and name != args.only:
            continue
        raw_times = _timed(lambda checked: raw_evaluate(checked.raw), inputs)
        baseline = statistics.median(raw_times)
        for label, evaluator in (
            ("engine", Evaluator(bundle)),
            ("engine, no memory", Evaluator(bundle, memo=False)),
        ):
            sample = inputs if evaluator.memo else inputs[: max(1, len(inputs) // 5)]
            print(_row(f"{name}: {label}", _timed(evaluator.evaluate_checked, sample), baseline))
        print(_row(f"{name}: raw CEL", raw_times, baseline))
        # The engine must give the same answers with and without its speed-ups.
        plain, fast = Evaluator(bundle, memo=False), Evaluator(bundle)
        for checked in inputs[:2000]:
            assert plain.evaluate_checked(checked).summary() == fast.evaluate_checked(checked).summary()  # noqa: S101

    current = Evaluator(bundle)
    portfolio = sets["portfolio"]
    items = [
        WhatIfItem(number, f"use case {number}", checked.raw, current.evaluate_checked(checked).summary())
        for number, checked in enumerate(portfolio)
    ]
    candidate = _changed_bundle()
    print("\n| what-if (engine only, inputs in memory) | use cases | changed | time |")
    print("|---|---|---|---|")
    started = time.perf_counter()
    report = what_if(Evaluator(candidate), items)
    elapsed = time.perf_counter() - started
    print(
        f"| default → deepfakes blocked, every rule evaluated | {report.total:,} | "
        f"{len(report.changes):,} | {elapsed:.2f} s |"
    )
    # As publishing does: verdicts whose input and bundle are unchanged re-evaluate the changed rules only.
    for item in items:
        item.current_input_digest, item.current_bundle = item.input_digest(), bundle.digest
    started = time.perf_counter()
    fast = what_if(Evaluator(candidate), items, shortcut=shortcut(bundle, candidate, bundle.digest))
    elapsed = time.perf_counter() - started
    assert [c.key for c in fast.changes] == [c.key for c in report.changes]  # noqa: S101
    print(
        f"| default → deepfakes blocked, changed rules only | {fast.total:,} | "
        f"{len(fast.changes):,} | {elapsed:.2f} s |"
    )


def _key(checked: Any) -> str:
    return repr(checked.raw)


if __name__ == "__main__":
    main()
