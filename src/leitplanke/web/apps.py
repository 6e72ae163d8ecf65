from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebConfig(AppConfig):
    """The UI shell: base layout, navigation, start page, health endpoints, operator commands."""

    name = "leitplanke.web"
    verbose_name = _("Web interface")

    def ready(self) -> None:
        # Registers the database integrity check (leitplanke check, and before leitplanke serve starts).
        from . import dbhealth  # noqa: F401
