from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    """The tamper-evident, hash-chained event log."""

    name = "leitplanke.audit"
    verbose_name = _("Audit trail")
