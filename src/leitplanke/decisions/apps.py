from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DecisionsConfig(AppConfig):
    """Decisions on use cases: reviews by role, the team lead's approval inside the guardrails."""

    name = "leitplanke.decisions"
    verbose_name = _("Decisions")

    def ready(self) -> None:
        from leitplanke.common import background, events
        from leitplanke.usecases.models import register_visibility_grant

        from .handlers import SUBSCRIPTIONS
        from .jobs import deadlines_run
        from .selectors import usecases_decided_by

        events.subscribe_all(SUBSCRIPTIONS)
        background.register_periodic("deadlines", deadlines_run)
        register_visibility_grant(usecases_decided_by)
        from leitplanke.audit.labels import register_actions, register_fields
        from leitplanke.org.models import Role

        from . import permissions  # noqa: F401  (registers the decisions' permissions)
        from .models import ApprovalScope, ObligationStatus, ReviewStatus

        register_actions(
            {
                "decisions.usecase.routed": _("Way to a decision set by the rules"),
                "decisions.review.opened": _("Review requested"),
                "decisions.review.cancelled": _("Review no longer needed"),
                "decisions.review.decided": _("Review decided"),
                "decisions.usecase.approved": _("Use case approved"),
                "decisions.obligation.opened": _("Obligation assigned"),
                "decisions.obligation.completed": _("Obligation done"),
                "decisions.usecase.stage_moved": _("Stage changed"),
                "decisions.usecase.expired": _("Approval expired: re-certification due"),
            }
        )
        # Reviews and approvals are recorded on the use case; these keys are not fields of it.
        register_fields(
            {
                "review_status": (_("review"), ReviewStatus.choices),
                "due_on": (_("due on"), ()),
                "comment": (_("comment"), ()),
                "conditions": (_("conditions"), ()),
                "scope": (_("scope"), ApprovalScope.choices),
                "summary_digest": (_("outcome digest"), ()),
                "expires_on": (_("valid until"), ()),
                "rerouted": (_("way changed by the rules"), ()),
                "reviews_added": (_("reviews newly required"), Role.choices),
                "reviews_cancelled": (_("reviews no longer needed"), Role.choices),
                "obligation": (_("obligation id"), ()),
                "obligation_title": (_("title"), ()),
                "blocking": (_("blocks production"), ()),
                "obligation_status": (_("status of the obligation"), ObligationStatus.choices),
                "evidence": (_("evidence"), ()),
                "evidence_link": (_("link to the evidence"), ()),
                "evidence_file": (_("evidence file"), ()),
            }
        )
