"""``leitplanke worker`` keeps working: it outlives database errors, and its supervisor restarts a killed worker."""

from __future__ import annotations

import os
import re
import select
import signal
import subprocess
import time
from pathlib import Path

import pytest
from asgiref.local import Local
from django.core.management import call_command
from django.db import OperationalError
from django.tasks import task_backends
from django_tasks_db.models import DBTaskResult, DBTaskResultQuerySet

from leitplanke.notifications import supervisor
from leitplanke.notifications.tasks import periodic_run

from ..audit.support import child_env, leitplanke_executable
from .conftest import WORKS_COUNCIL_FACTS

pytestmark = pytest.mark.django_db(transaction=True)

DEADLINE = 60  # seconds; generous for a loaded machine, only reached when the behaviour is broken
STARTED = re.compile(r"Worker process (\d+) started")


@pytest.fixture
def database_queue(settings) -> None:
    """The database task backend, as in production."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    task_backends._settings = None  # type: ignore[attr-defined]
    task_backends._connections = Local()  # type: ignore[attr-defined]


def test_the_worker_outlives_a_database_error(
    make_usecase, reviewers, smtp_settings, database_queue, monkeypatch
) -> None:
    # Given a queued e-mail, and a database that fails the worker's first attempt to claim a task
    make_usecase(**WORKS_COUNCIL_FACTS)
    original = DBTaskResultQuerySet.get_locked
    failures: list[str] = []

    def get_locked(self: DBTaskResultQuerySet) -> DBTaskResult | None:
        if not failures:
            failures.append("disk I/O error")
            raise OperationalError("disk I/O error")  # not "locked": django-tasks-db's own loop exits on it
        return original(self)

    monkeypatch.setattr(DBTaskResultQuerySet, "get_locked", get_locked)
    monkeypatch.setattr(supervisor, "RETRY_FIRST_DELAY", 0.01)

    # When the worker works off the queue
    call_command("worker", "--batch", "--no-periodic", verbosity=0)

    # Then it got past the error and sent the mail
    assert failures == ["disk I/O error"]
    assert [r.recipients for r in smtp_settings.messages] == [[reviewers.works_council.email]]
    assert DBTaskResult.objects.get().status == "SUCCESSFUL"


def _next_child(process: subprocess.Popen[str], deadline: float) -> int:
    """The id of the next worker process the supervisor reports starting."""
    assert process.stderr is not None
    while time.monotonic() < deadline:
        readable, _, _ = select.select([process.stderr], [], [], max(0.0, deadline - time.monotonic()))
        line = process.stderr.readline() if readable else ""
        if not line and process.poll() is not None:
            break
        if match := STARTED.search(line):
            return int(match.group(1))
    process.kill()
    pytest.fail(f"no worker process started; supervisor said:\n{process.communicate(timeout=10)}")


def test_a_killed_worker_process_is_restarted_and_works_on(database_queue) -> None:
    # Given ``leitplanke worker`` running as its own process, with its supervisor and a worker process
    env = child_env()
    env.update(
        DJANGO_SETTINGS_MODULE="tests.notifications.worker_settings",
        PYTHONPATH=str(Path(__file__).resolve().parents[2]),
    )
    process = subprocess.Popen(
        [*leitplanke_executable(), "worker", "--no-periodic", "--interval", "0.2"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + DEADLINE
    try:
        first = _next_child(process, deadline)

        # When the worker process is killed without warning
        os.kill(first, signal.SIGKILL)

        # Then the supervisor starts a new one, which runs the tasks queued after the kill
        second = _next_child(process, deadline)
        assert second != first
        result = periodic_run.enqueue()
        while time.monotonic() < deadline and DBTaskResult.objects.get(pk=result.id).status != "SUCCESSFUL":
            time.sleep(0.1)
        assert DBTaskResult.objects.get(pk=result.id).status == "SUCCESSFUL"

        # And SIGTERM stops the supervisor and its worker cleanly
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=max(1.0, deadline - time.monotonic())) == 0
        with pytest.raises(ProcessLookupError):
            os.kill(second, 0)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)
