"""The shape of a personal access token: ``lp_`` + 8 visible hex digits + ``_`` + 43 random characters."""

from __future__ import annotations

import hashlib
import secrets

#: Every token starts with this, so secret scanners and people recognise it.
TOKEN_PREFIX = "lp_"  # noqa: S105 (a marker, not a secret)
#: Random hex digits after ``lp_`` that are stored in clear and shown in lists (``lp_1a2b3c4d``).
PREFIX_DIGITS = 8
PREFIX_LENGTH = len(TOKEN_PREFIX) + PREFIX_DIGITS


def new_prefix() -> str:
    """A random visible prefix (the caller makes sure it is not taken)."""
    return TOKEN_PREFIX + secrets.token_hex(PREFIX_DIGITS // 2)


def new_token(prefix: str) -> str:
    """A token with ``prefix`` and 256 random bits."""
    return f"{prefix}_{secrets.token_urlsafe(32)}"


def prefix_of(plain: str) -> str | None:
    """The visible prefix of a token, or ``None`` if ``plain`` does not look like one."""
    if not plain.startswith(TOKEN_PREFIX) or plain[PREFIX_LENGTH : PREFIX_LENGTH + 1] != "_":
        return None
    return plain[:PREFIX_LENGTH]


def token_hash(plain: str) -> str:
    """The SHA-256 of a whole token, as stored (256 random bits need no slow password hash)."""
    return hashlib.sha256(plain.encode()).hexdigest()
