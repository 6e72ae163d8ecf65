"""``leitplanke worker``: run the background work (e-mails, webhook deliveries, the periodic job).

The worker takes tasks from the database queue (django-tasks-db) one at a time; a small scheduler
thread enqueues the periodic job (deadline reminders and escalation, due obligations,
re-certification) at start and then every ``PERIODIC_JOB_MINUTES``. Several workers may run: each
task is claimed by one, and the periodic job is idempotent.

The command supervises itself (see :mod:`leitplanke.notifications.supervisor`): the work runs in a
child process that is started again when it dies, database errors are retried with a growing
wait, tasks abandoned by a killed worker are taken back after ``TASK_LEASE_SECONDS``, and pending
e-mails and webhook deliveries that lost their task are queued again.
"""

from __future__ import annotations

import logging
from functools import partial
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from leitplanke.notifications.supervisor import supervise, work


class Command(BaseCommand):
    help = "Run Leitplanke's background worker: e-mail notifications, webhook deliveries and the periodic deadline job."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--interval",
            type=float,
            default=1.0,
            help="Seconds to wait for new tasks when the queue is empty (default: 1).",
        )
        parser.add_argument(
            "--batch", action="store_true", help="Run the periodic job once, work off every waiting task, then stop."
        )
        parser.add_argument("--no-periodic", action="store_true", help="Do not schedule the periodic job.")
        parser.add_argument(
            "--no-supervisor",
            action="store_true",
            help="Work in this process, without a supervisor that restarts it (for a process "
            "manager that restarts it itself).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        self._configure_logging(options["verbosity"])
        run = partial(
            work,
            interval=options["interval"],
            batch=options["batch"],
            periodic=not options["no_periodic"],
            periodic_minutes=settings.PERIODIC_JOB_MINUTES,
        )
        if options["batch"] or options["no_supervisor"]:
            run()
            return
        supervise(partial(run, supervised=True))

    def _configure_logging(self, verbosity: int) -> None:
        """Show the worker's and the task framework's log on the console unless logging says otherwise."""
        level = logging.CRITICAL if verbosity == 0 else logging.INFO if verbosity == 1 else logging.DEBUG
        for name in ("leitplanke.worker", "django_tasks_db", "django.tasks"):
            log = logging.getLogger(name)
            log.setLevel(level)
            if not log.hasHandlers():
                log.addHandler(logging.StreamHandler(self.stdout))
