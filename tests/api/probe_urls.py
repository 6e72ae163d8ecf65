"""A URL map for tests: the real API plus a probe with a changing operation, until real writes exist.

The probe uses the real authentication and error handlers, so the tests prove what every write
operation will get: scope checks for tokens and CSRF checks for sessions.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import path
from ninja import NinjaAPI

from leitplanke.api.auth import SessionAuth, TokenAuth
from leitplanke.api.errors import install_handlers
from leitplanke.config.urls import urlpatterns as site_urlpatterns

probe = NinjaAPI(urls_namespace="probe", auth=[TokenAuth(), SessionAuth()], docs_url=None, openapi_url=None)
install_handlers(probe)


@probe.api_operation(["POST", "PUT", "PATCH", "DELETE"], "/change")
def change(request: HttpRequest) -> dict[str, Any]:
    """Pretends to change something and says who did."""
    return {"by": request.auth.username}  # type: ignore[attr-defined]


urlpatterns = [*site_urlpatterns, path("probe/", probe.urls)]
