"""Nothing waits for ever: a delivery whose worker was killed, or whose task was lost, is still sent."""

from __future__ import annotations

import datetime as dt

import pytest
from asgiref.local import Local
from django.core.management import call_command
from django.tasks import task_backends
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from leitplanke.notifications.models import EmailStatus, Notification
from leitplanke.webhooks.models import Delivery, DeliveryStatus

from .conftest import COMPLETE_FACTS, WORKS_COUNCIL_FACTS

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def database_queue(settings) -> None:
    """The database task backend, as in production, with a lease of one minute."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.TASK_LEASE_SECONDS = 60
    task_backends._settings = None  # type: ignore[attr-defined]
    task_backends._connections = Local()  # type: ignore[attr-defined]


def test_a_task_left_running_past_its_lease_is_run_again_and_its_delivery_sent(
    make_endpoint, make_usecase, consumer, database_queue
) -> None:
    # Given a delivery whose worker was killed while sending it: the task still "running" after the lease
    endpoint = make_endpoint(["usecase.submitted"])
    make_usecase(**COMPLETE_FACTS)
    task = DBTaskResult.objects.get(task_path__endswith="deliver_webhook")
    DBTaskResult.objects.filter(pk=task.pk).update(
        status="RUNNING", started_at=timezone.now() - dt.timedelta(seconds=61), worker_ids=["killed-worker"]
    )
    assert Delivery.objects.get(endpoint=endpoint).attempts == 0

    # When a worker runs
    call_command("worker", "--batch", "--no-periodic", verbosity=0)

    # Then the task was run again and the delivery is delivered, once
    task.refresh_from_db()
    assert task.status == "SUCCESSFUL"
    assert task.worker_ids[0] == "killed-worker" and len(task.worker_ids) == 2
    delivery = Delivery.objects.get(endpoint=endpoint)
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.DELIVERED, 1)
    assert len(consumer.received) == 1


def test_a_task_running_within_its_lease_is_left_to_its_worker(make_endpoint, make_usecase, database_queue) -> None:
    # Given a delivery that a live worker is sending right now
    make_endpoint(["usecase.submitted"])
    make_usecase(**COMPLETE_FACTS)
    DBTaskResult.objects.update(status="RUNNING", started_at=timezone.now() - dt.timedelta(seconds=30))

    # When another worker runs
    call_command("worker", "--batch", "--no-periodic", verbosity=0)

    # Then it neither runs that task nor queues the delivery a second time
    assert list(DBTaskResult.objects.values_list("status", flat=True)) == ["RUNNING"]
    assert Delivery.objects.get().attempts == 0


def test_an_outbox_row_whose_enqueue_was_lost_is_still_delivered(
    make_endpoint, make_usecase, reviewers, consumer, mailoutbox, database_queue
) -> None:
    # Given a submitted use case whose e-mail and webhook tasks were lost (the rows are pending, no task)
    endpoint = make_endpoint(["usecase.submitted"])
    make_usecase(**WORKS_COUNCIL_FACTS)
    assert DBTaskResult.objects.count() >= 2  # written in the change's own transaction
    DBTaskResult.objects.all().delete()
    a_while_ago = timezone.now() - dt.timedelta(minutes=2)
    Delivery.objects.update(next_attempt_at=a_while_ago)
    Notification.objects.update(created_at=a_while_ago)
    pending_mails = Notification.objects.filter(email_status=EmailStatus.PENDING).count()
    assert pending_mails >= 1

    # When a worker runs
    call_command("worker", "--batch", "--no-periodic", verbosity=0)

    # Then the webhook and every e-mail went out after all
    assert Delivery.objects.get(endpoint=endpoint).status == DeliveryStatus.DELIVERED
    assert len(consumer.received) == 1
    assert not Notification.objects.filter(email_status=EmailStatus.PENDING).exists()
    assert len(mailoutbox) == pending_mails
