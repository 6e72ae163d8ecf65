from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    """Notifications: the in-app inbox and e-mail in the recipient's language, sent by the worker."""

    name = "leitplanke.notifications"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        from leitplanke.common import background, events

        from . import impact_notices
        from .notices import SUBSCRIPTIONS
        from .outbox import pending_emails
        from .tasks import deliver_email

        events.subscribe_all(SUBSCRIPTIONS)
        events.subscribe_all(impact_notices.SUBSCRIPTIONS)
        background.register_outbox(background.Outbox("e-mails", deliver_email, pending_emails))
