"""Choose the UI language: the signed-in person's preference, else the language cookie, else German."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.cache import patch_vary_headers


def language_for(request: HttpRequest) -> str:
    """The language to render ``request`` in."""
    user = getattr(request, "user", None)
    supported = dict(settings.LANGUAGES)
    if user is not None and user.is_authenticated and user.preferred_language in supported:
        return str(user.preferred_language)
    cookie = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
    if cookie in supported:
        return cookie
    return str(settings.LANGUAGE_CODE)


class UserLanguageMiddleware:
    """Activate the person's language for the request (runs after authentication).

    The company default (``LEITPLANKE_DEFAULT_LANGUAGE``, German) wins over the browser's
    Accept-Language, so that everyone sees the same product until they choose otherwise.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        language = language_for(request)
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        patch_vary_headers(response, ("Cookie",))
        response.headers.setdefault("Content-Language", language)
        translation.deactivate()
        return response
