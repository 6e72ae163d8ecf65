"""Top-level URL map: each app brings its own ``urls.py``."""

from django.urls import include, path

urlpatterns = [
    path("", include("leitplanke.web.urls")),
    path("account/", include("leitplanke.accounts.urls")),
    path("account/tokens/", include("leitplanke.api.web_urls")),
    path("org/", include("leitplanke.org.urls")),
    path("tools/", include("leitplanke.catalog.urls")),
    path("usecases/", include("leitplanke.usecases.urls")),
    path("guardrails/", include("leitplanke.guardrails.urls")),
    path("literacy/", include("leitplanke.literacy.urls")),
    path("reviews/", include("leitplanke.decisions.urls")),
    path("objectives/", include("leitplanke.impact.urls")),
    path("portfolio/", include("leitplanke.impact.portfolio_urls")),
    path("notifications/", include("leitplanke.notifications.urls")),
    path("webhooks/", include("leitplanke.webhooks.urls")),
    path("audit/", include("leitplanke.audit.urls")),
    path("api/v1/", include("leitplanke.api.urls")),
]

#: A busy database answers 503 with Retry-After wherever it is met, not only in a view.
handler500 = "leitplanke.web.middleware.server_error"
