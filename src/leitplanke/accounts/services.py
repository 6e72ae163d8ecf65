"""Writes to a person's own account: language preference and password."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model, password_validation
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from leitplanke.audit.services import event_record
from leitplanke.common.actors import Actor
from leitplanke.common.errors import DomainError
from leitplanke.common.permissions import check
from leitplanke.common.transactions import write_atomic

User = get_user_model()


@write_atomic
def user_set_language(*, actor: Actor, user: Any, language: str) -> Any:
    """Remember the UI language a person prefers, on every device."""
    check(actor, "accounts.change_account", user)
    if language not in dict(settings.LANGUAGES):
        raise DomainError(_("This language is not available."), field="language")
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.preferred_language != language:
        before = {"preferred_language": user.preferred_language}
        user.preferred_language = language
        user.version += 1
        user.save(update_fields=["preferred_language", "version"])
        event_record(
            actor=actor,
            action="account.language_changed",
            target=user,
            before=before,
            after={"preferred_language": language},
        )
    return user


@write_atomic
def user_set_password(*, actor: Actor, user: Any, password: str) -> Any:
    """Set a new password after checking it against the password rules."""
    check(actor, "accounts.change_account", user)
    try:
        password_validation.validate_password(password, user)
    except ValidationError as exc:
        raise DomainError(" ".join(exc.messages), field="new_password1") from exc
    user = User.objects.select_for_update().get(pk=user.pk)
    user.set_password(password)
    user.save(update_fields=["password"])
    event_record(actor=actor, action="account.password_changed", target=user)
    return user
