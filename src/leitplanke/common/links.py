"""Addresses of Leitplanke's pages as they leave it: in e-mails and webhook messages."""

from __future__ import annotations

from django.conf import settings


def absolute(link: str) -> str:
    """``link`` (a path) as an address to open from outside (``LEITPLANKE_BASE_URL`` in front)."""
    return f"{settings.LEITPLANKE_BASE_URL}{link}" if link.startswith("/") else link
