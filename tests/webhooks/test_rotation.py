"""Rotating an endpoint's secret: a new one at once, the old one still signing for a grace period."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.utils import timezone

from leitplanke.audit.models import Event
from leitplanke.common.errors import Conflict, PermissionDenied
from leitplanke.webhooks import services
from leitplanke.webhooks.models import Endpoint
from leitplanke.webhooks.signing import SIGNATURE_HEADER, signature

pytestmark = pytest.mark.django_db

OTHERS = ["unit_member", "unit_lead", "other_unit", "auditor", "data_protection", "administrator"]


def _stored(endpoint: Endpoint) -> tuple[str, str, dt.datetime | None, int]:
    endpoint.refresh_from_db()
    return endpoint.secret, endpoint.previous_secret, endpoint.previous_secret_until, endpoint.version


def test_rotating_gives_a_new_secret_and_keeps_the_old_one_for_the_grace_period(
    make_endpoint, governance, settings
) -> None:
    # Given an endpoint and a grace period of 24 hours
    settings.WEBHOOK_SECRET_GRACE_HOURS = 24
    endpoint = make_endpoint(["usecase.submitted"])
    old = endpoint.secret
    started = timezone.now()

    # When AI governance rotates its secret
    rotated = services.endpoint_rotate_secret(actor=governance, endpoint=endpoint, expected_version=1)

    # Then it has a new secret, the old one signs for 24 hours more, and the version rose
    secret, previous, until, version = _stored(endpoint)
    assert rotated.secret == secret
    assert secret != old and secret.startswith("whsec_")
    assert previous == old
    assert until is not None
    assert started + dt.timedelta(hours=24) <= until <= timezone.now() + dt.timedelta(hours=24)
    assert version == 2


def test_the_audit_event_of_a_rotation_holds_neither_secret(make_endpoint, governance) -> None:
    endpoint = make_endpoint(["usecase.submitted"])
    old = endpoint.secret

    rotated = services.endpoint_rotate_secret(actor=governance, endpoint=endpoint)

    event = Event.objects.get(action="webhooks.endpoint.secret_rotated")
    assert (event.actor_id, event.object_id) == (governance.pk, str(endpoint.pk))
    assert event.after["url"] == endpoint.url
    assert event.after["previous_secret_until"] is not None
    recorded = json.dumps([event.before, event.after])
    assert old not in recorded and rotated.secret not in recorded
    assert "whsec_" not in recorded


def test_during_the_grace_period_the_receiver_verifies_with_the_old_and_with_the_new_secret(
    make_endpoint, governance, consumer, django_capture_on_commit_callbacks
) -> None:
    # Given an endpoint whose secret was rotated
    endpoint = make_endpoint(["usecase.submitted"])
    old = endpoint.secret
    new = services.endpoint_rotate_secret(actor=governance, endpoint=endpoint).secret

    # When a test event is delivered within the grace period
    with django_capture_on_commit_callbacks(execute=True):
        services.endpoint_test(actor=governance, endpoint=endpoint)

    # Then the one header carries both signatures, the new one first, and either secret verifies it
    [request] = consumer.received
    offered = request.headers[SIGNATURE_HEADER].split(" ")
    timestamp = int(request.headers["Leitplanke-Webhook-Timestamp"])
    assert offered == [signature(new, timestamp, request.body), signature(old, timestamp, request.body)]
    assert request.verifies_with(old)
    assert request.verifies_with(new)
    assert not request.verifies_with("whsec_someone-else")


def test_after_the_grace_period_only_the_new_secret_signs(
    make_endpoint, governance, consumer, django_capture_on_commit_callbacks
) -> None:
    # Given a rotation whose grace period is over
    endpoint = make_endpoint(["usecase.submitted"])
    old = endpoint.secret
    new = services.endpoint_rotate_secret(actor=governance, endpoint=endpoint).secret
    Endpoint.objects.filter(pk=endpoint.pk).update(previous_secret_until=timezone.now() - dt.timedelta(seconds=1))

    # When a test event is delivered
    with django_capture_on_commit_callbacks(execute=True):
        services.endpoint_test(actor=governance, endpoint=endpoint)

    # Then it carries one signature, which only the new secret verifies
    [request] = consumer.received
    assert len(request.headers[SIGNATURE_HEADER].split()) == 1
    assert request.verifies_with(new)
    assert not request.verifies_with(old)


def test_the_secrets_an_attempt_signs_with_follow_the_clock(make_endpoint, governance) -> None:
    endpoint = make_endpoint(["usecase.submitted"])
    old = endpoint.secret
    rotated = services.endpoint_rotate_secret(actor=governance, endpoint=endpoint)
    until = rotated.previous_secret_until
    assert until is not None

    assert rotated.signing_secrets(now=until - dt.timedelta(seconds=1)) == [rotated.secret, old]
    assert rotated.signing_secrets(now=until) == [rotated.secret]


def test_without_a_grace_period_the_old_secret_stops_signing_at_once(make_endpoint, governance, settings) -> None:
    settings.WEBHOOK_SECRET_GRACE_HOURS = 0
    endpoint = make_endpoint(["usecase.submitted"])

    rotated = services.endpoint_rotate_secret(actor=governance, endpoint=endpoint)

    assert (rotated.previous_secret, rotated.previous_secret_until) == ("", None)
    assert rotated.signing_secrets() == [rotated.secret]


def test_a_second_rotation_replaces_the_secret_still_in_its_grace_period(make_endpoint, governance) -> None:
    endpoint = make_endpoint(["usecase.submitted"])
    first = endpoint.secret
    second = services.endpoint_rotate_secret(actor=governance, endpoint=endpoint).secret

    third = services.endpoint_rotate_secret(actor=governance, endpoint=endpoint)

    assert third.signing_secrets() == [third.secret, second]
    assert first not in third.signing_secrets()


def test_a_stale_version_is_a_conflict_and_nothing_changes(make_endpoint, governance) -> None:
    endpoint = make_endpoint(["usecase.submitted"])
    services.endpoint_rotate_secret(actor=governance, endpoint=endpoint, expected_version=1)
    before = _stored(endpoint)

    with pytest.raises(Conflict):
        services.endpoint_rotate_secret(actor=governance, endpoint=endpoint, expected_version=1)

    assert _stored(endpoint) == before
    assert Event.objects.filter(action="webhooks.endpoint.secret_rotated").count() == 1


@pytest.mark.parametrize("viewer", OTHERS)
def test_nobody_but_ai_governance_rotates_a_secret_and_nothing_changes(org, make_endpoint, viewer) -> None:
    endpoint = make_endpoint(["usecase.submitted"])
    before = _stored(endpoint)
    events = Event.objects.count()

    with pytest.raises(PermissionDenied):
        services.endpoint_rotate_secret(actor=org.viewer(viewer), endpoint=endpoint)

    assert _stored(endpoint) == before
    assert Event.objects.count() == events
