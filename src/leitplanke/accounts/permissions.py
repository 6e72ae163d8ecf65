"""Who may change a person's own account settings: the person themselves."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from leitplanke.common.permissions import register


def _themselves(user: Any, person: Any) -> bool:
    return person is None or person.pk == user.pk


register(
    "accounts.change_account",
    description=_("Change the language one prefers or one's password: the person themselves."),
    predicate=_themselves,
    refusal=_("You can only change your own account."),
)
