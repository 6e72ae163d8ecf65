from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CatalogConfig(AppConfig):
    """The AI tools and platforms IT provides or allows, and requests for new ones."""

    name = "leitplanke.catalog"
    verbose_name = _("Tool catalogue")
