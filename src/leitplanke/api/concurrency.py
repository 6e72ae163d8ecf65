"""Entity tags for single objects: ``If-None-Match`` for reads now, ``If-Match`` for the writes to come.

The tag is ``"<id>-<version>-<digest>"``: the version counts the changes people make, the digest
covers what changes without them (a new verdict after a rule bundle is published, a renamed tool).
It is a strong tag: the same representation gives the same bytes, so ``If-Match`` can use it.
"""

from __future__ import annotations

import hashlib

from django.http import HttpRequest
from django.utils.translation import gettext as _

from .errors import PreconditionFailed, PreconditionRequired


def etag_for(pk: int, version: int, body: bytes) -> str:
    """The quoted entity tag of one representation."""
    return f'"{pk}-{version}-{hashlib.sha256(body).hexdigest()[:16]}"'


def _listed(header: str) -> list[str]:
    return [tag.strip() for tag in header.split(",") if tag.strip()]


def not_modified(request: HttpRequest, etag: str) -> bool:
    """Whether ``If-None-Match`` names ``etag`` (weak comparison, as RFC 9110 asks for GET), or is ``*``."""
    header = request.headers.get("If-None-Match", "")
    tags = [tag.removeprefix("W/") for tag in _listed(header)]
    return "*" in tags or etag.removeprefix("W/") in tags


def require_if_match(request: HttpRequest, etag: str) -> None:
    """For writes: refuse without ``If-Match`` (428) or when it is not the current tag (412)."""
    header = request.headers.get("If-Match")
    if header is None:
        raise PreconditionRequired(_("Read the resource first and send its ETag in If-Match."))
    tags = _listed(header)
    # Strong comparison (RFC 9110 13.1.1): a weak tag never matches.
    if "*" not in tags and etag not in tags:
        raise PreconditionFailed(_("Someone changed it after you read it. Read it again, then repeat the change."))
