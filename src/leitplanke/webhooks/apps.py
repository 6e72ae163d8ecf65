from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebhooksConfig(AppConfig):
    """Outgoing webhooks: signed event messages to the endpoints AI governance configures."""

    name = "leitplanke.webhooks"
    verbose_name = _("Webhooks")

    def ready(self) -> None:
        from leitplanke.audit.labels import register_actions
        from leitplanke.common import events

        from .handlers import SUBSCRIPTIONS

        events.subscribe_all(SUBSCRIPTIONS)

        register_actions(
            {
                "webhooks.endpoint.created": _("Webhook endpoint added"),
                "webhooks.endpoint.updated": _("Webhook endpoint changed"),
                "webhooks.endpoint.deactivated": _("Webhook endpoint deactivated"),
                "webhooks.endpoint.activated": _("Webhook endpoint activated"),
                "webhooks.endpoint.secret_rotated": _("Webhook signing secret rotated"),
                "webhooks.endpoint.tested": _("Webhook test event sent"),
                "webhooks.delivery.redelivered": _("Webhook delivery sent again"),
            }
        )
