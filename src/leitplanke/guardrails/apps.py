from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GuardrailsConfig(AppConfig):
    """Guardrails as code: published rule bundles, the verdict of every use case, what-if and rule pages."""

    name = "leitplanke.guardrails"
    verbose_name = _("Guardrails")

    def ready(self) -> None:
        from leitplanke.common import events

        from .handlers import SUBSCRIPTIONS

        events.subscribe_all(SUBSCRIPTIONS)
        from leitplanke.audit.labels import register_actions, register_fields
        from leitplanke.org.models import Role

        from . import permissions  # noqa: F401  (registers the rules' permissions)
        from .models import DecisionPath, RiskClass

        register_actions(
            {
                "guardrails.bundle.published": _("Rule bundle published"),
                "guardrails.verdict.recorded": _("Guardrail verdict"),
                "guardrails.verdict.changed": _("Guardrail verdict changed"),
            }
        )
        # The outcome recorded in verdict events (on the use case) is not a field of the use case.
        register_fields(
            {
                "risk_class": (_("risk class"), RiskClass.choices),
                "decision": (_("decision path"), DecisionPath.choices),
                "reviews": (_("reviews"), Role.choices),
                "obligations": (_("obligations"), ()),
                "bundle": (_("rule bundle"), ()),
            }
        )
