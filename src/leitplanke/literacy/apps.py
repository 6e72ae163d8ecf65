from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LiteracyConfig(AppConfig):
    """AI literacy (Art. 4 AI Act): courses, who completed them, and until when that counts."""

    name = "leitplanke.literacy"
    verbose_name = _("AI literacy")

    def ready(self) -> None:
        from leitplanke.audit.labels import register_actions

        from . import permissions  # noqa: F401  (registers AI literacy's permissions)

        register_actions(
            {
                "literacy.course.created": _("Course added"),
                "literacy.course.updated": _("Course changed"),
                "literacy.completion.recorded": _("Course completion recorded"),
                "literacy.completion.removed": _("Course completion removed"),
            }
        )
