"""Who may create and revoke personal access tokens.

Each person creates tokens for themselves and revokes their own; administrators revoke anyone's.
The system (``leitplanke token``) does both for any person.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from leitplanke.common.permissions import register
from leitplanke.org.selectors import is_administrator

from .selectors import tokens_of


def _for_themselves(user: Any, person: Any) -> bool:
    """Without a person: whether ``user`` may create tokens at all (for themselves: yes)."""
    return person is None or person.pk == user.pk


def _revokes(user: Any, token: Any) -> bool:
    return token is None or token.user_id == user.pk or is_administrator(user)


register(
    "api.view_token",
    description=_("See a personal access token (never its secret): its owner."),
    restrict=tokens_of,
)
register(
    "api.add_token",
    description=_("Create a personal access token for a person: that person, and the system."),
    predicate=_for_themselves,
    refusal=_("You can only create access tokens for yourself."),
    system=True,
)
register(
    "api.revoke_token",
    description=_("Revoke a personal access token: its owner, administrators and the system."),
    predicate=_revokes,
    refusal=_("You can only revoke your own access tokens."),
    system=True,
)
