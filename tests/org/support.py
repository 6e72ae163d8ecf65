"""Helpers of the organisation tests."""

from __future__ import annotations

from leitplanke.org.models import Role

#: The viewers every maintenance page is checked against; ``None`` is someone not signed in.
VIEWER_ROLES = (Role.ADMINISTRATOR, Role.AUDITOR, Role.DATA_PROTECTION, "employee", None)


def csv_file(*lines: str, encoding: str = "utf-8", newline: str = "\n") -> bytes:
    """The lines of a CSV file as the bytes an upload or ``open(..., "rb")`` gives."""
    return (newline.join(lines) + newline).encode(encoding)
