from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    """The REST API v1: personal access tokens, problem+json errors and one router per domain."""

    name = "leitplanke.api"
    verbose_name = _("API")

    def ready(self) -> None:
        from leitplanke.audit.labels import register_actions

        from . import permissions  # noqa: F401  (registers the access tokens' permissions)

        register_actions(
            {
                "api.token.created": _("Access token created"),
                "api.token.revoked": _("Access token revoked"),
            }
        )
