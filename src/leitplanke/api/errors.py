"""Every API error as an RFC 9457 problem (``application/problem+json``), never a stack trace.

A problem has ``type`` (``urn:leitplanke:problem:<code>``, stable for machines), ``title`` (a
translated summary of the type), ``status``, ``detail`` (this occurrence, translated where it comes
from us) and ``code``; validation problems add ``errors``, a list of ``{"field", "message", "code"}``
with the path of the field at fault (``query.limit``, ``body.title``).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.db import DatabaseError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import csrf_exempt
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from leitplanke.common import errors as domain
from leitplanke.common.transactions import RETRY_AFTER_SECONDS, is_busy

logger = logging.getLogger(__name__)

PROBLEM_CONTENT_TYPE = "application/problem+json"
TYPE_BASE = "urn:leitplanke:problem:"

#: The title of each problem code (the code is also the last part of ``type``).
TITLES: dict[str, Promise] = {
    "bad_request": _("The request is malformed."),
    "unauthenticated": _("Authentication is required."),
    "forbidden": _("You may not do this."),
    "insufficient_scope": _("The access token does not allow this."),
    "csrf_failed": _("The CSRF check failed."),
    "not_found": _("Not found."),
    "method_not_allowed": _("This method is not allowed here."),
    "conflict": _("Someone else changed this in the meantime."),
    "precondition_failed": _("The resource has changed since you read it."),
    "precondition_required": _("This request needs an If-Match header."),
    "validation": _("The request contains invalid values."),
    "invalid": _("The request was refused."),
    "too_large": _("The request is too large."),
    "too_many_requests": _("Too many requests."),
    "server_error": _("An unexpected error occurred. It was logged; please try again later."),
    "unavailable": _("The database is busy right now. Please try again in a few seconds."),
}
#: The code for an HTTP status that we did not raise ourselves (ninja's ``HttpError``).
CODE_FOR_STATUS = {
    400: "bad_request", 401: "unauthenticated", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
    409: "conflict", 412: "precondition_failed", 413: "too_large", 422: "validation", 428: "precondition_required",
    429: "too_many_requests", 503: "unavailable",
}  # fmt: skip


class Problem(Exception):
    """An API error we raise on purpose: a status, a code from :data:`TITLES`, a detail, headers."""

    status = 400
    code = "bad_request"

    def __init__(self, detail: str | Promise = "", *, headers: dict[str, str] | None = None, **extra: Any) -> None:
        super().__init__(str(detail))
        self.detail = detail
        self.headers = headers or {}
        self.extra = extra


class Unauthenticated(Problem):
    """No credentials, or a token that is unknown, revoked or expired."""

    status = 401
    code = "unauthenticated"

    def __init__(self, detail: str | Promise = "", **extra: Any) -> None:
        super().__init__(detail, headers={"WWW-Authenticate": 'Bearer realm="leitplanke"'}, **extra)


class InsufficientScope(Problem):
    """A read token was used for a method that changes something."""

    status = 403
    code = "insufficient_scope"


class CsrfFailed(Problem):
    """A browser session sent a changing request without a valid CSRF token."""

    status = 403
    code = "csrf_failed"


class PreconditionRequired(Problem):
    """A change was sent without ``If-Match``."""

    status = 428
    code = "precondition_required"


class PreconditionFailed(Problem):
    """``If-Match`` names a representation that is not the current one any more."""

    status = 412
    code = "precondition_failed"


def problem_response(
    status: int,
    code: str,
    detail: str | Promise = "",
    *,
    errors: Iterable[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> HttpResponse:
    """An ``application/problem+json`` response."""
    body: dict[str, Any] = {
        "type": TYPE_BASE + code,
        "title": str(TITLES.get(code, TITLES["invalid"])),
        "status": status,
        "code": code,
    }
    if detail:
        body["detail"] = str(detail)
    if errors is not None:
        body["errors"] = list(errors)
    body.update(extra)
    response = HttpResponse(json.dumps(body, ensure_ascii=False), status=status, content_type=PROBLEM_CONTENT_TYPE)
    response["Content-Language"] = translation.get_language() or ""
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def _field_path(loc: Iterable[Any]) -> str:
    parts = [str(part) for part in loc]
    # Ninja names a JSON body after the operation's parameter (``body.payload.title``); the caller
    # sent ``{"title": …}``, so the field is ``body.title``.
    if len(parts) > 2 and parts[0] == "body":
        del parts[1]
    return ".".join(parts)


def _message(error: dict[str, Any]) -> str:
    if error.get("type") == "extra_forbidden":  # a name the schema does not know, said in the caller's language
        return str(_("There is no field with this name."))
    return str(error.get("msg", ""))


def _validation(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    errors = [
        {"field": _field_path(error.get("loc", ())), "message": _message(error), "code": error.get("type", "")}
        for error in exc.errors
    ]
    return problem_response(422, "validation", errors=errors)


def _domain(request: HttpRequest, exc: domain.DomainError) -> HttpResponse:
    if exc.field:
        return problem_response(
            422, "validation", exc.message, errors=[{"field": exc.field, "message": str(exc.message), "code": exc.code}]
        )
    return problem_response(422, "invalid", exc.message, reason=exc.code)


def _domain_not_found(request: HttpRequest, exc: domain.NotFound) -> HttpResponse:
    return problem_response(404, "not_found", exc.message)


def _domain_forbidden(request: HttpRequest, exc: domain.PermissionDenied) -> HttpResponse:
    # The domain raises this only for what the actor may see (what it may not see is NotFound).
    return problem_response(403, "forbidden", exc.message)


def _domain_conflict(request: HttpRequest, exc: domain.Conflict) -> HttpResponse:
    return problem_response(409, "conflict", exc.message, version=exc.version)


def _problem(request: HttpRequest, exc: Problem) -> HttpResponse:
    return problem_response(exc.status, exc.code, exc.detail, headers=exc.headers, **exc.extra)


def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    code = CODE_FOR_STATUS.get(exc.status_code, "bad_request" if exc.status_code < 500 else "server_error")
    if isinstance(exc, AuthenticationError):
        return problem_response(401, "unauthenticated", headers={"WWW-Authenticate": 'Bearer realm="leitplanke"'})
    return problem_response(exc.status_code, code)


def _not_found(request: HttpRequest, exc: Exception) -> HttpResponse:
    return problem_response(404, "not_found")


def _too_large(request: HttpRequest, exc: Exception) -> HttpResponse:
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    return problem_response(
        413, "too_large", _("Send at most %(megabytes).1f MB in one request.") % {"megabytes": (limit or 0) / 1_000_000}
    )


def _django_forbidden(request: HttpRequest, exc: Exception) -> HttpResponse:
    return problem_response(403, "forbidden")


def _unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
    # Logged with the traceback for the operator; the caller learns nothing about the internals.
    logger.error("Unexpected error in %s %s", request.method, request.path, exc_info=exc)
    return problem_response(500, "server_error")


def _database(request: HttpRequest, exc: DatabaseError) -> HttpResponse:
    # A lock wait past the lock timeout (or a deadlock on every attempt) is load, not a bug: the
    # change was rolled back as a whole, and the same request a little later will go through.
    if is_busy(exc):
        logger.warning("Database busy in %s %s: %s", request.method, request.path, exc)
        return problem_response(503, "unavailable", headers={"Retry-After": str(RETRY_AFTER_SECONDS)})
    return _unexpected(request, exc)


def install_handlers(api: NinjaAPI) -> None:
    """Make every error of ``api`` a problem (the most specific registered class wins)."""
    handlers: list[tuple[type[Exception], Callable[[HttpRequest, Any], HttpResponse]]] = [
        (Exception, _unexpected),
        (DatabaseError, _database),
        (Problem, _problem),
        (HttpError, _http_error),
        (NinjaValidationError, _validation),
        (Http404, _not_found),
        (DjangoPermissionDenied, _django_forbidden),
        (RequestDataTooBig, _too_large),
        (domain.DomainError, _domain),
        (domain.NotFound, _domain_not_found),
        (domain.PermissionDenied, _domain_forbidden),
        (domain.Conflict, _domain_conflict),
    ]
    for exc_class, handler in handlers:
        api.add_exception_handler(exc_class, handler)


@csrf_exempt  # it changes nothing; without this, a POST to an unknown path got Django's HTML CSRF page
def not_found_view(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    """Any path under the API that no operation has: a problem, not the site's HTML page."""
    return problem_response(404, "not_found")


def problem_on_405(view: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap a ninja path view so that its plain-text 405 becomes a problem (keeping ``Allow``)."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        response = view(request, *args, **kwargs)
        if response.status_code == 405 and response.get("Content-Type") != PROBLEM_CONTENT_TYPE:
            return problem_response(405, "method_not_allowed", headers={"Allow": response.get("Allow", "")})
        return response

    return wrapped
