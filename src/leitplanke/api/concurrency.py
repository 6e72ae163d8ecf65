"""Entity tags for single objects: ``If-None-Match`` for reads, ``If-Match`` for writes.

The tag is ``"<id>-<version>-<digest>"``: the version counts the changes people make, the digest
covers what changes without them (a new verdict after a rule bundle is published, a renamed tool).
It is a strong tag: the same representation gives the same bytes, so ``If-Match`` can use it.
"""

from __future__ import annotations

import hashlib
import re

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Schema

from .errors import PreconditionFailed, PreconditionRequired


def etag_for(pk: int, version: int, body: bytes) -> str:
    """The quoted entity tag of one representation."""
    return f'"{pk}-{version}-{hashlib.sha256(body).hexdigest()[:16]}"'


#: One entity tag (RFC 9110 8.8.3): optionally weak, then a quoted string without ``"``. A comma is
#: a legal character inside the quotes, so a list is never simply split at commas.
_TAG = r'(?:W/)?"[\x21\x23-\x7e\x80-\xff]*"'
_ENTITY_TAG = re.compile(_TAG)
#: A list of them: separated by commas with optional whitespace; empty elements (``"a", , "b"``)
#: are allowed, as RFC 9110 5.6.1 asks recipients to accept them.
_TAG_LIST = re.compile(rf"[ \t,]*(?:{_TAG}(?:[ \t]*,[ \t,]*{_TAG})*)?[ \t,]*")


def _listed(header: str) -> list[str] | None:
    """The entity tags of an ``If-Match``/``If-None-Match`` value, ``["*"]`` for ``*``, None if malformed."""
    value = header.strip(" \t")
    if value == "*":
        return ["*"]
    if _TAG_LIST.fullmatch(value) is None:
        return None
    return _ENTITY_TAG.findall(value)


def not_modified(request: HttpRequest, etag: str) -> bool:
    """Whether ``If-None-Match`` names ``etag`` (weak comparison, as RFC 9110 asks for GET), or is ``*``."""
    tags = [tag.removeprefix("W/") for tag in _listed(request.headers.get("If-None-Match", "")) or []]
    return "*" in tags or etag.removeprefix("W/") in tags


def require_if_match(request: HttpRequest, etag: str) -> None:
    """For writes: refuse without ``If-Match`` (428) or when it names neither the current tag nor ``*`` (412).

    As RFC 9110 13.1.1 says: the value is ``*`` (any current representation; every object a write
    reaches has one) or a comma-separated list of entity tags, compared strongly, so a weak tag
    (``W/"…"``) never matches. A value that is no such list matches nothing.
    """
    header = request.headers.get("If-Match")
    if header is None:
        raise PreconditionRequired(_("Read the resource first and send its ETag in If-Match."))
    tags = _listed(header)
    if tags is None:
        raise PreconditionFailed(
            _("If-Match must be * or a list of entity tags in double quotes, separated by commas.")
        )
    if tags != ["*"] and etag.removeprefix("W/") not in tags:
        raise PreconditionFailed(_("Someone changed it after you read it. Read it again, then repeat the change."))


def representation(payload: Schema) -> bytes:
    """The JSON bytes of ``payload``: the same object always gives the same bytes (and so the same tag)."""
    return payload.model_dump_json().encode()


def object_response(request: HttpRequest, *, pk: int, version: int, payload: Schema, status: int = 200) -> HttpResponse:
    """A single object with its ``ETag``; 304 when ``If-None-Match`` names the current tag (for GET only).

    Every single-object operation answers through this, reads and writes alike, so a client can send
    the tag of a write's answer straight back as ``If-Match`` of its next change.
    """
    body = representation(payload)
    etag = etag_for(pk, version, body)
    if request.method in ("GET", "HEAD") and not_modified(request, etag):
        response = HttpResponse(status=304)
    else:
        response = HttpResponse(body, status=status, content_type="application/json")
    response["ETag"] = etag
    response["Cache-Control"] = "private, no-cache"
    response["Vary"] = "Authorization, Cookie, Accept-Language"
    return response


def require_current(request: HttpRequest, *, pk: int, version: int, payload: Schema) -> None:
    """For writes: ``If-Match`` must name the tag the caller would get from a GET right now."""
    require_if_match(request, etag_for(pk, version, representation(payload)))
