from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ImpactConfig(AppConfig):
    """Impact: strategic objectives, KPIs per use case and their measurements, the realised benefit."""

    name = "leitplanke.impact"
    verbose_name = _("Impact")
