"""Benchmark: what a verdict costs in the web process against the evaluator processes.

Run by hand, never in the test suite::

    .venv/bin/python bench/guardrails_sandbox.py [--count 2000] [--rounds 5] [--seed 7]

Every bundle but the shipped one is evaluated by the evaluator processes
(``guardrails/engine/sandbox.py``): one request per verdict, over a pipe, with a time and memory
limit. This measures, on the same synthetic portfolio inputs (``bench/synthetic.py``) and a bundle
that is the shipped one with one more rule (so that it is not trusted):

* ``in process``: ``Evaluator.evaluate`` as the web process would run it;
* ``pool``: ``Pool.outcomes`` with one input per request (a verdict as a use case is saved), the
  verdict then composed in this process;
* ``what-if chunk``: 500 portfolio items per request (as what-if and publication send them), per item;
* a runaway rule (60^4 steps) in an evaluator process, stopped by a 3 s limit, while this process
  goes on evaluating verdicts of the shipped bundle: the longest of those shows whether anything stalled.

The two are interleaved, input by input (each way keeps one compiled bundle that remembers
outcomes, as in production), so a busy machine slows both alike; the load average is printed with the table. The
start of an evaluator process (once per web process, and again after a limit stopped one) is
measured separately.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import random
import statistics
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import synthetic

from leitplanke.guardrails.engine import Evaluator, WhatIfItem, default_folder, parse_bundle, read_folder, what_if
from leitplanke.guardrails.engine.sandbox import Pool, Stopped

_EXTRA = """\
rules:
  - id: bench-extra
    title: {de: Zusatz, en: Extra}
    reason: {de: Grund, en: Reason}
    rationale: {de: Begründung, en: Rationale}
    reference: Art. 1
    when: 'unit == "bench" && tools.exists(t, t.status == "in_evaluation")'
    effects:
      - review: legal
"""


def _bundle() -> dict[str, str]:
    files = read_folder(default_folder())
    files["rules/99-bench.yaml"] = _EXTRA
    return files


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def _while_a_rule_runs(pool: Pool, rng: random.Random, tools: list[dict[str, object]]) -> dict[str, float]:
    """Verdicts of the shipped bundle in this process while a runaway rule runs in an evaluator process.

    In the web process the CEL extension would hold the interpreter lock for the whole runaway
    evaluation; in an evaluator process it holds only that process's.
    """
    n = "[" + ",".join(str(number) for number in range(60)) + "]"
    runaway = dict(read_folder(default_folder()))
    runaway["rules/99-bench.yaml"] = _EXTRA.replace(
        'unit == "bench" && tools.exists(t, t.status == "in_evaluation")',
        f'unit == "bench" && {n}.exists(a, {n}.exists(b, {n}.exists(c, {n}.exists(d, a + b + c + d < 0))))',
    )
    digest = Evaluator(parse_bundle(runaway, bounded=False)).bundle.digest
    pool.outcomes(runaway, digest, [{}], timeout=60)  # compiled before the clock starts
    shipped = Evaluator(parse_bundle(read_folder(default_folder())))
    timeout = 3.0
    done = threading.Event()

    def run() -> None:
        with contextlib.suppress(Stopped):
            pool.outcomes(runaway, digest, [{"unit": "bench"}], timeout=timeout)
        done.set()

    started = time.perf_counter()
    thread = threading.Thread(target=run)
    thread.start()
    times = []
    while not done.is_set():
        data = synthetic.portfolio_input(rng, tools)
        clock = time.perf_counter_ns()
        shipped.evaluate(data)
        times.append((time.perf_counter_ns() - clock) / 1e6)
    thread.join()
    return {
        "seconds": time.perf_counter() - started,
        "timeout": timeout,
        "count": len(times),
        "longest": max(times),
        "p99": _percentile(times, 0.99),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--count", type=int, default=2000, help="verdicts per round and way")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rng = random.Random(args.seed)  # noqa: S311 (synthetic data, not secrets)
    tools = synthetic.catalogue(rng)
    files = _bundle()

    started = time.perf_counter()
    pool = Pool(processes=1)
    pool.outcomes(files, Evaluator(parse_bundle(files)).bundle.digest, [{}], timeout=60)
    first = time.perf_counter() - started

    here: list[float] = []
    there: list[float] = []
    chunk_here: list[float] = []
    chunk_there: list[float] = []
    # One evaluator here, as the evaluator process keeps one: both remember outcomes alike.
    evaluator = Evaluator(parse_bundle(files))
    digest = evaluator.bundle.digest
    for _round in range(args.rounds):
        inputs = [synthetic.portfolio_input(rng, tools) for _ in range(args.count)]
        for data in inputs:
            clock = time.perf_counter_ns()
            evaluator.evaluate(data)
            here.append((time.perf_counter_ns() - clock) / 1000)
            clock = time.perf_counter_ns()
            [outcome] = pool.outcomes(files, digest, [data], timeout=60)
            outcome.verdict(evaluator)
            there.append((time.perf_counter_ns() - clock) / 1000)
        items = [WhatIfItem(index, "", data, None) for index, data in enumerate(inputs[:500])]
        fresh = Evaluator(parse_bundle(files))
        clock = time.perf_counter_ns()
        what_if(fresh, items)
        chunk_here.append((time.perf_counter_ns() - clock) / 1000 / len(items))
        other = [WhatIfItem(index, "", synthetic.portfolio_input(rng, tools), None) for index in range(500)]
        clock = time.perf_counter_ns()
        pool.what_if((files, digest), other, current=None, timeout=60)
        chunk_there.append((time.perf_counter_ns() - clock) / 1000 / len(other))
    stall = _while_a_rule_runs(pool, rng, tools)
    pool.close()

    load = os.getloadavg()
    print(
        f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} on {os.cpu_count()} cores; "
        f"{args.rounds} rounds × {args.count} verdicts each way, interleaved\n"
    )
    print("| way | median µs | p95 µs | ratio to in process (median) |")
    print("|---|---:|---:|---:|")
    base = statistics.median(here)
    rows: list[tuple[str, list[float]]] = [
        ("verdict in process", here),
        ("verdict through the pool", there),
        ("what-if, per item, in process (chunks of 500)", chunk_here),
        ("what-if, per item, through the pool (chunks of 500)", chunk_there),
    ]
    for name, values in rows:
        median = statistics.median(values)
        print(f"| {name} | {median:,.1f} | {_percentile(values, 0.95):,.1f} | {median / base:.1f} |")
    print(f"\nstarting an evaluator process and compiling the bundle in it: {first * 1000:,.0f} ms")
    print(
        f"\nwhile a runaway rule ran {stall['seconds']:.1f} s in an evaluator process (stopped by a "
        f"{stall['timeout']:g} s limit), this process evaluated {stall['count']:,} verdicts of the shipped bundle "
        f"while another thread waited for it: longest {stall['longest']:,.1f} ms, p99 {stall['p99']:,.2f} ms"
    )


if __name__ == "__main__":
    main()
