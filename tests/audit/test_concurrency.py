"""Concurrent appends, from threads and from separate OS processes, leave one gap-free valid chain."""

from __future__ import annotations

import select
import subprocess
import sys
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor, wait
from pathlib import Path

import pytest
from django.db import connection

from leitplanke.audit import chain
from leitplanke.audit.models import Event
from leitplanke.audit.services import event_record, verify

from .support import HISTORY_LENGTH, child_env

pytestmark = pytest.mark.django_db(transaction=True)

THREADS = 8
EVENTS_PER_THREAD = 25
PROCESSES = 2
EVENTS_PER_PROCESS = 50
WORKER = Path(__file__).with_name("append_worker.py")
DEADLINE = 90  # seconds for the whole run; generous for a loaded 2-core machine


def assert_one_valid_chain(expected_total: int) -> None:
    """Sequence numbers 1..N without gaps, each event linked to the one before, and verify() ok."""
    rows = list(Event.objects.order_by("seq").values_list("seq", "prev_hash", "hash"))
    assert [seq for seq, _, _ in rows] == list(range(1, expected_total + 1))
    prev_hash = chain.GENESIS_HASH
    for seq, event_prev_hash, event_hash in rows:
        assert event_prev_hash == prev_hash, f"event #{seq} does not link to event #{seq - 1}"
        prev_hash = event_hash
    result = verify()
    assert result.ok, result.problem
    assert result.checked == expected_total


def append_from_thread(name: str, start: threading.Barrier) -> None:
    """Connect, wait for every other thread, append, and close this thread's connection."""
    try:
        connection.ensure_connection()
        start.wait()
        for number in range(EVENTS_PER_THREAD):
            event_record(
                actor=None,
                action="test.appended",
                object_type="test.thread",
                object_id=f"{name}-{number}",
                object_label=name,
                after={"thread": name, "number": number},
            )
    finally:
        connection.close()


def test_appends_from_many_threads_leave_one_gap_free_chain(history):
    # Given an existing chain and 8 threads, each with its own database connection
    start = threading.Barrier(THREADS, timeout=DEADLINE)
    names = [f"thread-{n}" for n in range(THREADS)]
    # When all of them append 25 events at the same time
    pool = ThreadPoolExecutor(max_workers=THREADS)
    futures = [pool.submit(append_from_thread, name, start) for name in names]
    done, not_done = wait(futures, timeout=DEADLINE)
    pool.shutdown(wait=False, cancel_futures=True)
    assert not not_done, f"{len(not_done)} threads still running after {DEADLINE}s"
    for future in done:
        future.result()  # re-raises a thread's exception with its traceback
    # Then there is one valid chain holding every event exactly once
    assert_one_valid_chain(HISTORY_LENGTH + THREADS * EVENTS_PER_THREAD)
    per_thread = Counter(Event.objects.filter(object_type="test.thread").values_list("object_label", flat=True))
    assert per_thread == dict.fromkeys(names, EVENTS_PER_THREAD)


def start_worker(name: str) -> subprocess.Popen[str]:
    """Start an append worker process on the test database; it waits for "go" on stdin."""
    return subprocess.Popen(
        [sys.executable, str(WORKER), name, str(EVENTS_PER_PROCESS)],
        env=child_env(),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def stop_and_describe(worker: subprocess.Popen[str], name: str) -> str:
    """End a worker that went wrong and return what it said, for the failure message."""
    if worker.poll() is None:
        worker.kill()
    stdout, stderr = worker.communicate(timeout=10)
    return f"worker {name} (exit {worker.returncode})\nstdout:\n{stdout}\nstderr:\n{stderr}"


def await_ready(worker: subprocess.Popen[str], name: str, deadline: float) -> None:
    """Block until the worker prints "ready", failing with its stderr if it dies or hangs."""
    assert worker.stdout is not None
    readable, _, _ = select.select([worker.stdout], [], [], max(0.0, deadline - time.monotonic()))
    line = worker.stdout.readline() if readable else ""
    if line.strip() != "ready":
        pytest.fail(f"worker {name} did not get ready: {line!r}\n{stop_and_describe(worker, name)}")


def test_appends_from_two_processes_at_once_leave_one_gap_free_chain(history):
    # Given an existing, committed chain and two worker processes connected to the same database
    names = [f"process-{n}" for n in range(PROCESSES)]
    deadline = time.monotonic() + DEADLINE
    workers = {name: start_worker(name) for name in names}
    try:
        for name, worker in workers.items():
            await_ready(worker, name, deadline)
        # When both are released at once and each appends 50 events
        for worker in workers.values():
            assert worker.stdin is not None
            worker.stdin.write("go\n")
            worker.stdin.flush()  # communicate() below closes stdin
        for name, worker in workers.items():
            try:
                stdout, stderr = worker.communicate(timeout=max(1.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                pytest.fail(f"worker {name} did not finish in time\n{stop_and_describe(worker, name)}")
            assert worker.returncode == 0 and "done" in stdout, (
                f"worker {name} failed (exit {worker.returncode})\nstdout:\n{stdout}\nstderr:\n{stderr}"
            )
    finally:
        for name, worker in workers.items():
            if worker.poll() is None:
                stop_and_describe(worker, name)
    # Then there is one valid chain holding every event exactly once
    assert_one_valid_chain(HISTORY_LENGTH + PROCESSES * EVENTS_PER_PROCESS)
    per_process = Counter(Event.objects.filter(object_type="test.worker").values_list("object_label", flat=True))
    assert per_process == dict.fromkeys(names, EVENTS_PER_PROCESS)
