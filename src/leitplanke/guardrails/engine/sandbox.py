"""Evaluator processes: rules written by users run where a time and memory limit stops them, not the app.

A :class:`Pool` keeps a few evaluator processes. Each is a fresh interpreter (started with
``exec``, so no database connection, socket or open file of the web process reaches it), limits
its own address space with ``RLIMIT_AS`` before it reads anything, keeps the bundles it was given
compiled by their digest, and answers one request at a time over a pipe. A request that is not
answered within its time limit, or whose process dies (its memory limit), raises :class:`Stopped`
naming the rules that were running; that process is killed and a replacement is started at once in
the background, given the bundles the killed one had compiled, and set among the idle processes, so
the next request finds a warm process instead of starting and compiling one itself. The CEL
extension holds the interpreter lock while it runs, so a thread cannot stop a runaway condition;
another process can.

Which rules were running is read from a small shared page that the process writes before each group
of rules runs (:data:`evaluation.on_group`), so a stopped request still names its rule.

Run as ``python -m leitplanke.guardrails.engine.sandbox IN OUT PROGRESS MEMORY`` (the pool does that).
"""

from __future__ import annotations

import contextlib
import json
import logging
import mmap
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

from . import evaluation
from .bundle import BundleInvalid, Problem, parse_bundle
from .check import CheckReport, check_files
from .evaluation import Evaluator, InputInvalid, Verdict
from .whatif import Shortcut, WhatIfItem, new_verdict, shortcut

logger = logging.getLogger(__name__)

_PAGE = 4096
#: Bundles an evaluator process keeps compiled (the active one, a candidate, a few older ones).
_KEPT = 8
#: Environment variables an evaluator process gets (it needs no secret and no database).
_ENVIRONMENT = ("PATH", "PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "LANG", "LC_ALL", "TMPDIR", "HOME")


class Stopped(Exception):
    """An evaluation was stopped by its time limit (``reason="time"``) or its memory limit (``"memory"``).

    ``rules`` names the rules that were running (empty if none was running yet).
    """

    def __init__(self, reason: str, rules: Sequence[str], seconds: float) -> None:
        self.reason = reason
        self.rules = tuple(rules)
        self.seconds = seconds
        running = ", ".join(self.rules) or "none"
        super().__init__(f"stopped by the {reason} limit after {seconds:.1f} s (rules running: {running})")


@dataclass(frozen=True)
class Outcome:
    """What evaluating one input gave: the rules that fired and failed, or why the input is invalid."""

    fired: tuple[str, ...] = ()
    failures: tuple[tuple[str, str], ...] = ()
    unanswered: tuple[str, ...] = ()
    invalid: str | None = None

    def verdict(self, evaluator: Evaluator) -> Verdict:
        """The verdict under ``evaluator``'s bundle (composed here, nothing is evaluated again)."""
        if self.invalid is not None:
            raise InputInvalid(self.invalid)
        return evaluator.verdict_of(self.fired, self.failures, self.unanswered)


class _Process:
    """One evaluator process with its pipes and the page where it notes the rules running."""

    def __init__(self, memory: int, start_timeout: float) -> None:
        into_read, self.into_write = os.pipe()
        self.out_read, out_write = os.pipe()
        self.page_file = tempfile.TemporaryFile()  # noqa: SIM115 (open for the process's life)
        self.page_file.truncate(_PAGE)
        self.page = mmap.mmap(self.page_file.fileno(), _PAGE)
        environment = {key: os.environ[key] for key in _ENVIRONMENT if key in os.environ}
        page_fd = self.page_file.fileno()
        self.process = subprocess.Popen(  # noqa: S603 (our own module, no shell)
            [sys.executable, "-m", __name__, str(into_read), str(out_write), str(page_fd), str(memory)],
            pass_fds=(into_read, out_write, page_fd),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            env=environment,
        )
        os.close(into_read)
        os.close(out_write)
        self.send_end = Connection(self.into_write, readable=False)
        self.receive_end = Connection(self.out_read, writable=False)
        self.loaded: set[str] = set()
        if not self.receive_end.poll(start_timeout):
            self.kill()
            raise Stopped("time", (), start_timeout)
        self.receive_end.recv()  # "ready"

    def running(self) -> tuple[str, ...]:
        """The rules the process noted as running (read after it was stopped)."""
        length = int.from_bytes(self.page[:2], "big")
        text = bytes(self.page[2 : 2 + min(length, _PAGE - 2)]).decode("utf-8", "replace")
        return tuple(rule for rule in text.split(",") if rule)

    def kill(self) -> None:
        self.process.kill()
        self.process.wait()
        for closing in (self.send_end.close, self.receive_end.close, self.page.close, self.page_file.close):
            with contextlib.suppress(OSError):
                closing()


class Pool:
    """A few evaluator processes shared by the threads of one process; created lazily, replaced when stopped."""

    def __init__(self, *, processes: int = 2, memory: int = 1024**3, start_timeout: float = 60.0) -> None:
        self.size = max(1, processes)
        self.memory = memory
        self.start_timeout = start_timeout
        self._idle: list[_Process] = []
        self._lock = threading.Lock()
        self._slots = threading.BoundedSemaphore(self.size)
        self._owner = os.getpid()
        #: The files of the bundles handed to the processes by digest (the last few), for replacements.
        self._files: dict[str, dict[str, str]] = {}
        #: A replacement being started in the background (at most one at a time).
        self._replacing: threading.Thread | None = None
        self._closed = False

    # -- the requests ------------------------------------------------------------------------------
    def outcomes(self, files: dict[str, str], digest: str, inputs: Sequence[Any], *, timeout: float) -> list[Outcome]:
        """Evaluate each input under the bundle ``files`` (its ``digest``): fired and failed rules per input."""
        # Plain JSON values only: the process imports no application code to unpickle anything else.
        plain = json.loads(json.dumps(list(inputs)))
        return self._call("outcomes", (digest, plain), [(digest, files)], timeout)

    def what_if(
        self,
        candidate: tuple[dict[str, str], str],
        items: Sequence[WhatIfItem],
        *,
        current: tuple[dict[str, str], str, Any] | None,
        timeout: float,
    ) -> list[dict[str, Any] | InputInvalid]:
        """The new verdict summary of each item under the candidate (with the shortcut from ``current``)."""
        files, digest = candidate
        needs = [(digest, files)]
        if current is not None:
            needs.append((current[1], current[0]))
        request = (digest, (current[1], current[2]) if current else None, list(items))
        answers = self._call("what_if", request, needs, timeout)
        return [InputInvalid(answer[1]) if isinstance(answer, tuple) else answer for answer in answers]

    def check(self, files: dict[str, str], *, tests: bool, bounded: bool, timeout: float) -> CheckReport:
        """:func:`check_files` in an evaluator process; a rule that is too slow is named in the report."""
        try:
            return CheckReport.from_dict(self._call("check", (files, tests, bounded), [], timeout))
        except Stopped as stopped:
            return CheckReport(problems=[Problem("bundle.yaml", 1, 1, stopped_problem(stopped))])

    def close(self) -> None:
        """Stop every idle evaluator process (busy ones are stopped by their callers)."""
        with self._lock:
            idle, self._idle = self._idle, []
            self._closed = True
        for process in idle:
            process.kill()

    # -- the plumbing -------------------------------------------------------------------------------
    def _call(self, operation: str, request: Any, needs: list[tuple[str, dict[str, str]]], timeout: float) -> Any:
        if os.getpid() != self._owner:  # pragma: no cover (a forked copy must not use its parent's pipes)
            self._idle, self._owner = [], os.getpid()
            self._slots = threading.BoundedSemaphore(self.size)
            self._lock, self._replacing = threading.Lock(), None
        started = time.monotonic()
        if not self._slots.acquire(timeout=max(timeout * 4, 1.0)):
            raise Stopped("time", (), time.monotonic() - started)
        process = None
        with self._lock:
            for digest, files in needs:
                self._files.pop(digest, None)
                self._files[digest] = files
            while len(self._files) > _KEPT:
                del self._files[next(iter(self._files))]
        try:
            process = self._take()
            for digest, files in needs:
                if digest not in process.loaded:
                    # Compiling is not evaluating: it has the start's time limit, not the request's.
                    process.send_end.send(("load", digest, files))
                    if not process.receive_end.poll(self.start_timeout):
                        self._replace(process)
                        process = None
                        raise Stopped("time", (), self.start_timeout)
                    kind, answer = process.receive_end.recv()
                    if kind == "invalid":
                        raise BundleInvalid([Problem(**problem) for problem in answer])
                    process.loaded.add(digest)
            process.send_end.send((operation, request, timeout))
            started = time.monotonic()
            if not process.receive_end.poll(timeout):
                rules = process.running()
                self._replace(process)
                process = None
                raise Stopped("time", rules, time.monotonic() - started)
            try:
                kind, answer = process.receive_end.recv()
            except (EOFError, OSError) as exc:
                rules = process.running()
                self._replace(process)
                process = None
                raise Stopped("memory", rules, time.monotonic() - started) from exc
            if kind == "invalid":
                raise BundleInvalid([Problem(**problem) for problem in answer])
            if kind == "memory":
                rules = process.running()
                self._replace(process)
                process = None
                raise Stopped("memory", rules, time.monotonic() - started)
            if kind == "failed":
                raise RuntimeError(f"the evaluator process failed: {answer}")
            return answer
        finally:
            if process is not None:
                self._return(process)
            self._slots.release()

    def _return(self, process: _Process) -> None:
        """Set ``process`` among the idle ones, or stop it if the pool is closed or has enough."""
        with self._lock:
            keep = not self._closed and len(self._idle) < self.size
            if keep:
                self._idle.append(process)
        if not keep:
            process.kill()

    def _replace(self, killed: _Process) -> None:
        """Kill ``killed`` and start its replacement in the background, with the bundles it had compiled."""
        killed.kill()
        with self._lock:
            if self._closed or (self._replacing is not None and self._replacing.is_alive()):
                return
            bundles = [(digest, self._files[digest]) for digest in killed.loaded if digest in self._files]
            self._replacing = threading.Thread(
                target=self._start_replacement, args=(bundles,), name="evaluator-replacement", daemon=True
            )
            self._replacing.start()

    def _start_replacement(self, bundles: list[tuple[str, dict[str, str]]]) -> None:
        """Start a process, compile ``bundles`` in it and set it idle; a failure is logged, never raised."""
        process = None
        try:
            process = _Process(self.memory, self.start_timeout)
            for digest, files in bundles:
                process.send_end.send(("load", digest, files))
                if not process.receive_end.poll(self.start_timeout):
                    raise Stopped("time", (), self.start_timeout)
                kind, _answer = process.receive_end.recv()
                if kind == "ok":
                    process.loaded.add(digest)
        except Exception:
            logger.warning("starting a replacement evaluator process failed", exc_info=True)
            if process is not None:
                process.kill()
            return
        self._return(process)

    def _take(self) -> _Process:
        with self._lock:
            while self._idle:
                process = self._idle.pop()
                if process.process.poll() is None:
                    return process
                process.kill()
        return _Process(self.memory, self.start_timeout)


def stopped_problem(stopped: Stopped) -> str:
    """The problem a check reports for a bundle whose evaluation was stopped."""
    limit = "time" if stopped.reason == "time" else "memory"
    if stopped.rules:
        return (
            f"rule '{stopped.rules[0]}' was stopped by the {limit} limit of the evaluator "
            f"({stopped.seconds:.1f} s): it is too slow or never finishes"
        )
    return f"checking the bundle was stopped by the {limit} limit of the evaluator ({stopped.seconds:.1f} s)"


# -- inside an evaluator process --------------------------------------------------------------------


class _Worker:
    """The evaluator process's side: compiled bundles by digest, and the answer to each request."""

    def __init__(self, page: mmap.mmap) -> None:
        self.page = page
        self.files: dict[str, dict[str, str]] = {}
        self.evaluators: dict[str, Evaluator] = {}
        self.shortcuts: dict[tuple[str, str, Any], Shortcut] = {}
        self.labels: dict[int, bytes] = {}

    def note(self, group: Any) -> None:
        """Note the rules of the group about to run (read by the pool if it has to stop this process)."""
        label = self.labels.get(id(group))
        if label is None:
            label = ",".join(group.rule_ids).encode("utf-8")[: _PAGE - 2]
            self.labels[id(group)] = label
        self.page[2 : 2 + len(label)] = label
        self.page[:2] = len(label).to_bytes(2, "big")

    def evaluator(self, digest: str) -> Evaluator:
        found = self.evaluators.get(digest)
        if found is None:
            if len(self.evaluators) >= _KEPT:
                self.evaluators.clear()
                self.shortcuts.clear()
                self.labels.clear()
            # Every bundle handed over was checked before; the time limit bounds it, not the static limits.
            found = self.evaluators[digest] = Evaluator(parse_bundle(self.files[digest], bounded=False))
        return found

    def answer(self, operation: str, request: Any) -> Any:
        if operation == "outcomes":
            digest, inputs = request
            evaluator = self.evaluator(digest)
            found: list[Outcome] = []
            for data in inputs:
                try:
                    verdict = evaluator.evaluate(data)
                except InputInvalid as exc:
                    found.append(Outcome(invalid=str(exc)))
                    continue
                found.append(Outcome(verdict.fired_rules, verdict.failures, verdict.unanswered))
            return found
        if operation == "what_if":
            digest, current, items = request
            candidate = self.evaluator(digest)
            cut = None
            if current is not None:
                key = (current[0], digest, current[1])
                cut = self.shortcuts.get(key)
                if cut is None:
                    before = self.evaluator(current[0]).bundle
                    cut = self.shortcuts[key] = shortcut(before, candidate.bundle, current[1])
            answers: list[Any] = []
            for item in items:
                try:
                    answers.append(new_verdict(candidate, item, cut))
                except InputInvalid as exc:
                    answers.append(("invalid", str(exc)))
            return answers
        if operation == "check":
            files, tests, bounded = request
            return check_files(files, tests=tests, bounded=bounded).as_dict()
        raise ValueError(f"unknown request {operation!r}")


def main(arguments: list[str]) -> None:  # pragma: no cover (runs in the evaluator process)
    """Serve requests from the pool until it closes the pipe."""
    import resource

    into, out, page_fd, memory = (int(argument) for argument in arguments)
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    receive_end = Connection(into, writable=False)
    send_end = Connection(out, readable=False)
    page = mmap.mmap(page_fd, _PAGE)
    worker = _Worker(page)
    evaluation.on_group = worker.note
    send_end.send("ready")
    while True:
        try:
            message = receive_end.recv()
        except EOFError:
            return
        if message[0] == "load":
            _load, digest, files = message
            worker.files[digest] = files
            try:
                worker.evaluator(digest)
                send_end.send(("ok", None))
            except BundleInvalid as exc:
                del worker.files[digest]
                send_end.send(("invalid", [problem.as_dict() for problem in exc.problems]))
            continue
        operation, request, timeout = message
        # Should the pool be gone (its process killed), a runaway request still ends: the CPU limit
        # of this request is twice its time limit, after which the system stops this process.
        used = resource.getrusage(resource.RUSAGE_SELF)
        cpu = int(used.ru_utime + used.ru_stime + 2 * timeout) + 2
        hard = resource.getrlimit(resource.RLIMIT_CPU)[1]
        resource.setrlimit(resource.RLIMIT_CPU, (cpu if hard == resource.RLIM_INFINITY else min(cpu, hard), hard))
        page[:2] = b"\0\0"
        try:
            answer: tuple[str, Any] = ("ok", worker.answer(operation, request))
        except BundleInvalid as exc:
            answer = ("invalid", [problem.as_dict() for problem in exc.problems])
        except MemoryError:
            answer = ("memory", None)  # the address-space limit, met in Python code
        except Exception as exc:  # noqa: BLE001 (a fault of this code: reported, the process goes on)
            answer = ("failed", f"{type(exc).__name__}: {exc}"[:500])
        page[:2] = b"\0\0"
        send_end.send(answer)


def timed(function: Callable[[], Any]) -> tuple[Any, float]:
    """The result of ``function()`` and the seconds it took (for the benchmarks)."""
    started = time.perf_counter()
    result = function()
    return result, time.perf_counter() - started


if __name__ == "__main__":  # pragma: no cover
    # Through the module's own name, so that what it sends back unpickles as the pool's classes.
    from leitplanke.guardrails.engine import sandbox

    sandbox.main(sys.argv[1:])
