"""Who calls the API: a personal access token (``Authorization: Bearer``) or the browser session.

A request with an ``Authorization`` header is judged by its token alone: a bad token is refused
(401), it never falls back to the session. A read token may only read (403 for changing methods).
The session counts for active people only and, for changing methods, only with a valid CSRF token:
ninja exempts its views from Django's CSRF middleware, so :class:`SessionAuth` runs the check itself.
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.http import HttpRequest
from django.utils import translation
from django.utils.translation import gettext as _
from ninja.security import APIKeyCookie, HttpBearer
from ninja.utils import check_csrf

from leitplanke.accounts.middleware import language_for

from .errors import CsrfFailed, InsufficientScope, Unauthenticated
from .models import Scope
from .selectors import token_for_secret
from .services import token_mark_used

#: Methods that change something: a read token may not use them; a session needs a CSRF token.
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
#: Milliseconds the note of a token's use waits for a busy database before it is skipped.
USE_RECORD_WAIT_MS = 100

logger = logging.getLogger(__name__)


@contextmanager
def _brief_lock_wait() -> Iterator[None]:
    """Make the writes inside wait at most ``USE_RECORD_WAIT_MS`` for a lock, instead of the busy timeout."""
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA busy_timeout")
            previous = int(cursor.fetchone()[0])
            cursor.execute(f"PRAGMA busy_timeout = {USE_RECORD_WAIT_MS:d}")
        try:
            yield
        finally:
            with connection.cursor() as cursor:
                cursor.execute(f"PRAGMA busy_timeout = {previous:d}")
    elif connection.vendor == "postgresql":
        with transaction.atomic():  # no write lock: one UPDATE of one token row, no other lock held
            with connection.cursor() as cursor:
                cursor.execute("SHOW lock_timeout")
                previous = cursor.fetchone()[0]
                cursor.execute(f"SET LOCAL lock_timeout = '{USE_RECORD_WAIT_MS:d}ms'")
            yield
            with connection.cursor() as cursor:  # within an outer transaction, SET LOCAL would outlive this block
                cursor.execute("SELECT set_config('lock_timeout', %s, true)", [previous])
    else:
        yield


def record_use(token: Any) -> None:
    """Note that ``token`` was used (at most once a minute); a busy or failing database skips the note.

    The note is bookkeeping: a read must never wait for the write lock, let alone fail, because of it.
    """
    try:
        with _brief_lock_wait():
            token_mark_used(token=token)
    except DatabaseError as exc:
        logger.info("Last use of token %s not recorded, the database is busy: %s", token.pk, exc)


class TokenAuth(HttpBearer):
    """``Authorization: Bearer lp_…``: the token's person, if the token is usable and its scope suffices."""

    def __call__(self, request: HttpRequest) -> Any:
        # Ninja's own ``__call__`` logs unexpected headers in DEBUG, which would put tokens in logs.
        header = request.headers.get(self.header)
        if not header:
            return None
        scheme, _sep, plain = header.partition(" ")
        if scheme.lower() != "bearer" or not plain.strip():
            raise Unauthenticated(_("Send the token as 'Authorization: Bearer <token>'."))
        return self.authenticate(request, plain.strip())

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        found = token_for_secret(token)
        if found is None:
            raise Unauthenticated(_("The access token is unknown, revoked or expired."))
        if request.method in UNSAFE_METHODS and found.scope != Scope.READ_WRITE:
            raise InsufficientScope(_("This token may only read. Create a read-write token to make changes."))
        record_use(found)
        request.user = found.user
        request.access_token = found  # type: ignore[attr-defined]
        # The language middleware ran before the token was known: answer in the person's language.
        translation.activate(language_for(request))
        return found.user


def _csrf_header_refused(request: HttpRequest) -> bool:
    """Django's CSRF check with the token from the ``X-CSRFToken`` header only.

    For a POST, Django looks for the token in the form body first, which parses the body (a whole
    upload) before the operation has checked what the caller may do. The API takes the token from
    the header alone; Django checks any other changing method exactly so, hence the copy as PUT.
    """
    as_put = copy.copy(request)
    as_put.method = "PUT"
    return check_csrf(as_put) is not None


class SessionAuth(APIKeyCookie):
    """The signed-in browser session; changing requests must carry the CSRF token."""

    param_name = settings.SESSION_COOKIE_NAME

    def __init__(self) -> None:
        super().__init__(csrf=True)

    def __call__(self, request: HttpRequest) -> Any:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or not user.is_active:
            return None
        if request.method in UNSAFE_METHODS and _csrf_header_refused(request):
            raise CsrfFailed(_("Send the CSRF token in the X-CSRFToken header, as the web pages do."))
        return user

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        return self(request)  # not reached: ``__call__`` decides, the cookie name is for the schema only
