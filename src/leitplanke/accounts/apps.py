from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    """Local accounts, login with lockout, profile and language preference."""

    name = "leitplanke.accounts"
    verbose_name = _("Accounts")
