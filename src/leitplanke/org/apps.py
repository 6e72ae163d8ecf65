from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrgConfig(AppConfig):
    """Org units, memberships and roles."""

    name = "leitplanke.org"
    verbose_name = _("Organisation")
