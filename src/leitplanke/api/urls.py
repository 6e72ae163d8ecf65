"""URLs of ``/api/v1/``: ninja's operations (405 as a problem), then a problem 404 for everything else."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, re_path

from .errors import not_found_view, problem_on_405
from .main import api

app_name = "api-v1"


def _with_problem_405(pattern: URLPattern | URLResolver) -> URLPattern | URLResolver:
    if not isinstance(pattern, URLPattern):
        return pattern
    # Ninja's root page is an HTML stub; the API's root is simply not a resource (yet).
    callback = not_found_view if pattern.name == "api-root" else problem_on_405(pattern.callback)
    return URLPattern(pattern.pattern, callback, pattern.default_args, pattern.name)


urlpatterns: list[URLPattern | URLResolver] = [
    *(_with_problem_405(pattern) for pattern in api.urls[0]),
    re_path(r"", not_found_view, name="not-found"),
]
