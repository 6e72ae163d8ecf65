from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class UsecasesConfig(AppConfig):
    """The use-case registry: the KI-Steckbrief, its owners, the library, import and export."""

    name = "leitplanke.usecases"
    verbose_name = _("Use cases")
