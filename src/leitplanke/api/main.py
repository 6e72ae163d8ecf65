"""The NinjaAPI object of ``/api/v1/``: authentication, problem+json errors, one router per domain."""

from __future__ import annotations

from .auth import SessionAuth, TokenAuth
from .errors import install_handlers
from .openapi import LeitplankeAPI
from .routers import (
    audit,
    catalog,
    exports,
    impact,
    literacy,
    obligations,
    org,
    reviews,
    rules,
    usecase_details,
    usecases,
    webhooks,
)

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
api.add_router("/usecases", usecase_details.router)
api.add_router("/usecases", impact.usecase_impact)
api.add_router("/objectives", impact.objectives)
api.add_router("/kpis", impact.kpis)
api.add_router("/reviews", reviews.router)
api.add_router("/obligations", obligations.router)
api.add_router("", org.router)
api.add_router("", catalog.router)
api.add_router("/literacy", literacy.router)
api.add_router("/audit", audit.router)
api.add_router("/exports", exports.router)
api.add_router("/rules", rules.router)
api.add_router("/webhooks", webhooks.router)
