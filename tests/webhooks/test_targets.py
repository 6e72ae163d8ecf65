"""Webhooks cannot reach internal networks: refused when the address is saved, and again at every
delivery after the name was resolved, unless the operator allows the host; the log shows no answer
of whatever listens at a refused or failing address."""

from __future__ import annotations

import http.client
import socket
import threading

import pytest
from django.urls import reverse

from leitplanke.common.errors import DomainError
from leitplanke.webhooks import services, targets
from leitplanke.webhooks.models import Delivery, DeliveryAttempt, DeliveryStatus, Endpoint

pytestmark = pytest.mark.django_db

#: Loopback, link-local, metadata, private, unique-local, multicast, unspecified, and notations
#: the resolver reads as loopback.
INTERNAL_TARGETS = [
    "http://127.0.0.1:5432/",
    "http://169.254.169.254/latest/meta-data/",
    "http://localhost:22/",
    "http://[::1]/",
    "http://0.0.0.0/",
    "http://10.0.0.1/",
    "http://192.168.0.1/",
    "http://metadata.google.internal/computeMetadata/v1/",
    "http://172.16.0.1/",
    "http://[fd00::1]/",
    "http://[fe80::1]/",
    "http://224.0.0.1/",
    "http://[::ffff:127.0.0.1]/",
    "http://127.1/",
    "http://2130706433/",
    "http://100.100.100.200/",
]
#: What a name may resolve to after it was saved: the internal addresses above, and the metadata
#: service over IPv6.
INTERNAL_ADDRESSES = [
    "127.0.0.1",
    "169.254.169.254",
    "::1",
    "0.0.0.0",  # noqa: S104
    "10.0.0.1",
    "192.168.0.1",
    "172.16.0.1",
    "fd00::1",
    "fe80::1",
    "224.0.0.1",
    "::ffff:127.0.0.1",
    "100.100.100.200",
    "fd00:ec2::254",
    "::",
]
REFUSED = "internal_address"


def _refusal(url: str, governance) -> str | None:
    try:
        services.endpoint_create(actor=governance, url=url, event_types=["usecase.submitted"])
    except DomainError as exc:
        return f"{exc.field}:{exc.code}"
    return None


def test_every_internal_target_is_refused_when_saved_with_a_message_on_the_address(governance, settings) -> None:
    settings.WEBHOOK_ALLOWED_HOSTS = []

    assert {url: _refusal(url, governance) for url in INTERNAL_TARGETS} == dict.fromkeys(
        INTERNAL_TARGETS, f"url:{REFUSED}"
    )
    assert not Endpoint.objects.exists()
    # ... and an address on the internet is still accepted
    assert _refusal("https://hooks.example.com/leitplanke", governance) is None


def test_the_form_refuses_an_internal_address_on_its_field_saying_how_to_allow_one(
    client_for, governance, settings
) -> None:
    settings.WEBHOOK_ALLOWED_HOSTS = []
    page = client_for(governance).post(
        reverse("webhooks:endpoint_create"), {"url": "http://169.254.169.254/", "event_types": ["usecase.submitted"]}
    )

    assert page.status_code == 400
    assert "LEITPLANKE_WEBHOOK_ALLOWED_HOSTS" in page.context["form"].errors["url"][0]
    assert not Endpoint.objects.exists()


def test_the_operator_allows_listed_internal_hosts_by_name_address_or_network(governance, settings) -> None:
    settings.WEBHOOK_ALLOWED_HOSTS = ["tickets.corp.internal", "10.20.0.0/16", "::1"]

    for url in ("https://tickets.corp.internal/hook", "http://10.20.3.4:8080/hook", "http://[::1]:9000/"):
        assert _refusal(url, governance) is None
    assert _refusal("http://10.21.0.1/", governance) == f"url:{REFUSED}"


def _one_delivery(governance, url: str) -> Delivery:
    endpoint = services.endpoint_create(
        actor=governance, url="https://hooks.example.com/leitplanke", event_types=["usecase.submitted"]
    )
    # An address saved before the check existed (or by a direct database change) is still refused.
    Endpoint.objects.filter(pk=endpoint.pk).update(url=url)
    return services.endpoint_test(actor=governance, endpoint=endpoint)


def test_an_internal_target_stored_earlier_is_refused_at_delivery_without_a_retry(
    governance, settings, monkeypatch
) -> None:
    settings.WEBHOOK_ALLOWED_HOSTS, settings.WEBHOOK_ATTEMPTS = [], 6
    monkeypatch.setattr(targets, "resolve", lambda host, port: pytest.fail(f"{host} was looked up"))
    deliveries = [_one_delivery(governance, url) for url in INTERNAL_TARGETS]

    outcomes = {services.delivery_deliver(delivery.pk) for delivery in deliveries}

    assert outcomes == {"failed"}
    refused = services.failure_text(targets.TargetRefused("x"))
    rows = Delivery.objects.filter(pk__in=[d.pk for d in deliveries])
    assert set(rows.values_list("status", "attempts", "last_status", "last_error")) == {
        (DeliveryStatus.FAILED, 1, None, refused)
    }


def test_a_name_that_resolves_to_an_internal_address_after_saving_is_refused_at_delivery(
    governance, settings, monkeypatch
) -> None:
    # Given an endpoint on a public name, accepted when saved
    settings.WEBHOOK_ALLOWED_HOSTS = []
    endpoint = services.endpoint_create(
        actor=governance, url="https://hooks.example.com/leitplanke", event_types=["usecase.submitted"]
    )
    answers: list[str] = []
    monkeypatch.setattr(targets, "resolve", lambda host, port: answers)
    refused = services.failure_text(targets.TargetRefused("x"))

    for address in INTERNAL_ADDRESSES:
        # When DNS answers an internal address (alone, or beside a public one)
        answers[:] = ["93.184.215.14", address]
        delivery = services.endpoint_test(actor=governance, endpoint=endpoint)
        services.delivery_deliver(delivery.pk)

        # Then nothing is sent and the log says why, and only that
        delivery.refresh_from_db()
        assert (address, delivery.status, delivery.last_error) == (address, DeliveryStatus.FAILED, refused)


def test_the_delivery_connects_to_the_address_that_was_checked_with_the_name_as_host(
    governance, consumer, settings, monkeypatch
) -> None:
    # Given a name that resolves (once) to the receiver, whose address the operator allows
    settings.WEBHOOK_ALLOWED_HOSTS = ["127.0.0.1"]
    lookups: list[str] = []

    def resolve(host: str, port: int) -> list[str]:
        lookups.append(host)
        return ["127.0.0.1"]

    monkeypatch.setattr(targets, "resolve", resolve)
    endpoint = services.endpoint_create(
        actor=governance,
        url=f"http://hooks.example.com:{consumer.port}/hooks/leitplanke",
        event_types=["usecase.submitted"],
    )
    consumer.secret = endpoint.secret

    delivery = services.endpoint_test(actor=governance, endpoint=endpoint)
    assert services.delivery_deliver(delivery.pk) == "delivered"

    # Then the name was looked up once, and the request reached that address naming the host
    [request] = consumer.received
    assert lookups == ["hooks.example.com"]
    assert request.headers["Host"] == f"hooks.example.com:{consumer.port}"
    assert request.verified


def test_the_log_keeps_no_banner_of_what_answered(governance, settings) -> None:
    # Given an allowed internal address where an SSH server answers with its banner
    settings.WEBHOOK_ALLOWED_HOSTS, settings.WEBHOOK_ATTEMPTS = ["127.0.0.1"], 1
    server = socket.create_server(("127.0.0.1", 0))
    port = server.getsockname()[1]

    def banner() -> None:
        connection, _ = server.accept()
        with connection:
            connection.sendall(b"SSH-2.0-OpenSSH_9.6p1 Debian-4\r\n")
            connection.recv(4096)

    thread = threading.Thread(target=banner, daemon=True)
    thread.start()
    try:
        delivery = _one_delivery(governance, f"http://127.0.0.1:{port}/")
        assert services.delivery_deliver(delivery.pk) == "failed"
    finally:
        thread.join(timeout=5)
        server.close()

    # Then the log names the kind of failure only
    delivery.refresh_from_db()
    attempt = DeliveryAttempt.objects.get(delivery=delivery)
    assert (delivery.last_status, attempt.http_status) == (None, None)
    assert delivery.last_error == attempt.error == services.failure_text(http.client.BadStatusLine(""))
    assert "SSH" not in delivery.last_error
