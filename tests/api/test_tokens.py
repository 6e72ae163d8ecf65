"""Personal access tokens: created once in plain text, stored hashed, revoked for good, never in the audit trail."""

from __future__ import annotations

import datetime as dt
import json
import logging

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone

from leitplanke.api import services
from leitplanke.api.models import AccessToken, Scope
from leitplanke.api.selectors import token_for_secret
from leitplanke.api.tokens import token_hash
from leitplanke.audit.models import Event
from leitplanke.common.errors import DomainError, PermissionDenied

pytestmark = pytest.mark.django_db


def _audit_text() -> str:
    return json.dumps([[e.action, e.object_label, e.before, e.after] for e in Event.objects.all()], default=str)


def test_a_new_token_is_returned_once_and_stored_only_as_prefix_and_hash(org) -> None:
    created = services.token_create(actor=org.member, user=org.member, name="Auswertung", scope=Scope.READ)

    stored = AccessToken.objects.get()
    assert created.plain.startswith(stored.prefix + "_")
    assert len(stored.prefix) == len("lp_") + 8
    assert stored.secret_hash == token_hash(created.plain)
    assert created.plain not in {getattr(stored, field.attname) for field in AccessToken._meta.concrete_fields}


def test_creating_and_revoking_a_token_is_audited_without_the_token(org) -> None:
    created = services.token_create(actor=org.member, user=org.member, name="Auswertung", scope=Scope.READ_WRITE)
    services.token_revoke(actor=org.member, token=created.token)

    events = list(Event.objects.filter(action__startswith="api.token.").order_by("seq"))
    assert [e.action for e in events] == ["api.token.created", "api.token.revoked"]
    assert events[0].after["prefix"] == created.token.prefix
    assert events[1].after["revoked_at"] is not None
    secret_part = created.plain.removeprefix(created.token.prefix + "_")
    assert created.plain not in _audit_text()
    assert secret_part not in _audit_text()
    assert created.token.secret_hash not in _audit_text()


def test_a_token_finds_its_person_until_it_is_revoked(org) -> None:
    created = services.token_create(actor=None, user=org.member, name="CLI")
    assert token_for_secret(created.plain) == created.token

    services.token_revoke(actor=None, token=created.token)

    assert token_for_secret(created.plain) is None


def test_an_expired_token_finds_nobody(org) -> None:
    created = services.token_create(actor=None, user=org.member, name="CLI", expires_in_days=1)
    AccessToken.objects.filter(pk=created.token.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))

    assert token_for_secret(created.plain) is None


@pytest.mark.parametrize(
    "guess",
    ["", "lp_", "lp_0000000_x", "Bearer lp_12345678_abc", "not a token"],
)
def test_malformed_or_unknown_tokens_find_nobody(org, guess) -> None:
    services.token_create(actor=None, user=org.member, name="CLI")
    assert token_for_secret(guess) is None


def test_a_token_with_a_known_prefix_but_a_wrong_secret_finds_nobody(org) -> None:
    created = services.token_create(actor=None, user=org.member, name="CLI")
    assert token_for_secret(created.token.prefix + "_" + "x" * 43) is None


def test_nobody_creates_a_token_for_someone_else(org) -> None:
    with pytest.raises(PermissionDenied):
        services.token_create(actor=org.lead, user=org.member, name="Fremd")
    assert not AccessToken.objects.exists()


def test_nobody_revokes_someone_elses_token_except_an_administrator(org) -> None:
    created = services.token_create(actor=None, user=org.member, name="CLI")
    with pytest.raises(PermissionDenied):
        services.token_revoke(actor=org.outsider, token=created.token)
    assert token_for_secret(created.plain) is not None

    services.token_revoke(actor=org.role_holders["administrator"], token=created.token)
    assert token_for_secret(created.plain) is None


@pytest.mark.parametrize("days", [0, -1, 367])
def test_a_token_must_expire_within_a_year(org, days) -> None:
    with pytest.raises(DomainError) as refused:
        services.token_create(actor=None, user=org.member, name="CLI", expires_in_days=days)
    assert refused.value.field == "expires_in_days"
    assert not AccessToken.objects.exists()


def test_the_cli_prints_a_working_token_and_nothing_else_on_stdout(org, capsys) -> None:
    call_command("token", "create", "--user", org.member.username, "--scope", "read-write", "--expires", "7")

    plain = capsys.readouterr().out.strip()
    found = token_for_secret(plain)
    assert found is not None
    assert (found.user, found.scope, found.name) == (org.member, Scope.READ_WRITE, "CLI")
    assert dt.timedelta(days=6) < found.expires_at - timezone.now() <= dt.timedelta(days=7)


def test_the_cli_revokes_by_prefix(org, capsys) -> None:
    created = services.token_create(actor=None, user=org.member, name="CLI")
    call_command("token", "revoke", created.token.prefix)
    assert token_for_secret(created.plain) is None


def test_the_cli_refuses_an_unknown_person(org) -> None:
    with pytest.raises(CommandError):
        call_command("token", "create", "--user", "nobody", "--scope", "read")
    assert not AccessToken.objects.exists()


def test_using_a_token_never_logs_it(org, caplog, settings) -> None:
    settings.DEBUG = True  # ninja's own bearer class logs unexpected headers in DEBUG
    created = services.token_create(actor=None, user=org.member, name="CLI")

    with caplog.at_level(logging.DEBUG):
        Client(headers={"Authorization": f"Bearer {created.plain}"}).get("/api/v1/usecases")
        Client(headers={"Authorization": f"Token {created.plain}"}).get("/api/v1/usecases")
        services.token_revoke(actor=None, token=created.token)
        Client(headers={"Authorization": f"Bearer {created.plain}"}).get("/api/v1/usecases")

    assert caplog.records  # the requests did log (the 401s), just not the token
    assert created.plain not in caplog.text
    assert created.plain.removeprefix(created.token.prefix + "_") not in caplog.text
