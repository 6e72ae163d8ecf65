"""View guards shared by the apps' pages."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse

from .csvfile import ImportFailed

#: An import page lists at most this many errors (the count says how many there are in all).
IMPORT_ERRORS_SHOWN = 1000


def only_for(may_enter: Callable[[Any], bool]) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """Sign-in first; then anyone for whom ``may_enter(user)`` is false gets "not found".

    "Forbidden" looks like "not found", so a page does not reveal that it exists.
    """

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not may_enter(request.user):
                raise Http404
            return view(request, *args, **kwargs)

        return login_required(guarded)

    return decorate


def import_failure_context(error: ImportFailed) -> dict[str, Any]:
    """What the shared error table (``web/import_errors.html``) needs to list a refused file."""
    return {
        "failure": error.message,
        "errors": error.errors[:IMPORT_ERRORS_SHOWN],
        "errors_hidden": max(0, len(error.errors) - IMPORT_ERRORS_SHOWN),
    }
