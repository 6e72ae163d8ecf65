from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebhooksConfig(AppConfig):
    """Outgoing webhooks: signed event messages to the endpoints AI governance configures."""

    name = "leitplanke.webhooks"
    verbose_name = _("Webhooks")

    def ready(self) -> None:
        from leitplanke.audit.labels import register_actions
        from leitplanke.common import background, events

        from .handlers import SUBSCRIPTIONS
        from .selectors import deliveries_pending
        from .tasks import deliver_webhook

        events.subscribe_all(SUBSCRIPTIONS)
        background.register_outbox(background.Outbox("webhooks", deliver_webhook, deliveries_pending))
        background.register_periodic("webhook deliveries pruned", _prune)

        from . import permissions  # noqa: F401  (registers the webhooks' permissions)

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


def _prune() -> dict[str, int]:
    """The webhooks' part of the periodic job: finished deliveries past their keeping time go."""
    from .services import deliveries_prune

    return {"webhook_deliveries_pruned": deliveries_prune()}
