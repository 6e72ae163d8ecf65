"""The webhook pages: AI governance configures endpoints and reads the log; everybody else finds nothing."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from leitplanke.audit.models import Event
from leitplanke.webhooks import services
from leitplanke.webhooks.models import TEST_EVENT, Delivery, DeliveryStatus, Endpoint

pytestmark = pytest.mark.django_db

OTHERS = ["unit_member", "unit_lead", "other_unit", "auditor", "data_protection", "administrator"]


def _pages(endpoint: Endpoint, delivery: Delivery) -> list[tuple[str, str]]:
    return [
        ("get", reverse("webhooks:endpoint_list")),
        ("get", reverse("webhooks:endpoint_create")),
        ("post", reverse("webhooks:endpoint_create")),
        ("get", reverse("webhooks:endpoint_detail", args=[endpoint.pk])),
        ("get", reverse("webhooks:endpoint_edit", args=[endpoint.pk])),
        ("post", reverse("webhooks:endpoint_edit", args=[endpoint.pk])),
        ("post", reverse("webhooks:endpoint_active", args=[endpoint.pk])),
        ("post", reverse("webhooks:endpoint_test", args=[endpoint.pk])),
        ("get", reverse("webhooks:endpoint_rotate_secret", args=[endpoint.pk])),
        ("post", reverse("webhooks:endpoint_rotate_secret", args=[endpoint.pk])),
        ("post", reverse("webhooks:delivery_redeliver", args=[endpoint.pk, delivery.pk])),
    ]


@pytest.fixture
def failed_delivery(make_endpoint, governance) -> Delivery:
    endpoint = make_endpoint(["usecase.submitted"], url="https://receiver.example.com/hook")
    delivery = services.endpoint_test(actor=governance, endpoint=endpoint)
    Delivery.objects.filter(pk=delivery.pk).update(
        status=DeliveryStatus.FAILED, attempts=6, last_status=500, last_error="HTTP 500"
    )
    delivery.refresh_from_db()
    return delivery


def _speaking(person: Any, language: str) -> Any:
    """``person`` with ``language`` as the language the pages speak to them in."""
    person.preferred_language = language
    person.save(update_fields=["preferred_language"])
    return person


def _state() -> tuple[list, list, int]:
    endpoints = list(Endpoint.objects.order_by("pk").values_list("url", "event_types", "active", "version", "secret"))
    deliveries = list(Delivery.objects.order_by("pk").values_list("status", "attempts"))
    return endpoints, deliveries, Event.objects.count()


@pytest.mark.parametrize("viewer", OTHERS)
def test_nobody_but_ai_governance_finds_the_pages_and_nothing_changes(org, client_for, failed_delivery, viewer) -> None:
    client = client_for(org.viewer(viewer))
    before = _state()
    data = {"url": "https://evil.example.com/", "event_types": ["usecase.submitted"], "active": "0", "version": "1"}

    for method, url in _pages(failed_delivery.endpoint, failed_delivery):
        response = client.get(url) if method == "get" else client.post(url, data)
        assert response.status_code == 404, (method, url)

    assert _state() == before


def test_anonymous_visitors_are_sent_to_sign_in(client_for, failed_delivery) -> None:
    client = client_for(None)
    for method, url in _pages(failed_delivery.endpoint, failed_delivery):
        response = getattr(client, method)(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))


def test_only_ai_governance_has_the_navigation_entry(org, client_for) -> None:
    link = f'href="{reverse("webhooks:endpoint_list")}"'
    assert link in client_for(org.viewer("ai_governance")).get(reverse("web:home")).content.decode()
    assert link not in client_for(org.viewer("administrator")).get(reverse("web:home")).content.decode()


def test_governance_creates_an_endpoint_and_sees_its_secret_once(org, client_for, governance) -> None:
    client = Client(enforce_csrf_checks=False)
    client.force_login(governance)

    response = client.post(
        reverse("webhooks:endpoint_create"),
        {
            "url": "https://hooks.example.com/leitplanke",
            "description": "Ticketsystem",
            "event_types": ["review.assigned", "usecase.submitted"],
        },
    )

    endpoint = Endpoint.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("webhooks:endpoint_detail", args=[endpoint.pk])
    assert endpoint.event_types == ["usecase.submitted", "review.assigned"]
    assert (endpoint.created_by, endpoint.active, endpoint.secret[:6]) == (governance, True, "whsec_")
    first = client.get(response["Location"])
    assert endpoint.secret in first.content.decode()
    assert first["Cache-Control"].startswith("max-age=0")
    again = client.get(response["Location"])
    assert again.status_code == 200
    assert endpoint.secret not in again.content.decode()
    assert endpoint.secret not in client.get(reverse("webhooks:endpoint_list")).content.decode()
    event = Event.objects.get(action="webhooks.endpoint.created")
    assert event.after["url"] == "https://hooks.example.com/leitplanke"
    assert endpoint.secret not in json.dumps([event.before, event.after])


@pytest.mark.parametrize(
    ("url", "event_types", "field"),
    [
        ("ftp://files.example.com/", ["usecase.submitted"], "url"),
        ("javascript:alert(1)", ["usecase.submitted"], "url"),
        ("https://user:pw@hooks.example.com/", ["usecase.submitted"], "url"),
        ("https://hooks.example.com/", [], "event_types"),
        ("https://hooks.example.com/", ["usecase.deleted"], "event_types"),
    ],
)
def test_a_wrong_address_or_event_is_refused_on_its_field(client_for, governance, url, event_types, field) -> None:
    response = client_for(governance).post(
        reverse("webhooks:endpoint_create"), {"url": url, "event_types": event_types}
    )

    assert response.status_code == 400
    assert response.context["form"].errors[field]
    assert not Endpoint.objects.exists()


def test_the_service_refuses_what_the_form_would_not_send(governance, org) -> None:
    from leitplanke.common.errors import DomainError, PermissionDenied

    with pytest.raises(DomainError) as refused:
        services.endpoint_create(actor=governance, url="ftp://x.example.com/", event_types=["usecase.submitted"])
    assert refused.value.field == "url"
    with pytest.raises(PermissionDenied):
        services.endpoint_create(
            actor=org.viewer("administrator"), url="https://x.example.com/", event_types=["usecase.submitted"]
        )
    assert not Endpoint.objects.exists()


def test_governance_edits_an_endpoint_and_a_stale_form_is_a_conflict(make_endpoint, client_for, governance) -> None:
    endpoint = make_endpoint(["usecase.submitted"])
    secret = endpoint.secret
    client = client_for(governance)
    url = reverse("webhooks:endpoint_edit", args=[endpoint.pk])

    response = client.post(
        url,
        {
            "url": "https://new.example.com/hook",
            "description": "Neu",
            "event_types": ["policy.published"],
            "version": endpoint.version,
        },
    )
    assert response.status_code == 302
    endpoint.refresh_from_db()
    assert (endpoint.url, endpoint.event_types, endpoint.version, endpoint.secret) == (
        "https://new.example.com/hook",
        ["policy.published"],
        2,
        secret,
    )
    assert Event.objects.filter(action="webhooks.endpoint.updated").count() == 1

    stale = client.post(url, {"url": "https://stale.example.com/", "event_types": ["usecase.submitted"], "version": 1})
    assert stale.status_code == 409
    endpoint.refresh_from_db()
    assert endpoint.url == "https://new.example.com/hook"


def test_governance_deactivates_and_reactivates_an_endpoint(make_endpoint, client_for, governance) -> None:
    endpoint = make_endpoint(["usecase.submitted"])
    client = client_for(governance)
    url = reverse("webhooks:endpoint_active", args=[endpoint.pk])

    assert client.post(url, {"active": "0"}).status_code == 302
    endpoint.refresh_from_db()
    assert endpoint.active is False
    assert client.get(url).status_code == 405
    assert client.post(url, {"active": "1"}).status_code == 302
    endpoint.refresh_from_db()
    assert endpoint.active is True
    assert list(
        Event.objects.filter(action__startswith="webhooks.endpoint.").order_by("seq").values_list("action", flat=True)
    ) == ["webhooks.endpoint.created", "webhooks.endpoint.deactivated", "webhooks.endpoint.activated"]


def test_governance_sends_a_test_event_that_the_receiver_verifies(
    make_endpoint, client_for, governance, consumer, django_capture_on_commit_callbacks
) -> None:
    endpoint = make_endpoint(["policy.published"])

    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(governance).post(reverse("webhooks:endpoint_test", args=[endpoint.pk]))

    assert response.status_code == 302
    [request] = consumer.received
    assert request.verified
    assert request.event["type"] == TEST_EVENT
    assert Delivery.objects.get(endpoint=endpoint).status == DeliveryStatus.DELIVERED
    assert Event.objects.filter(action="webhooks.endpoint.tested").count() == 1


def test_no_test_event_to_a_deactivated_endpoint(make_endpoint, client_for, governance) -> None:
    endpoint = make_endpoint(["policy.published"])
    services.endpoint_set_active(actor=governance, endpoint=endpoint, active=False)

    client_for(governance).post(reverse("webhooks:endpoint_test", args=[endpoint.pk]))

    assert not Delivery.objects.exists()


def test_the_log_shows_the_deliveries_newest_first_with_every_attempt(
    make_endpoint, make_usecase, client_for, governance, consumer, settings, django_capture_on_commit_callbacks
) -> None:
    from .conftest import COMPLETE_FACTS

    settings.WEBHOOK_ATTEMPTS = 2
    endpoint = make_endpoint(["usecase.submitted"])
    consumer.default = 500
    with django_capture_on_commit_callbacks(execute=True):
        make_usecase(**COMPLETE_FACTS)
    consumer.default = 200
    with django_capture_on_commit_callbacks(execute=True):
        make_usecase(title="Zweiter Fall", **COMPLETE_FACTS)

    response = client_for(governance).get(reverse("webhooks:endpoint_detail", args=[endpoint.pk]))

    page = response.content.decode()
    failed, delivered = Delivery.objects.order_by("pk")
    assert page.index(f'data-testid="delivery-{delivered.pk}"') < page.index(f'data-testid="delivery-{failed.pk}"')
    assert f'data-testid="redeliver-{failed.pk}"' in page
    assert f'data-testid="redeliver-{delivered.pk}"' not in page
    assert "HTTP 500" in page
    assert page.count("(HTTP 500)") == 2 and page.count("(HTTP 200)") == 1


def test_the_log_page_needs_the_same_queries_for_many_deliveries(make_endpoint, client_for, governance) -> None:
    endpoint = make_endpoint(["usecase.submitted"])
    client = client_for(governance)
    url = reverse("webhooks:endpoint_detail", args=[endpoint.pk])
    services.endpoint_test(actor=governance, endpoint=endpoint)
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for _ in range(10):
        services.endpoint_test(actor=governance, endpoint=endpoint)
    with CaptureQueriesContext(connection) as many:
        client.get(url)
    assert len(many) == len(few)


def test_governance_sends_a_failed_delivery_again(failed_delivery, client_for, governance) -> None:
    url = reverse("webhooks:delivery_redeliver", args=[failed_delivery.endpoint_id, failed_delivery.pk])

    response = client_for(governance).post(url)

    assert response.status_code == 302
    failed_delivery.refresh_from_db()
    assert (failed_delivery.status, failed_delivery.max_attempts) == (DeliveryStatus.PENDING, 12)
    assert Event.objects.filter(action="webhooks.delivery.redelivered").count() == 1
    # a delivery that is not failed (any more) is not sent again
    client_for(governance).post(url)
    assert Event.objects.filter(action="webhooks.delivery.redelivered").count() == 1


def test_a_delivery_of_another_endpoint_is_not_found(failed_delivery, make_endpoint, client_for, governance) -> None:
    other = services.endpoint_create(
        actor=governance, url="https://other.example.com/", event_types=["usecase.submitted"]
    )
    url = reverse("webhooks:delivery_redeliver", args=[other.pk, failed_delivery.pk])

    assert client_for(governance).post(url).status_code == 404
    failed_delivery.refresh_from_db()
    assert failed_delivery.status == DeliveryStatus.FAILED


def test_rotating_the_secret_asks_for_confirmation_first(make_endpoint, client_for, governance, settings) -> None:
    settings.WEBHOOK_SECRET_GRACE_HOURS = 24
    endpoint = make_endpoint(["usecase.submitted"])
    secret = endpoint.secret
    client = client_for(_speaking(governance, "en"))
    url = reverse("webhooks:endpoint_rotate_secret", args=[endpoint.pk])

    detail = client.get(reverse("webhooks:endpoint_detail", args=[endpoint.pk])).content.decode()
    response = client.get(url)

    assert f'href="{url}"' in detail
    assert response.status_code == 200
    page = response.content.decode()
    assert "For the next 24 hours, every message carries two signatures" in page
    assert 'data-testid="rotate-form"' in page
    endpoint.refresh_from_db()
    assert (endpoint.secret, endpoint.version) == (secret, 1)
    assert not Event.objects.filter(action="webhooks.endpoint.secret_rotated").exists()


def test_the_confirmation_is_in_german(make_endpoint, client_for, governance, settings) -> None:
    settings.WEBHOOK_SECRET_GRACE_HOURS = 24
    endpoint = make_endpoint(["usecase.submitted"])
    client = client_for(_speaking(governance, "de"))

    response = client.get(reverse("webhooks:endpoint_rotate_secret", args=[endpoint.pk]))

    page = response.content.decode()
    assert "Signaturschlüssel erneuern" in page
    assert "In den nächsten 24 Stunden trägt jede Nachricht zwei Signaturen" in page
    detail = client.get(reverse("webhooks:endpoint_detail", args=[endpoint.pk]))
    assert "Schlüssel erneuern" in detail.content.decode()


def test_governance_rotates_the_secret_and_sees_the_new_one_once(make_endpoint, governance) -> None:
    endpoint = make_endpoint(["usecase.submitted"])
    old = endpoint.secret
    client = Client(enforce_csrf_checks=True)
    client.force_login(governance)
    url = reverse("webhooks:endpoint_rotate_secret", args=[endpoint.pk])
    client.get(url)  # sets the CSRF cookie, as the browser gets it with the confirmation page

    response = client.post(url, {"version": "1", "csrfmiddlewaretoken": client.cookies["csrftoken"].value})

    assert response.status_code == 302
    assert response["Location"] == reverse("webhooks:endpoint_detail", args=[endpoint.pk])
    endpoint.refresh_from_db()
    assert (endpoint.secret != old, endpoint.previous_secret, endpoint.version) == (True, old, 2)
    assert endpoint.secret not in response["Location"]
    first = client.get(response["Location"])
    shown = first.content.decode()
    assert 'data-testid="secret-panel"' in shown and endpoint.secret in shown
    assert old not in shown
    assert 'data-testid="previous-secret"' in shown
    assert first["Cache-Control"].startswith("max-age=0")
    again = client.get(response["Location"]).content.decode()
    assert endpoint.secret not in again and 'data-testid="secret-panel"' not in again
    assert Event.objects.filter(action="webhooks.endpoint.secret_rotated").count() == 1


def test_a_rotation_confirmed_on_a_stale_page_is_a_conflict(make_endpoint, client_for, governance) -> None:
    endpoint = make_endpoint(["usecase.submitted"])
    client = client_for(_speaking(governance, "en"))
    url = reverse("webhooks:endpoint_rotate_secret", args=[endpoint.pk])
    services.endpoint_rotate_secret(actor=governance, endpoint=endpoint)  # someone else, meanwhile
    endpoint.refresh_from_db()
    secret = endpoint.secret

    response = client.post(url, {"version": "1"})

    assert response.status_code == 409
    assert "Someone else changed this in the meantime" in response.content.decode()
    assert secret not in response.content.decode()
    endpoint.refresh_from_db()
    assert (endpoint.secret, endpoint.version) == (secret, 2)
    assert Event.objects.filter(action="webhooks.endpoint.secret_rotated").count() == 1


def test_the_pages_render_in_german_and_english(make_endpoint, client_for, governance) -> None:
    endpoint = make_endpoint(["usecase.submitted"])
    client = client_for(governance)
    for url in (
        reverse("webhooks:endpoint_list"),
        reverse("webhooks:endpoint_create"),
        reverse("webhooks:endpoint_detail", args=[endpoint.pk]),
        reverse("webhooks:endpoint_edit", args=[endpoint.pk]),
        reverse("webhooks:endpoint_rotate_secret", args=[endpoint.pk]),
    ):
        for language in ("de", "en"):
            response = client.get(url, headers={"accept-language": language})
            assert response.status_code == 200, url
