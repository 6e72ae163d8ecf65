"""Answers the pages give for the state of the server rather than of the request."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.views import defaults

from leitplanke.common.transactions import RETRY_AFTER_SECONDS, is_busy

logger = logging.getLogger(__name__)


class DatabaseBusyMiddleware:
    """A page whose write waited longer than the lock timeout answers 503 with ``Retry-After``.

    The change was rolled back as a whole; the same request a little later goes through. A 500
    would say something is broken, which it is not. (The API answers the same as a problem.)
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not is_busy(exception):
            return None
        return busy_response(request, exception)


def busy_response(request: HttpRequest, exception: BaseException) -> HttpResponse:
    """The translated 503 page, with ``Retry-After``."""
    logger.warning("Database busy in %s %s: %s", request.method, request.path, exception)
    # Rendered without the request's context: the navigation would ask the busy database again.
    body = render_to_string("web/busy.html", {"retry_after": RETRY_AFTER_SECONDS})
    response = HttpResponse(body, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def server_error(request: HttpRequest) -> HttpResponse:
    """``handler500``: a busy database outside a view (a session saved by a middleware) is a 503 too.

    Django calls it while handling the exception, so ``sys.exc_info()`` names it.
    """
    exception = sys.exc_info()[1]
    if exception is not None and is_busy(exception):
        return busy_response(request, exception)
    return defaults.server_error(request)
