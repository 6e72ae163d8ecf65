"""``leitplanke worker``: run the background work (e-mails, webhook deliveries, the periodic job).

The worker takes tasks from the database queue (django-tasks-db) one at a time; a small scheduler
thread enqueues the periodic job (deadline reminders and escalation, due obligations,
re-certification) at start and then every ``PERIODIC_JOB_MINUTES``. Several workers may run: each
task is claimed by one, and the periodic job is idempotent.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser
from django.db import close_old_connections

logger = logging.getLogger("leitplanke.worker")


def _schedule(stop: threading.Event, minutes: float) -> None:
    from leitplanke.notifications.tasks import periodic_run

    while not stop.is_set():
        try:
            close_old_connections()
            periodic_run.enqueue()
        except Exception:  # the database may be away for a moment; try at the next slot
            logger.exception("Could not enqueue the periodic job")
        finally:
            close_old_connections()
        stop.wait(minutes * 60)


class Command(BaseCommand):
    help = "Run Leitplanke's background worker: e-mail notifications, webhook deliveries and the periodic deadline job."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--interval", type=float, default=1.0,
                            help="Seconds to wait for new tasks when the queue is empty (default: 1).")
        parser.add_argument("--batch", action="store_true",
                            help="Run the periodic job once, work off every waiting task, then stop.")
        parser.add_argument("--no-periodic", action="store_true", help="Do not schedule the periodic job.")

    def handle(self, *args: Any, **options: Any) -> None:
        stop = threading.Event()
        if options["batch"]:
            if not options["no_periodic"]:
                from leitplanke.notifications.tasks import periodic_run

                periodic_run.enqueue()
        elif not options["no_periodic"]:
            threading.Thread(
                target=_schedule, args=(stop, settings.PERIODIC_JOB_MINUTES), name="periodic", daemon=True
            ).start()
        try:
            call_command(
                "db_worker", interval=options["interval"], batch=options["batch"], reload=False,
                startup_delay=not options["batch"], verbosity=options["verbosity"], queue_name="default",
            )
        finally:
            stop.set()
