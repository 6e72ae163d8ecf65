"""Reads of personal access tokens."""

from __future__ import annotations

import hmac
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from .models import AccessToken
from .tokens import prefix_of, token_hash


def token_for_secret(plain: str) -> AccessToken | None:
    """The usable token whose text is ``plain``, or ``None`` (unknown, revoked, expired, inactive person)."""
    prefix = prefix_of(plain)
    if prefix is None:
        return None
    found = AccessToken.objects.select_related("user").filter(prefix=prefix).first()
    if found is None or not hmac.compare_digest(found.secret_hash, token_hash(plain)):
        return None
    if not found.is_usable(timezone.now()) or not found.user.is_active:
        return None
    return found


def tokens_of(user: Any) -> QuerySet[AccessToken]:
    """The tokens ``user`` owns, newest first; the only tokens their own token page shows or revokes."""
    return AccessToken.objects.filter(user_id=user.pk).order_by("-created_at", "-id")
