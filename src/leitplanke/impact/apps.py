from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ImpactConfig(AppConfig):
    """Impact: strategic objectives, KPIs per use case and their measurements, the realised benefit."""

    name = "leitplanke.impact"
    verbose_name = _("Impact")

    def ready(self) -> None:
        from leitplanke.audit.labels import register_actions, register_fields
        from leitplanke.common import background

        from . import permissions  # noqa: F401  (registers the impact app's permissions)
        from .jobs import stale_measurements_run
        from .models import BetterWhen, KpiKind

        background.register_periodic("stale measurements", stale_measurements_run)
        register_actions(
            {
                "impact.objective.created": _("Objective set"),
                "impact.objective.updated": _("Objective changed"),
                "impact.usecase.objectives_changed": _("Objectives served changed"),
                "impact.kpi.created": _("KPI defined"),
                "impact.kpi.updated": _("KPI changed"),
                "impact.kpi.deleted": _("KPI removed"),
                "impact.measurement.recorded": _("Measurement recorded"),
                "impact.measurement.deleted": _("Measurement removed"),
            }
        )
        # KPIs and measurements are recorded on the use case; these keys are not fields of it.
        register_fields(
            {
                "objectives": (_("objectives"), ()),
                "kpi": (_("KPI"), ()),
                "name": (_("name"), ()),
                "kind": (_("kind"), KpiKind.choices),
                "custom_unit": (_("unit of measure"), ()),
                "better_when": (_("better when"), BetterWhen.choices),
                "baseline": (_("baseline"), ()),
                "target": (_("target"), ()),
                "target_date": (_("target date"), ()),
                "measured_on": (_("measured on"), ()),
                "value": (_("value"), ()),
                "note": (_("note"), ()),
                "measurements": (_("measurements"), ()),
            }
        )
