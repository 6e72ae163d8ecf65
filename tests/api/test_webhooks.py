"""``/api/v1/webhooks``: AI governance configures endpoints and reads their log; everybody else finds nothing."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from leitplanke.api.models import Scope
from leitplanke.audit.models import Event
from leitplanke.webhooks import services
from leitplanke.webhooks.models import TEST_EVENT, Delivery, DeliveryStatus, Endpoint

from ..webhooks.consumer import Consumer
from .conftest import COMPLETE_FACTS, problem

pytestmark = pytest.mark.django_db

BASE = "/api/v1/webhooks"
OTHERS = ["unit_member", "unit_lead", "other_unit", "auditor", "data_protection", "administrator"]
NEW = {
    "url": "https://hooks.example.com/leitplanke",
    "description": "Ticketsystem",
    "event_types": ["review.assigned", "usecase.submitted"],
}


def send(client, method: str, path: str, body: Any = None, **headers: str):
    kwargs: dict[str, Any] = {"headers": headers}
    if body is not None:
        kwargs |= {"data": json.dumps(body), "content_type": "application/json"}
    return getattr(client, method)(path, **kwargs)


def fields_of(response) -> list[str]:
    """The field paths of a validation problem (ninja names the body parameter: ``body.payload.x``)."""
    return [error["field"].replace("body.payload.", "body.") for error in problem(response, 422)["errors"]]


@pytest.fixture
def governance_person(org) -> Any:
    return org.viewer("ai_governance")


@pytest.fixture
def governance(api_for, governance_person):
    """AI governance's read-write client."""
    return api_for(governance_person, scope=Scope.READ_WRITE)


@pytest.fixture
def endpoint(governance_person) -> Endpoint:
    return services.endpoint_create(
        actor=governance_person, url="https://hooks.example.com/a", event_types=["usecase.submitted"]
    )


@pytest.fixture
def failed(governance_person, endpoint) -> Delivery:
    """A test event to ``endpoint`` whose attempts all failed."""
    delivery = services.endpoint_test(actor=governance_person, endpoint=endpoint)
    Delivery.objects.filter(pk=delivery.pk).update(
        status=DeliveryStatus.FAILED, attempts=6, max_attempts=6, last_status=500, last_error="HTTP 500"
    )
    delivery.refresh_from_db()
    return delivery


@pytest.fixture
def consumer(settings) -> Iterator[Consumer]:
    settings.WEBHOOK_ALLOWED_HOSTS = ["127.0.0.1"]  # the receiver is internal: the operator allows it
    receiver = Consumer()
    receiver.start()
    try:
        yield receiver
    finally:
        receiver.stop()


def state() -> tuple[list[Any], list[Any], int]:
    endpoints = list(
        Endpoint.objects.order_by("pk").values_list(
            "url", "description", "event_types", "active", "version", "secret", "previous_secret"
        )
    )
    deliveries = list(Delivery.objects.order_by("pk").values_list("status", "attempts", "max_attempts"))
    return endpoints, deliveries, Event.objects.count()


# --- creating and reading ---------------------------------------------------------------------------


def test_governance_creates_an_endpoint_and_gets_its_secret_in_that_answer_only(governance) -> None:
    response = send(governance, "post", BASE, NEW)

    assert response.status_code == 201, response.content
    endpoint = Endpoint.objects.get()
    body = response.json()
    assert body["secret"] == endpoint.secret and endpoint.secret.startswith("whsec_")
    assert body["event_types"] == ["usecase.submitted", "review.assigned"]
    assert (body["url"], body["description"], body["active"], body["version"]) == (NEW["url"], "Ticketsystem", True, 1)
    assert body["created_by"]["username"] == endpoint.created_by.username
    assert response["Location"] == f"{BASE}/{endpoint.pk}"
    assert response["Cache-Control"] == "no-store"
    read = governance.get(response["Location"])
    assert read.status_code == 200
    assert "secret" not in read.json() and endpoint.secret not in read.content.decode()
    assert read["ETag"] == response["ETag"]
    assert endpoint.secret not in governance.get(BASE).content.decode()


def test_the_audit_event_of_a_new_endpoint_has_no_secret(governance) -> None:
    send(governance, "post", BASE, NEW)

    endpoint = Endpoint.objects.get()
    event = Event.objects.get(action="webhooks.endpoint.created")
    assert event.after["url"] == NEW["url"]
    assert endpoint.secret not in json.dumps([event.before, event.after])


def test_an_endpoint_is_read_with_an_etag_and_answers_304_when_unchanged(governance, endpoint) -> None:
    response = governance.get(f"{BASE}/{endpoint.pk}")

    assert response.status_code == 200
    assert response.json()["url"] == "https://hooks.example.com/a"
    assert response["ETag"].startswith(f'"{endpoint.pk}-1-')
    again = governance.get(f"{BASE}/{endpoint.pk}", headers={"If-None-Match": response["ETag"]})
    assert again.status_code == 304


def test_the_list_shows_the_endpoints_active_first_with_waiting_and_failed_deliveries(
    governance, governance_person, endpoint, failed, make_usecase
) -> None:
    quiet = services.endpoint_create(
        actor=governance_person, url="https://a.example.com/", event_types=["policy.published"]
    )
    services.endpoint_set_active(actor=governance_person, endpoint=quiet, active=False)
    make_usecase(**COMPLETE_FACTS)  # usecase.submitted: one delivery waits for ``endpoint``

    body = governance.get(BASE).json()

    assert body["count"] == 2 and (body["limit"], body["offset"]) == (50, 0)
    assert [(item["id"], item["active"], item["pending"], item["failed"]) for item in body["items"]] == [
        (endpoint.pk, True, 1, 1),
        (quiet.pk, False, 0, 0),
    ]
    assert all("secret" not in item for item in body["items"])


# --- changing ---------------------------------------------------------------------------------------


def test_a_change_without_if_match_is_428_and_with_a_stale_one_412_and_nothing_changes(governance, endpoint) -> None:
    path = f"{BASE}/{endpoint.pk}"
    stale = governance.get(path)["ETag"]
    services.endpoint_update(
        actor=endpoint.created_by, endpoint=endpoint, url=endpoint.url, event_types=["review.decided"]
    )
    before = state()

    assert problem(send(governance, "patch", path, {"description": "neu"}), 428)["code"] == "precondition_required"
    assert problem(send(governance, "patch", path, {"description": "neu"}, **{"If-Match": stale}), 412)["code"] == (
        "precondition_failed"
    )
    assert state() == before


def test_governance_changes_an_endpoint_with_if_match_and_can_chain_the_next_change(governance, endpoint) -> None:
    path = f"{BASE}/{endpoint.pk}"
    secret = endpoint.secret
    changed = send(
        governance,
        "patch",
        path,
        {"url": "https://hooks.example.com/b", "event_types": ["review.decided", "usecase.decided"]},
        **{"If-Match": governance.get(path)["ETag"]},
    )

    assert changed.status_code == 200, changed.content
    assert changed.json()["event_types"] == ["usecase.decided", "review.decided"]
    assert changed.json()["version"] == 2
    deactivated = send(governance, "patch", path, {"active": False}, **{"If-Match": changed["ETag"]})
    assert deactivated.status_code == 200, deactivated.content
    endpoint.refresh_from_db()
    assert (endpoint.url, endpoint.active, endpoint.version, endpoint.secret) == (
        "https://hooks.example.com/b",
        False,
        3,
        secret,
    )
    actions = list(Event.objects.filter(action__startswith="webhooks.endpoint.").values_list("action", flat=True))
    assert actions[-2:] == ["webhooks.endpoint.updated", "webhooks.endpoint.deactivated"]


def test_one_change_of_settings_and_switch_is_saved_together_or_not_at_all(governance, endpoint) -> None:
    path = f"{BASE}/{endpoint.pk}"
    response = send(
        governance, "patch", path, {"description": "neu", "active": False}, **{"If-Match": governance.get(path)["ETag"]}
    )

    assert response.status_code == 200
    assert (response.json()["description"], response.json()["active"]) == ("neu", False)
    assert governance.get(path)["ETag"] == response["ETag"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"url": "ftp://files.example.com/", "event_types": ["usecase.submitted"]}, "body.url"),
        ({"url": "javascript:alert(1)", "event_types": ["usecase.submitted"]}, "body.url"),
        ({"url": "https://user:pw@hooks.example.com/", "event_types": ["usecase.submitted"]}, "body.url"),
        ({"url": "http://[::1]:22/", "event_types": ["usecase.submitted"]}, "body.url"),
        ({"url": "http://169.254.169.254/latest/", "event_types": ["usecase.submitted"]}, "body.url"),
        ({"url": "https://hooks.example.com/" + "x" * 500, "event_types": ["usecase.submitted"]}, "body.url"),
        ({"url": "https://hooks.example.com/", "event_types": []}, "body.event_types"),
        ({"url": "https://hooks.example.com/", "event_types": ["usecase.deleted"]}, "body.event_types.0"),
        ({"url": "https://hooks.example.com/", "event_types": [TEST_EVENT]}, "body.event_types.0"),
        ({"url": "https://hooks.example.com/", "event_types": "usecase.submitted"}, "body.event_types"),
        (
            {"url": "https://hooks.example.com/", "event_types": ["usecase.submitted"], "description": "x\x00"},
            "body.description",
        ),
    ],
)
def test_a_wrong_address_or_event_is_422_naming_the_field_and_nothing_is_created(governance, body, field) -> None:
    before = state()

    assert fields_of(send(governance, "post", BASE, body)) == [field]
    assert state() == before


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"url": "ftp://files.example.com/"}, "body.url"),
        ({"url": None}, "body.url"),
        ({"event_types": ["usecase.deleted"]}, "body.event_types.0"),
        ({"event_types": []}, "body.event_types"),
        ({"active": None}, "body.active"),
    ],
)
def test_a_wrong_change_is_422_naming_the_field_and_nothing_changes(governance, endpoint, body, field) -> None:
    path = f"{BASE}/{endpoint.pk}"
    etag = governance.get(path)["ETag"]
    before = state()

    assert fields_of(send(governance, "patch", path, body, **{"If-Match": etag})) == [field]
    assert state() == before


# --- rotating the secret ----------------------------------------------------------------------------


def test_governance_rotates_the_secret_and_gets_the_new_one_in_that_answer_only(governance, endpoint) -> None:
    path = f"{BASE}/{endpoint.pk}"
    old = endpoint.secret
    assert governance.get(path).json()["previous_secret_until"] is None

    response = send(governance, "post", f"{path}/secret")

    assert response.status_code == 200, response.content
    endpoint.refresh_from_db()
    body = response.json()
    assert body["secret"] == endpoint.secret != old
    assert endpoint.previous_secret == old
    assert (body["id"], body["version"]) == (endpoint.pk, 2)
    assert body["previous_secret_until"] is not None
    assert datetime.fromisoformat(body["previous_secret_until"]) == endpoint.previous_secret_until
    assert response["Cache-Control"] == "no-store"
    read = governance.get(path)
    assert read["ETag"] == response["ETag"]
    assert read.json()["previous_secret_until"] == body["previous_secret_until"]
    assert "secret" not in read.json()
    assert endpoint.secret not in read.content.decode() and old not in read.content.decode()
    event = Event.objects.get(action="webhooks.endpoint.secret_rotated")
    assert endpoint.secret not in json.dumps([event.before, event.after])
    assert old not in json.dumps([event.before, event.after])


def test_a_rotation_with_a_stale_if_match_is_412_and_with_the_current_one_200(
    governance, governance_person, endpoint
) -> None:
    path = f"{BASE}/{endpoint.pk}"
    stale = governance.get(path)["ETag"]
    services.endpoint_rotate_secret(actor=governance_person, endpoint=endpoint)
    before = state()

    assert problem(send(governance, "post", f"{path}/secret", **{"If-Match": stale}), 412)["code"] == (
        "precondition_failed"
    )
    assert state() == before
    current = governance.get(path)["ETag"]
    assert send(governance, "post", f"{path}/secret", **{"If-Match": current}).status_code == 200


def test_after_the_grace_period_the_endpoint_shows_no_previous_secret(governance, governance_person, endpoint) -> None:
    services.endpoint_rotate_secret(actor=governance_person, endpoint=endpoint)
    Endpoint.objects.filter(pk=endpoint.pk).update(previous_secret_until=timezone.now() - timedelta(minutes=1))

    assert governance.get(f"{BASE}/{endpoint.pk}").json()["previous_secret_until"] is None


def test_a_rotated_secret_signs_what_the_receiver_gets(
    governance, governance_person, consumer, django_capture_on_commit_callbacks
) -> None:
    endpoint = services.endpoint_create(actor=governance_person, url=consumer.url, event_types=["usecase.submitted"])
    old = endpoint.secret
    new = send(governance, "post", f"{BASE}/{endpoint.pk}/secret").json()["secret"]

    with django_capture_on_commit_callbacks(execute=True):
        send(governance, "post", f"{BASE}/{endpoint.pk}/test")

    [request] = consumer.received
    assert request.verifies_with(new) and request.verifies_with(old)


# --- test events and the delivery log ----------------------------------------------------------------


def test_governance_sends_a_test_event_that_waits_for_the_worker(governance, endpoint) -> None:
    response = send(governance, "post", f"{BASE}/{endpoint.pk}/test")

    assert response.status_code == 202, response.content
    delivery = Delivery.objects.get(endpoint=endpoint)
    body = response.json()
    assert (body["id"], body["event_type"], body["status"], body["attempts"]) == (
        delivery.pk,
        TEST_EVENT,
        "pending",
        [],
    )
    assert body["payload"]["data"]["endpoint"] == {"id": endpoint.pk}
    assert Event.objects.filter(action="webhooks.endpoint.tested").count() == 1


def test_a_test_event_with_a_stale_if_match_is_412_and_to_an_inactive_endpoint_422(
    governance, governance_person, endpoint
) -> None:
    path = f"{BASE}/{endpoint.pk}"
    stale = governance.get(path)["ETag"]
    services.endpoint_set_active(actor=governance_person, endpoint=endpoint, active=False)
    before = state()

    problem(send(governance, "post", f"{path}/test", **{"If-Match": stale}), 412)
    assert problem(send(governance, "post", f"{path}/test"), 422)["reason"] == "inactive"
    assert state() == before


def test_the_log_lists_a_real_event_newest_first_with_every_attempt(
    governance, governance_person, consumer, make_usecase, django_capture_on_commit_callbacks
) -> None:
    # Given an endpoint that answers 500 once, then 200
    endpoint = services.endpoint_create(actor=governance_person, url=consumer.url, event_types=["usecase.submitted"])
    consumer.secret, consumer.answers = endpoint.secret, [500]

    # When a use case is submitted (the worker sends, retries and delivers), then a test event waits
    with django_capture_on_commit_callbacks(execute=True):
        usecase = make_usecase(**COMPLETE_FACTS)
    test = services.endpoint_test(actor=governance_person, endpoint=endpoint)
    response = governance.get(f"{BASE}/{endpoint.pk}/deliveries")

    # Then the log shows the test event first, then the submission with both attempts
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["count"] == 2
    newest, submitted = body["items"]
    assert (newest["id"], newest["event_type"], newest["status"]) == (test.pk, TEST_EVENT, "pending")
    assert (submitted["event_type"], submitted["status"], submitted["attempt_count"]) == (
        "usecase.submitted",
        "delivered",
        2,
    )
    assert submitted["payload"]["data"]["usecase"]["id"] == usecase.pk
    assert submitted["event_id"] == consumer.received[0].event["id"]
    assert [(a["number"], a["http_status"], a["delivered"]) for a in submitted["attempts"]] == [
        (1, 500, False),
        (2, 200, True),
    ]


def test_the_log_is_paged_and_asks_the_database_the_same_number_of_times_for_more_rows(
    governance, governance_person, endpoint
) -> None:
    path = f"{BASE}/{endpoint.pk}/deliveries"
    services.endpoint_test(actor=governance_person, endpoint=endpoint)
    governance.get(path)  # the token's first use is recorded once
    with CaptureQueriesContext(connection) as one:
        assert len(governance.get(path).json()["items"]) == 1
    for _ in range(4):
        services.endpoint_test(actor=governance_person, endpoint=endpoint)
    with CaptureQueriesContext(connection) as five:
        assert len(governance.get(path).json()["items"]) == 5
    body = governance.get(path, {"limit": 2, "offset": 1}).json()

    assert len(five) == len(one)
    assert (body["count"], len(body["items"]), body["limit"], body["offset"]) == (5, 2, 2, 1)
    problem(governance.get(path, {"limit": 101}), 422)


def test_governance_sends_a_failed_delivery_again(governance, failed) -> None:
    response = send(governance, "post", f"{BASE}/{failed.endpoint_id}/deliveries/{failed.pk}/redeliver")

    assert response.status_code == 202, response.content
    failed.refresh_from_db()
    assert (failed.status, failed.max_attempts) == (DeliveryStatus.PENDING, 12)
    assert (response.json()["status"], response.json()["event_id"]) == ("pending", str(failed.event_id))
    assert Event.objects.filter(action="webhooks.delivery.redelivered").count() == 1


def test_only_a_failed_delivery_is_sent_again_and_one_of_another_endpoint_is_not_found(
    governance, governance_person, failed
) -> None:
    other = services.endpoint_create(
        actor=governance_person, url="https://b.example.com/", event_types=["review.decided"]
    )
    Delivery.objects.filter(pk=failed.pk).update(status=DeliveryStatus.DELIVERED)
    before = state()

    assert (
        problem(send(governance, "post", f"{BASE}/{failed.endpoint_id}/deliveries/{failed.pk}/redeliver"), 422)[
            "reason"
        ]
        == "state"
    )
    problem(send(governance, "post", f"{BASE}/{other.pk}/deliveries/{failed.pk}/redeliver"), 404)
    assert state() == before


# --- everybody else ---------------------------------------------------------------------------------


def _calls(endpoint: Endpoint, delivery: Delivery, etag: str) -> list[tuple[str, str, Any, dict[str, str]]]:
    path = f"{BASE}/{endpoint.pk}"
    change = {"url": "https://evil.example.com/", "event_types": ["usecase.submitted"], "active": False}
    return [
        ("get", BASE, None, {}),
        ("post", BASE, change, {}),
        ("get", path, None, {}),
        ("patch", path, change, {"If-Match": etag}),
        ("post", f"{path}/test", None, {}),
        ("post", f"{path}/secret", None, {}),
        ("get", f"{path}/deliveries", None, {}),
        ("post", f"{path}/deliveries/{delivery.pk}/redeliver", None, {}),
    ]


@pytest.mark.parametrize("viewer", OTHERS)
def test_nobody_but_ai_governance_finds_webhooks_and_nothing_changes(org, api_for, governance, failed, viewer) -> None:
    client = api_for(org.viewer(viewer), scope=Scope.READ_WRITE)
    etag = governance.get(f"{BASE}/{failed.endpoint_id}")["ETag"]
    before = state()

    for method, path, body, headers in _calls(failed.endpoint, failed, etag):
        assert problem(send(client, method, path, body, **headers), 404)["code"] == "not_found", (method, path)

    assert state() == before


def test_a_read_token_of_governance_reads_but_may_change_nothing(org, api_for, governance, failed) -> None:
    client = api_for(org.viewer("ai_governance"), scope=Scope.READ)
    etag = governance.get(f"{BASE}/{failed.endpoint_id}")["ETag"]
    before = state()

    for method, path, body, headers in _calls(failed.endpoint, failed, etag):
        response = send(client, method, path, body, **headers)
        if method == "get":
            assert response.status_code == 200, (method, path)
        else:
            assert problem(response, 403)["code"] == "insufficient_scope", (method, path)

    assert state() == before


def test_anonymous_callers_are_asked_to_authenticate(client, failed) -> None:
    for method, path, body, headers in _calls(failed.endpoint, failed, '"x"'):
        problem(send(client, method, path, body, **headers), 401)
