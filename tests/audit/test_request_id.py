"""The request id: events written during a request carry the id the response returns in X-Request-ID."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from leitplanke.audit.models import Event
from leitplanke.audit.services import event_record

GENERATED_ID = re.compile(r"[0-9a-f]{32}")


def change_language(client, person, request_id: str | None = None):
    """A request that writes an audit event: the person switches the UI to English."""
    client.force_login(person)
    headers = {} if request_id is None else {"X-Request-ID": request_id}
    return client.post(reverse("accounts:language"), {"language": "en", "next": "/"}, headers=headers)


def language_event() -> Event:
    return Event.objects.get(action="account.language_changed")


def test_an_event_written_during_a_request_carries_the_returned_request_id(client, person):
    # Given a request without an X-Request-ID of its own
    # When it changes something that is audited
    response = change_language(client, person)
    # Then the event carries the id the response returns
    assert response.status_code == 302
    assert GENERATED_ID.fullmatch(response["X-Request-ID"])
    assert language_event().request_id == response["X-Request-ID"]


@pytest.mark.parametrize("incoming", ["req-42", "a1B2.c3_d4-e5", "x" * 64, "6f1c2d3e-4b5a-4c6d-8e7f-901a2b3c4d5e"])
def test_a_valid_incoming_request_id_is_kept(client, person, incoming):
    # Given a request whose proxy already assigned a well-formed X-Request-ID
    # When it changes something that is audited
    response = change_language(client, person, request_id=incoming)
    # Then the response and the event both carry that id
    assert response["X-Request-ID"] == incoming
    assert language_event().request_id == incoming


@pytest.mark.parametrize(
    "incoming",
    ["", "x" * 65, "has space", "semi;colon", "umläut", "<script>", "line\nbreak", "trailing-newline\n"],
    ids=["empty", "too-long", "space", "semicolon", "non-ascii", "markup", "newline", "trailing-newline"],
)
def test_an_invalid_incoming_request_id_is_replaced(client, person, incoming):
    # Given a request with a malformed X-Request-ID
    # When it changes something that is audited
    response = change_language(client, person, request_id=incoming)
    # Then a fresh id replaces it, in the response and in the event
    assert GENERATED_ID.fullmatch(response["X-Request-ID"])
    assert language_event().request_id == response["X-Request-ID"]


def test_each_request_gets_its_own_id(client, person):
    # Given two requests without ids of their own
    # When both are answered
    first = client.get(reverse("accounts:login"))
    second = client.get(reverse("accounts:login"))
    # Then their ids differ
    assert first["X-Request-ID"] != second["X-Request-ID"]


def test_work_outside_a_request_records_no_request_id(client, person):
    # Given a request that has finished
    change_language(client, person)
    # When a command or job records an event afterwards
    event = event_record(actor=None, action="test.job", object_type="test.job")
    # Then the request's id does not leak into it
    assert event.request_id == ""
