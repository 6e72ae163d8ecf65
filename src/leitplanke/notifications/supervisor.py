"""How ``leitplanke worker`` keeps running: a supervisor process, and a worker that outlives database errors.

The supervisor (:func:`supervise`) holds no database connection. It forks the worker process,
waits for it, and forks a new one when it dies, waiting 1, 2, 4 … up to :data:`RESTART_MAX_DELAY`
seconds between restarts of a worker that keeps dying (the wait starts over once a worker ran for
:data:`HEALTHY_AFTER` seconds). SIGTERM and SIGINT stop both: the worker finishes the task in hand,
then both exit. Every connection is closed before a fork, so no database handle is ever shared by
two processes (SQLite forbids it; on PostgreSQL two processes would talk over one socket).

The worker process (:func:`work`) runs django-tasks-db's worker loop in
:class:`ResilientWorker`, which catches database errors (``database is locked``, a connection lost,
a failover) around each round of claiming, drops the connections and tries again after 0.5, 1,
2 … up to :data:`RETRY_MAX_DELAY` seconds; after :data:`RETRY_LIMIT` errors in a row it gives up and
the supervisor starts a fresh process. Beside it, two threads keep the queue healthy: the periodic
job's scheduler, and :func:`~leitplanke.notifications.outbox.queue_heal` (abandoned tasks and
outbox rows without a task), at the start and then every :func:`heal_interval` seconds.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import threading
import time
from collections.abc import Callable
from types import FrameType
from typing import Any

from django.db import DatabaseError, close_old_connections, connections
from django_tasks_db.management.commands.db_worker import Worker

from .outbox import lease, queue_heal

logger = logging.getLogger("leitplanke.worker")

#: Longest wait, in seconds, before a dead worker process is started again.
RESTART_MAX_DELAY = 60.0
#: A worker process that ran this many seconds counts as healthy: the next restart waits 1 s again.
HEALTHY_AFTER = 120.0
#: Longest wait, in seconds, after a database error before the worker tries again.
RETRY_MAX_DELAY = 30.0
#: The wait, in seconds, after the first database error (doubled for each further one in a row).
RETRY_FIRST_DELAY = 0.5
#: Database errors in a row after which the worker process gives up (the supervisor starts a new one).
RETRY_LIMIT = 20


def backoff(failures: int, *, first: float, most: float) -> float:
    """The wait after the ``failures``-th failure in a row: ``first``, doubled each time, at most ``most``."""
    return min(first * 2 ** max(failures - 1, 0), most)


def heal_interval() -> float:
    """Seconds between two runs of the queue's self-healing: half the lease, at most a minute."""
    return min(lease().total_seconds() / 2, 60.0)


class ResilientWorker(Worker):
    """django-tasks-db's worker, which survives database errors instead of exiting on them.

    Under a supervisor, SIGINT is left to the supervisor (a Ctrl+C in a terminal reaches both
    processes; the supervisor turns it into one SIGTERM), so the task in hand is always finished
    before the worker stops.
    """

    supervised = False

    def configure_signals(self) -> None:
        if not self.supervised:
            super().configure_signals()
            return
        signal.signal(signal.SIGTERM, self.shutdown)
        signal.signal(signal.SIGINT, signal.SIG_IGN)

    def run(self) -> None:
        """Work until stopped (or, in batch mode, until the queue is empty), retrying after database errors."""
        failures = 0
        while self.running:
            try:
                super().run()
                return
            except DatabaseError as exc:
                failures += 1
                if failures > RETRY_LIMIT:
                    raise
                delay = backoff(failures, first=RETRY_FIRST_DELAY, most=RETRY_MAX_DELAY)
                logger.warning(
                    "Database error in the worker (%s in a row), trying again in %.1f s: %s", failures, delay, exc
                )
                connections.close_all()  # a broken connection is opened afresh on the next query
                self.startup_delay = False
                time.sleep(delay)


def _every(stop: threading.Event, seconds: Callable[[], float], job: Callable[[], Any], what: str) -> None:
    """Run ``job`` now and then every ``seconds()`` until ``stop`` is set; an error waits for the next time."""
    while not stop.is_set():
        try:
            close_old_connections()
            job()
        except Exception:  # the database may be away for a moment; try again at the next slot
            logger.exception("Could not run %s", what)
        finally:
            connections.close_all()
        stop.wait(seconds())


def work(*, interval: float, batch: bool, periodic: bool, periodic_minutes: float, supervised: bool = False) -> None:
    """The worker process: heal the queue, schedule the periodic job, and run tasks until stopped."""
    from .tasks import periodic_run

    stop = threading.Event()
    if batch:
        queue_heal()
        if periodic:
            periodic_run.enqueue()
    else:
        threading.Thread(
            target=_every,
            args=(stop, heal_interval, queue_heal, "the queue's self-healing"),
            name="queue-heal",
            daemon=True,
        ).start()
        if periodic:
            threading.Thread(
                target=_every,
                args=(stop, lambda: periodic_minutes * 60, periodic_run.enqueue, "the periodic job"),
                name="periodic",
                daemon=True,
            ).start()
    worker = ResilientWorker(
        queue_names=["default"],
        interval=interval,
        batch=batch,
        backend_name="default",
        startup_delay=not batch,
        max_tasks=None,
        worker_id=f"{os.uname().nodename}-{os.getpid()}"[:64],
        excluded_queue_names=[],
    )
    worker.supervised = supervised
    worker.configure_signals()
    try:
        worker.run()
    finally:
        stop.set()


def _exit_code(status: int) -> int:
    return os.waitstatus_to_exitcode(status)


def supervise(run: Callable[[], None], *, on_start: Callable[[int], None] | None = None) -> int:
    """Run ``run`` in a child process and start it again whenever it ends, until SIGTERM or SIGINT.

    ``on_start`` is told each new child's process id. Returns the exit code of the last child.
    """
    child = 0
    stopping = False

    def stop(signum: int, frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True
        if child:
            with contextlib.suppress(ProcessLookupError):
                os.kill(child, signal.SIGTERM)

    previous = {signum: signal.signal(signum, stop) for signum in (signal.SIGTERM, signal.SIGINT)}
    failures, code = 0, 0
    try:
        while not stopping:
            connections.close_all()  # no database connection may cross the fork
            started = time.monotonic()
            child = os.fork()
            if child == 0:  # the worker process
                for signum in previous:
                    signal.signal(signum, signal.SIG_DFL)
                _run_child(run)
            if stopping:  # the signal came between the fork and knowing the child's id
                os.kill(child, signal.SIGTERM)
            if on_start is not None:
                on_start(child)
            logger.info("Worker process %s started", child)
            _pid, status = os.waitpid(child, 0)
            child = 0
            code = _exit_code(status)
            if stopping:
                break
            failures = 1 if time.monotonic() - started >= HEALTHY_AFTER else failures + 1
            delay = backoff(failures, first=1.0, most=RESTART_MAX_DELAY)
            logger.error("Worker process ended (exit code %s); starting a new one in %.0f s", code, delay)
            deadline = time.monotonic() + delay
            while not stopping and time.monotonic() < deadline:
                time.sleep(min(0.1, deadline - time.monotonic()))
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    logger.info("Worker stopped")
    return code


def _run_child(run: Callable[[], None]) -> None:
    """Run the worker in the forked process and leave it with an exit code, never returning to the caller."""
    code = 1
    try:
        run()
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except BaseException:
        logger.exception("The worker process failed")
    finally:
        logging.shutdown()
        os._exit(code)
