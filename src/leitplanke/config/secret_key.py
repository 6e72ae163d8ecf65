"""Is a ``SECRET_KEY`` random enough for production? (No Django import: the settings use it.)"""

from __future__ import annotations

#: The shortest key accepted; Django's own generator makes 50 characters.
MIN_LENGTH = 50
#: Fewest different characters: a random key of 50 characters from Django's or ``token_urlsafe``'s
#: alphabet has about 30–45, a 64-digit hex key (``openssl rand -hex 32``) 15 or 16; fewer than
#: this is no random key.
MIN_DISTINCT = 12


def repeats_pattern(key: str) -> bool:
    """True if ``key`` is a shorter piece repeated (``'abcde' * 12``, ``'ab' * 30 + 'a'``)."""
    for period in range(1, len(key) // 2 + 1):
        if all(key[i] == key[i - period] for i in range(period, len(key))):
            return True
    return False


def weak_secret_key_reason(key: str) -> str | None:
    """Why ``key`` is not fit for production, or None when it looks random enough."""
    if key.startswith("django-insecure"):
        return "it is Django's insecure development key"
    if len(key) < MIN_LENGTH:
        return f"it has {len(key)} characters, fewer than {MIN_LENGTH}"
    if len(set(key)) < MIN_DISTINCT:
        return f"it uses only {len(set(key))} different characters (at least {MIN_DISTINCT} are needed)"
    if repeats_pattern(key):
        return "it repeats a shorter pattern"
    return None
