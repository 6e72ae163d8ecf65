"""Writes of personal access tokens: create (the plain token is returned once), revoke, mark as used."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from leitplanke.audit.services import event_record
from leitplanke.common import clock
from leitplanke.common.actors import Actor
from leitplanke.common.errors import DomainError, full_clean
from leitplanke.common.permissions import check
from leitplanke.common.transactions import write_atomic

from .models import AccessToken, Scope
from .tokens import new_prefix, new_token, token_hash

DEFAULT_EXPIRY_DAYS = 90
MAX_EXPIRY_DAYS = 366
#: ``last_used_at`` is written at most this often per token, so reads do not turn into writes.
USE_RECORD_INTERVAL = dt.timedelta(minutes=1)


@dataclass(frozen=True)
class CreatedToken:
    """A new token and its plain text, which exists only in this object and is never stored."""

    token: AccessToken
    plain: str


def _free_prefix() -> str:
    while True:
        prefix = new_prefix()
        if not AccessToken.objects.filter(prefix=prefix).exists():
            return prefix


@write_atomic
def token_create(
    *,
    actor: Actor,
    user: Any,
    name: str,
    scope: str = Scope.READ,
    expires_in_days: int = DEFAULT_EXPIRY_DAYS,
) -> CreatedToken:
    """Create a personal access token for ``user``; ``actor`` is ``user`` or ``None`` (the CLI's operator)."""
    check(actor, "api.add_token", user)
    if not user.is_active:
        raise DomainError(_("Access tokens can only be created for active people."), field="user")
    if not 1 <= expires_in_days <= MAX_EXPIRY_DAYS:
        raise DomainError(
            _("A token must expire after 1 to %(days)d days.") % {"days": MAX_EXPIRY_DAYS}, field="expires_in_days"
        )
    prefix = _free_prefix()
    plain = new_token(prefix)
    token = AccessToken(
        user=user,
        name=name.strip(),
        prefix=prefix,
        secret_hash=token_hash(plain),
        scope=scope,
        expires_at=timezone.now() + dt.timedelta(days=expires_in_days),
    )
    full_clean(token, titles=["name"])
    token.save()
    event_record(actor=actor, action="api.token.created", target=token, after=token.audit_snapshot())
    return CreatedToken(token=token, plain=plain)


@write_atomic
def token_revoke(*, actor: Actor, token: AccessToken) -> AccessToken:
    """Revoke a token for good; its owner, an administrator or the CLI (``actor=None``) may."""
    check(actor, "api.revoke_token", token)
    token = AccessToken.objects.select_for_update().select_related("user").get(pk=token.pk)
    if token.revoked_at is not None:
        return token  # revoking twice changes nothing and records nothing
    before = token.audit_snapshot()
    token.revoked_at = clock.now()
    token.save(update_fields=["revoked_at"])
    event_record(actor=actor, action="api.token.revoked", target=token, before=before, after=token.audit_snapshot())
    return token


def token_mark_used(*, token: AccessToken) -> None:
    """Record that ``token`` signed in (bookkeeping, not an audited change; at most once a minute)."""
    now = timezone.now()
    if token.last_used_at is not None and now - token.last_used_at < USE_RECORD_INTERVAL:
        return
    recent = Q(last_used_at__gte=now - USE_RECORD_INTERVAL)  # another request recorded it meanwhile
    AccessToken.objects.filter(pk=token.pk).exclude(recent).update(last_used_at=now)
    token.last_used_at = now
