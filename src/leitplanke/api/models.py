"""Personal access tokens: how scripts and integrations sign in to the API."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from leitplanke.common import clock


class Scope(models.TextChoices):
    """What a token may do: read only, or also change (POST, PUT, PATCH, DELETE)."""

    READ = "read", _("Read")
    READ_WRITE = "read-write", _("Read and write")


class TokenStatus(models.TextChoices):
    """Where a token stands: it signs in, or it no longer does because it expired or was revoked."""

    ACTIVE = "active", pgettext_lazy("access token status", "active")
    EXPIRED = "expired", pgettext_lazy("access token status", "expired")
    REVOKED = "revoked", pgettext_lazy("access token status", "revoked")


class AccessToken(models.Model):
    """A personal access token; only its visible prefix and a SHA-256 hash of the whole token are stored."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("person"), on_delete=models.CASCADE, related_name="access_tokens"
    )
    name = models.CharField(_("name"), max_length=100, help_text=_("What the token is for, e.g. the script using it."))
    prefix = models.CharField(
        _("prefix"), max_length=16, unique=True, editable=False, help_text=_("The visible start of the token.")
    )
    secret_hash = models.CharField(_("hash"), max_length=64, editable=False)
    scope = models.CharField(
        pgettext_lazy("access token", "scope"), max_length=20, choices=Scope.choices, default=Scope.READ
    )
    expires_at = models.DateTimeField(_("expires"))
    created_at = models.DateTimeField(_("created"), default=clock.now, editable=False)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("access token")
        verbose_name_plural = _("access tokens")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "-created_at"], name="accesstoken_user_created")]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    def is_usable(self, now: datetime | None = None) -> bool:
        """Whether the token may sign in now: neither revoked nor expired."""
        now = now or timezone.now()
        return self.revoked_at is None and self.expires_at > now

    def status(self, now: datetime | None = None) -> TokenStatus:
        """Active, expired or revoked (a revoked token stays revoked, also once it would have expired)."""
        if self.revoked_at is not None:
            return TokenStatus.REVOKED
        return TokenStatus.ACTIVE if self.is_usable(now) else TokenStatus.EXPIRED

    def audit_snapshot(self) -> dict[str, object]:
        """The fields recorded in audit events; never the token or its hash."""
        return {
            "user": self.user.username,
            "name": self.name,
            "prefix": self.prefix,
            "scope": self.scope,
            "expires_at": self.expires_at,
            "revoked_at": self.revoked_at,
        }
