"""The NinjaAPI object of ``/api/v1/``: authentication, problem+json errors, one router per domain."""

from __future__ import annotations

from .auth import SessionAuth, TokenAuth
from .errors import install_handlers
from .openapi import LeitplankeAPI
from .routers import usecases

api = LeitplankeAPI(
    title="Leitplanke API",
    version="1",
    description=(
        "Self-hosted AI governance. Authenticate with a personal access token "
        "(`Authorization: Bearer lp_…`; create yours on the page [API tokens](/account/tokens/)) "
        "or the browser session (with CSRF token for changes). "
        "Errors are RFC 9457 problem documents. See docs/api.md."
    ),
    urls_namespace="api-v1",
    auth=[TokenAuth(), SessionAuth()],
    docs_url="/docs",
    openapi_url="/openapi.json",
)
install_handlers(api)

api.add_router("/usecases", usecases.router)
