"""The worker delivers each event signed, retries a failing endpoint with backoff, and logs every attempt."""

from __future__ import annotations

import datetime as dt
import socket
import uuid

import pytest
from django.core.management import call_command

from leitplanke.webhooks import services
from leitplanke.webhooks.models import Delivery, DeliveryAttempt, DeliveryStatus
from leitplanke.webhooks.signing import ID_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, verify_signature

from .conftest import COMPLETE_FACTS

pytestmark = pytest.mark.django_db


def _attempts(delivery: Delivery) -> list[tuple[int, int | None, bool]]:
    return list(
        DeliveryAttempt.objects.filter(delivery=delivery)
        .order_by("number")
        .values_list("number", "http_status", "delivered")
    )


def test_the_receiver_gets_a_signed_event_it_can_verify(
    make_endpoint, make_usecase, consumer, django_capture_on_commit_callbacks
) -> None:
    # Given an endpoint for submitted use cases
    endpoint = make_endpoint(["usecase.submitted"])

    # When a use case is submitted and the transaction commits
    with django_capture_on_commit_callbacks(execute=True):
        usecase = make_usecase(**COMPLETE_FACTS)

    # Then the receiver got one request whose signature verifies with the endpoint's secret
    [request] = consumer.received
    assert request.verified
    assert request.path == "/hooks/leitplanke"
    assert request.headers["Content-Type"].startswith("application/json")
    event = request.event
    assert set(event) == {"id", "type", "created", "data"}
    assert (event["type"], event["data"]["usecase"]["id"]) == ("usecase.submitted", usecase.pk)
    assert request.headers[ID_HEADER] == event["id"]
    delivery = Delivery.objects.get(endpoint=endpoint)
    assert (delivery.status, delivery.attempts, delivery.last_status) == (DeliveryStatus.DELIVERED, 1, 200)
    assert str(delivery.event_id) == event["id"]
    assert delivery.delivered_at is not None
    assert _attempts(delivery) == [(1, 200, True)]


def test_the_receiver_refuses_a_tampered_body_and_an_old_timestamp(
    make_endpoint, make_usecase, consumer, django_capture_on_commit_callbacks
) -> None:
    make_endpoint(["usecase.submitted"])
    with django_capture_on_commit_callbacks(execute=True):
        make_usecase(**COMPLETE_FACTS)
    [request] = consumer.received

    tampered = request.body.replace(b'"usecase.submitted"', b'"policy.published"')
    assert not verify_signature(consumer.secret, request.headers, tampered)
    timestamp = int(request.headers[TIMESTAMP_HEADER])
    assert not verify_signature(consumer.secret, request.headers, request.body, now=timestamp + 301)
    assert verify_signature(consumer.secret, request.headers, request.body, now=timestamp + 299)


def test_a_failing_endpoint_is_retried_until_it_answers_and_every_attempt_is_logged(
    make_endpoint, make_usecase, consumer, django_capture_on_commit_callbacks
) -> None:
    # Given a receiver that fails twice before it answers 200
    endpoint = make_endpoint(["usecase.submitted"])
    consumer.answers = [500, 503]

    with django_capture_on_commit_callbacks(execute=True):
        make_usecase(**COMPLETE_FACTS)

    # Then the same event arrived three times, each signed anew, and the third one was delivered
    assert [request.status for request in consumer.received] == [500, 503, 200]
    assert all(request.verified for request in consumer.received)
    assert len({request.headers[ID_HEADER] for request in consumer.received}) == 1
    assert len({request.body for request in consumer.received}) == 1
    delivery = Delivery.objects.get(endpoint=endpoint)
    assert (delivery.status, delivery.attempts, delivery.last_status, delivery.last_error) == (
        DeliveryStatus.DELIVERED,
        3,
        200,
        "",
    )
    assert _attempts(delivery) == [(1, 500, False), (2, 503, False), (3, 200, True)]
    assert DeliveryAttempt.objects.get(delivery=delivery, number=1).error == "HTTP 500"


def test_an_endpoint_that_never_answers_well_is_marked_failed_after_the_configured_attempts(
    make_endpoint, make_usecase, consumer, settings, django_capture_on_commit_callbacks
) -> None:
    settings.WEBHOOK_ATTEMPTS = 3
    consumer.default = 500
    endpoint = make_endpoint(["usecase.submitted"])

    with django_capture_on_commit_callbacks(execute=True):
        make_usecase(**COMPLETE_FACTS)

    delivery = Delivery.objects.get(endpoint=endpoint)
    assert (delivery.status, delivery.attempts, delivery.last_status, delivery.last_error) == (
        DeliveryStatus.FAILED,
        3,
        500,
        "HTTP 500",
    )
    assert delivery.next_attempt_at is None
    assert _attempts(delivery) == [(1, 500, False), (2, 500, False), (3, 500, False)]
    assert len(consumer.received) == 3


def test_retries_wait_one_two_four_minutes(
    make_endpoint, make_usecase, consumer, settings, monkeypatch, django_capture_on_commit_callbacks
) -> None:
    # Given a backend that defers (as the database queue does): record what is enqueued when
    enqueued: list[tuple[int, dt.timedelta | None]] = []
    monkeypatch.setattr(services, "enqueue_later", lambda task, pk, delay=None: enqueued.append((pk, delay)))
    settings.WEBHOOK_ATTEMPTS = 4
    consumer.default = 500
    make_endpoint(["usecase.submitted"])
    with django_capture_on_commit_callbacks(execute=True):
        make_usecase(**COMPLETE_FACTS)
    [(pk, first)] = enqueued
    assert first is None  # the first attempt goes at once

    # When the worker runs each attempt as it comes due
    results = [services.delivery_deliver(pk) for _ in range(4)]

    # Then it waited 1, 2, 4 minutes between them, and the log says when the next attempt is due
    assert results == ["retry", "retry", "retry", "failed"]
    assert [delay for _, delay in enqueued[1:]] == [
        dt.timedelta(minutes=1),
        dt.timedelta(minutes=2),
        dt.timedelta(minutes=4),
    ]
    assert Delivery.objects.get(pk=pk).attempts == 4


def test_a_network_error_is_logged_and_retried(
    make_endpoint, make_usecase, settings, django_capture_on_commit_callbacks
) -> None:
    # Given an endpoint on a port where nobody listens
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    settings.WEBHOOK_ATTEMPTS = 2
    endpoint = make_endpoint(["usecase.submitted"], url=f"http://127.0.0.1:{closed_port}/hook")

    with django_capture_on_commit_callbacks(execute=True):
        make_usecase(**COMPLETE_FACTS)

    delivery = Delivery.objects.get(endpoint=endpoint)
    assert (delivery.status, delivery.attempts, delivery.last_status) == (DeliveryStatus.FAILED, 2, None)
    assert delivery.last_error == services.failure_text(ConnectionRefusedError())
    assert [a[1:] for a in _attempts(delivery)] == [(None, False), (None, False)]


def test_a_redirect_is_not_followed(
    make_endpoint, make_usecase, consumer, settings, django_capture_on_commit_callbacks
) -> None:
    settings.WEBHOOK_ATTEMPTS = 1
    consumer.default = 302
    endpoint = make_endpoint(["usecase.submitted"])

    with django_capture_on_commit_callbacks(execute=True):
        make_usecase(**COMPLETE_FACTS)

    assert [request.path for request in consumer.received] == ["/hooks/leitplanke"]
    delivery = Delivery.objects.get(endpoint=endpoint)
    assert (delivery.status, delivery.last_status) == (DeliveryStatus.FAILED, 302)


def test_a_failed_delivery_is_sent_again_with_the_same_event_and_a_new_round_of_attempts(
    make_endpoint, make_usecase, consumer, governance, settings, django_capture_on_commit_callbacks
) -> None:
    settings.WEBHOOK_ATTEMPTS = 2
    consumer.default = 500
    endpoint = make_endpoint(["usecase.submitted"])
    with django_capture_on_commit_callbacks(execute=True):
        make_usecase(**COMPLETE_FACTS)
    delivery = Delivery.objects.get(endpoint=endpoint)
    assert delivery.status == DeliveryStatus.FAILED

    # When the receiver is fixed and AI governance sends it again
    consumer.answers, consumer.default = [500], 200
    with django_capture_on_commit_callbacks(execute=True):
        services.delivery_redeliver(actor=governance, delivery=delivery)

    # Then one more failure is retried, the event id is the one of the first attempt, and all is logged
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.DELIVERED, 4)
    assert _attempts(delivery) == [(1, 500, False), (2, 500, False), (3, 500, False), (4, 200, True)]
    assert {request.headers[ID_HEADER] for request in consumer.received} == {str(delivery.event_id)}


def test_nothing_is_sent_to_an_endpoint_deactivated_while_its_delivery_waited(
    make_endpoint, make_usecase, consumer, governance
) -> None:
    endpoint = make_endpoint(["usecase.submitted"])
    make_usecase(**COMPLETE_FACTS)  # the transaction does not commit: the delivery waits
    delivery = Delivery.objects.get(endpoint=endpoint)
    services.endpoint_set_active(actor=governance, endpoint=endpoint, active=False)

    assert services.delivery_deliver(delivery.pk) == "skipped"

    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED
    assert consumer.received == []
    assert not DeliveryAttempt.objects.exists()


def test_a_delivery_already_done_is_not_sent_twice(
    make_endpoint, make_usecase, consumer, django_capture_on_commit_callbacks
) -> None:
    endpoint = make_endpoint(["usecase.submitted"])
    with django_capture_on_commit_callbacks(execute=True):
        make_usecase(**COMPLETE_FACTS)
    delivery = Delivery.objects.get(endpoint=endpoint)

    assert services.delivery_deliver(delivery.pk) == "skipped"
    assert services.delivery_deliver(10**9) == "skipped"
    assert len(consumer.received) == 1


def test_a_rolled_back_change_tells_no_endpoint(
    make_endpoint, make_usecase, consumer, django_capture_on_commit_callbacks
) -> None:
    from django.db import transaction

    make_endpoint(["usecase.submitted"])
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        try:
            with transaction.atomic():
                make_usecase(**COMPLETE_FACTS)
                raise RuntimeError("the change fails after the event was emitted")
        except RuntimeError:
            pass

    assert not Delivery.objects.exists()
    assert callbacks == []
    assert consumer.received == []


@pytest.mark.django_db(transaction=True)
def test_the_worker_delivers_what_the_database_queue_holds(make_endpoint, make_usecase, consumer, settings) -> None:
    from asgiref.local import Local
    from django.tasks import task_backends
    from django_tasks_db.models import DBTaskResult

    # Given the database task backend (as in production) and a submitted use case
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    task_backends._settings = None  # type: ignore[attr-defined]
    task_backends._connections = Local()  # type: ignore[attr-defined]
    endpoint = make_endpoint(["usecase.submitted"])
    make_usecase(**COMPLETE_FACTS)
    assert consumer.received == []
    assert DBTaskResult.objects.filter(task_path__endswith="deliver_webhook").count() == 1

    # When the worker works off the queue
    call_command("worker", "--batch", "--no-periodic", verbosity=0)

    # Then the receiver has the event and the delivery is logged as delivered
    [request] = consumer.received
    assert request.verified
    assert Delivery.objects.get(endpoint=endpoint).status == DeliveryStatus.DELIVERED
    uuid.UUID(request.headers[ID_HEADER])
    assert request.headers[SIGNATURE_HEADER].startswith("v1=")
