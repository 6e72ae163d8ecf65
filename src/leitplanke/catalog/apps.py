from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CatalogConfig(AppConfig):
    """The AI tools and platforms IT provides or allows, and requests for new ones."""

    name = "leitplanke.catalog"
    verbose_name = _("Tool catalogue")

    def ready(self) -> None:
        from leitplanke.audit.labels import register_actions

        from . import permissions  # noqa: F401  (registers the catalogue's permissions)

        register_actions(
            {
                "catalog.tool.created": _("Tool added to the catalogue"),
                "catalog.tool.updated": _("Tool changed"),
                "catalog.request.created": _("Tool requested"),
                "catalog.request.decided": _("Tool request decided"),
            }
        )
