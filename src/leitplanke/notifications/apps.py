from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    """Notifications: the in-app inbox and e-mail in the recipient's language, sent by the worker."""

    name = "leitplanke.notifications"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        from leitplanke.common import events

        from .notices import SUBSCRIPTIONS

        events.subscribe_all(SUBSCRIPTIONS)
