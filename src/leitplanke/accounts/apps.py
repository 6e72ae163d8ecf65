from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    """Local accounts, login with lockout, profile and language preference."""

    name = "leitplanke.accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        from leitplanke.audit.labels import register_actions

        from . import (
            lockout,  # noqa: F401 - registers the deploy check of the lockout rule
            permissions,  # noqa: F401  (registers the accounts' permissions)
        )

        register_actions(
            {
                "account.language_changed": _("Language changed"),
                "account.password_changed": _("Password changed"),
            }
        )
