"""The person who signs in: a Django user with the profile fields Leitplanke needs."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    """A person in the company: signs in, belongs to units, holds roles.

    ``display_name`` is what the UI shows; ``preferred_language`` follows the person across
    devices. Authentication stays in Django's backends, so OpenID Connect can be added as one
    more backend without touching this model.
    """

    display_name = models.CharField(_("display name"), max_length=150, blank=True)
    email = models.EmailField(_("e-mail address"), blank=True, db_index=True)
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    preferred_language = models.CharField(
        _("preferred language"),
        max_length=8,
        choices=settings.LANGUAGES,
        default=settings.LANGUAGE_CODE,
    )

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        ordering = ["display_name", "username"]
        constraints = [
            models.UniqueConstraint(
                Lower("email"),
                condition=~models.Q(email=""),
                name="accounts_user_email_unique_ci",
                violation_error_message=_("Another person already has this e-mail address."),
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        """The name to show: display name, else full name, else user name."""
        return self.display_name or self.get_full_name() or self.username

    def audit_snapshot(self) -> dict[str, object]:
        """The fields recorded in audit events (never the password hash)."""
        return {
            "username": self.username,
            "display_name": self.display_name,
            "email": self.email,
            "preferred_language": self.preferred_language,
            "is_active": self.is_active,
        }
