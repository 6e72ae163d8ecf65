"""The token page: every person lists, creates and revokes their own personal access tokens, and only theirs."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from leitplanke.api import services
from leitplanke.api.models import AccessToken, Scope, TokenStatus
from leitplanke.api.tokens import token_hash
from leitplanke.audit.models import Event

pytestmark = pytest.mark.django_db

LIST = reverse("api:token_list")


def _revoke_url(token: AccessToken) -> str:
    return reverse("api:token_revoke", args=[token.pk])


def _token(person: Any, name: str = "Skript", **kwargs: Any) -> AccessToken:
    return services.token_create(actor=person, user=person, name=name, **kwargs).token


def _create(client: Client, **fields: Any) -> Any:
    """Open the page, then send its form with ``fields`` (a valid read token unless told otherwise)."""
    key = client.get(LIST).context["form_key"]
    data = {"name": "Power BI", "scope": Scope.READ, "expires_in_days": "30", "form_key": key} | fields
    return client.post(LIST, data)


def test_the_list_shows_only_the_persons_own_tokens_newest_first(org, client_for) -> None:
    older = _token(org.member, "Alt")
    newer = _token(org.member, "Neu")
    foreign = _token(org.outsider, "Fremd")

    response = client_for(org.member).get(LIST)

    assert response.status_code == 200
    assert list(response.context["tokens"]) == [newer, older]
    body = response.content.decode()
    assert body.index(newer.prefix) < body.index(older.prefix)
    assert foreign.prefix not in body
    assert "Fremd" not in body


def test_the_list_shows_each_tokens_status(org, client_for) -> None:
    active = _token(org.member, "Aktiv")
    expired = _token(org.member, "Abgelaufen")
    AccessToken.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - dt.timedelta(minutes=1))
    revoked = services.token_revoke(actor=org.member, token=_token(org.member, "Widerrufen"))

    response = client_for(org.member).get(LIST)

    statuses = {token.name: token.status() for token in response.context["tokens"]}
    assert statuses == {
        "Aktiv": TokenStatus.ACTIVE,
        "Abgelaufen": TokenStatus.EXPIRED,
        "Widerrufen": TokenStatus.REVOKED,
    }
    body = response.content.decode()
    assert _revoke_url(active) in body
    assert _revoke_url(expired) in body
    assert _revoke_url(revoked) not in body


def test_the_list_needs_the_same_queries_for_one_token_and_for_many(org, client_for) -> None:
    client = client_for(org.member)
    _token(org.member)
    client.get(LIST)  # the session and the language are settled on the first request

    with CaptureQueriesContext(connection) as one:
        client.get(LIST)
    for number in range(20):
        _token(org.member, f"Skript {number}")
    with CaptureQueriesContext(connection) as many:
        client.get(LIST)

    assert len(many) == len(one)


def test_the_form_proposes_a_read_token_with_the_default_expiry(org, client_for) -> None:
    response = client_for(org.member).get(LIST)

    form = response.context["form"]
    assert form["scope"].value() == Scope.READ
    assert form["expires_in_days"].value() == services.DEFAULT_EXPIRY_DAYS
    assert 'value="read" required id="id_scope_0" checked' in response.content.decode()


def test_creating_a_token_shows_it_once_and_stores_only_its_hash(org, client_for) -> None:
    client = client_for(org.member)

    response = _create(client, name="Power BI", scope=Scope.READ_WRITE, expires_in_days="30")

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    plain = response.context["created"].plain
    assert f'data-testid="new-token">{plain}</code>' in response.content.decode()
    token = AccessToken.objects.get()
    assert (token.user, token.name, token.scope) == (org.member, "Power BI", Scope.READ_WRITE)
    assert token.expires_at - timezone.now() == pytest.approx(dt.timedelta(days=30), abs=dt.timedelta(minutes=1))
    assert token.secret_hash == token_hash(plain)
    assert plain not in {str(getattr(token, field.attname)) for field in AccessToken._meta.concrete_fields}
    assert plain not in str(dict(client.session.items()))
    assert plain not in response.headers.get("Location", "")

    again = client.get(LIST)

    assert plain not in again.content.decode()
    assert token.prefix in again.content.decode()


def test_creating_a_token_records_the_event_with_the_person_as_actor(org, client_for) -> None:
    _create(client_for(org.member), name="Power BI")

    event = Event.objects.get(action="api.token.created")
    assert event.actor == org.member
    assert event.after["name"] == "Power BI"


def test_sending_the_create_form_again_creates_no_second_token_and_shows_none(org, client_for) -> None:
    client = client_for(org.member)
    key = client.get(LIST).context["form_key"]
    data = {"name": "Power BI", "scope": Scope.READ, "expires_in_days": "30", "form_key": key}
    first = client.post(LIST, data)
    plain = first.context["created"].plain

    again = client.post(LIST, data, follow=True)

    assert again.redirect_chain == [(LIST, 302)]
    assert AccessToken.objects.count() == 1
    assert plain not in again.content.decode()


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "   "}, "name"),
        ({"name": "x" * 101}, "name"),
        ({"scope": "admin"}, "scope"),
        ({"expires_in_days": "0"}, "expires_in_days"),
        ({"expires_in_days": str(services.MAX_EXPIRY_DAYS + 1)}, "expires_in_days"),
        ({"expires_in_days": "bald"}, "expires_in_days"),
    ],
)
def test_bad_input_shows_the_error_on_its_field_and_creates_nothing(org, client_for, fields, field) -> None:
    response = _create(client_for(org.member), **fields)

    assert response.status_code == 400
    assert list(response.context["form"].errors) == [field]
    assert response.context["created"] is None
    assert 'class="field field--error"' in response.content.decode()
    assert not AccessToken.objects.exists()
    assert not Event.objects.filter(action="api.token.created").exists()


def test_the_longest_allowed_expiry_is_accepted(org, client_for) -> None:
    response = _create(client_for(org.member), expires_in_days=str(services.MAX_EXPIRY_DAYS))

    assert response.status_code == 200
    assert AccessToken.objects.count() == 1


def test_a_form_with_errors_can_be_corrected_and_sent_again(org, client_for) -> None:
    client = client_for(org.member)
    refused = _create(client, name="")

    accepted = client.post(
        LIST,
        {"name": "Power BI", "scope": Scope.READ, "expires_in_days": "30", "form_key": refused.context["form_key"]},
    )

    assert accepted.status_code == 200
    assert accepted.context["created"] is not None
    assert AccessToken.objects.count() == 1


def test_revoking_asks_first_and_changes_nothing_until_confirmed(org, client_for) -> None:
    token = _token(org.member)

    response = client_for(org.member).get(_revoke_url(token))

    assert response.status_code == 200
    assert 'data-testid="confirm-revoke"' in response.content.decode()
    token.refresh_from_db()
    assert token.revoked_at is None


def test_revoking_a_token_keeps_it_listed_as_revoked_and_records_the_event(org, client_for) -> None:
    token = _token(org.member)
    client = client_for(org.member)

    response = client.post(_revoke_url(token))

    assert response.status_code == 302
    assert response["Location"] == LIST
    token.refresh_from_db()
    assert token.revoked_at is not None
    event = Event.objects.get(action="api.token.revoked")
    assert (event.actor, event.object_id) == (org.member, str(token.pk))
    listed = client.get(LIST)
    assert [t.status() for t in listed.context["tokens"]] == [TokenStatus.REVOKED]


def test_revoking_a_revoked_token_again_changes_nothing(org, client_for) -> None:
    token = services.token_revoke(actor=org.member, token=_token(org.member))
    revoked_at = token.revoked_at

    response = client_for(org.member).post(_revoke_url(token))

    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at == revoked_at
    assert Event.objects.filter(action="api.token.revoked").count() == 1


@pytest.mark.parametrize("viewer", ["unit_member", "unit_lead", "other_unit", "auditor", "administrator"])
@pytest.mark.parametrize("method", ["get", "post"])
def test_another_persons_token_is_not_found(org, client_for, viewer, method) -> None:
    person = org.viewer(viewer)
    owner = org.outsider if person != org.outsider else org.member
    token = _token(owner)

    response = getattr(client_for(person), method)(_revoke_url(token))

    assert response.status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None
    assert not Event.objects.filter(action="api.token.revoked").exists()


def test_an_unknown_token_is_not_found(org, client_for) -> None:
    assert client_for(org.member).get(reverse("api:token_revoke", args=[999_999])).status_code == 404


@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize("page", ["list", "revoke"])
def test_anonymous_visitors_are_sent_to_sign_in_and_change_nothing(org, method, page) -> None:
    token = _token(org.member)
    url = LIST if page == "list" else _revoke_url(token)
    data = {"name": "Power BI", "scope": Scope.READ, "expires_in_days": "30"} if method == "post" else None

    response = getattr(Client(), method)(url, data)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login") + "?next=")
    assert AccessToken.objects.count() == 1
    token.refresh_from_db()
    assert token.revoked_at is None


@pytest.mark.parametrize("page", ["list", "revoke"])
def test_a_post_without_csrf_token_is_refused(org, page) -> None:
    token = _token(org.member)
    client = Client(enforce_csrf_checks=True)
    client.force_login(org.member)
    key = client.get(LIST).context["form_key"]
    url = LIST if page == "list" else _revoke_url(token)

    response = client.post(url, {"name": "Power BI", "scope": Scope.READ, "expires_in_days": "30", "form_key": key})

    assert response.status_code == 403
    assert AccessToken.objects.count() == 1
    token.refresh_from_db()
    assert token.revoked_at is None


def test_the_profile_page_links_to_the_token_page(org, client_for) -> None:
    response = client_for(org.member).get(reverse("accounts:profile"))

    assert f'href="{LIST}"' in response.content.decode()


def test_the_copy_button_loads_its_script_from_a_static_file(org, client_for) -> None:
    body = _create(client_for(org.member)).content.decode()

    assert 'data-testid="copy-token"' in body
    assert '<script src="/static/api/token-copy.js"></script>' in body
    assert "<script>" not in body
