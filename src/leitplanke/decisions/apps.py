from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DecisionsConfig(AppConfig):
    """Decisions on use cases: reviews by role, the team lead's approval inside the guardrails."""

    name = "leitplanke.decisions"
    verbose_name = _("Decisions")

    def ready(self) -> None:
        from leitplanke.audit.labels import register_actions

        register_actions(
            {
                "decisions.usecase.routed": _("Way to a decision set by the rules"),
                "decisions.review.opened": _("Review requested"),
                "decisions.review.cancelled": _("Review no longer needed"),
                "decisions.review.decided": _("Review decided"),
                "decisions.usecase.approved": _("Use case approved"),
            }
        )
