from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrgConfig(AppConfig):
    """Org units, memberships and roles."""

    name = "leitplanke.org"
    verbose_name = _("Organisation")

    def ready(self) -> None:
        from leitplanke.audit.labels import register_actions, register_fields

        from . import permissions  # noqa: F401  (registers the organisation's permissions)
        from .models import Role

        register_actions(
            {
                "org.unit.created": _("Unit created"),
                "org.unit.updated": _("Unit changed"),
                "org.person.created": _("Person created"),
                "org.person.updated": _("Person changed"),
                "org.membership.added": _("Added to unit"),
                "org.membership.removed": _("Removed from unit"),
                "org.role.assigned": _("Role assigned"),
                "org.role.revoked": _("Role revoked"),
                "org.import.completed": _("Import completed"),
            }
        )
        # Keys of role and membership snapshots, which are recorded on the person.
        register_fields(
            {
                "role": (_("role"), Role.choices),
                "unit": (_("unit"), ()),
                "person": (_("person"), ()),
            }
        )
