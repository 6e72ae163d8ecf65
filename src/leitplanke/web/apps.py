from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebConfig(AppConfig):
    """The UI shell: base layout, navigation, start page, health endpoints, operator commands."""

    name = "leitplanke.web"
    verbose_name = _("Web interface")
