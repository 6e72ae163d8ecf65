"""Who may do what in the organisation: units, people, memberships and roles.

Administrators maintain the organisation; the system does too (the CSV import from the command
line, the demo). Every signed-in person reads the org chart and the directory.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from leitplanke.common.permissions import register

from .selectors import can_read_audit_trail, is_administrator, people_visible_to, units_visible_to

_ADMINISTRATORS_ONLY = _("Only administrators maintain the organisation.")


def _administrator(user: Any, obj: Any) -> bool:
    return is_administrator(user)


register(
    "org.view_unit",
    description=_("Read a unit of the org chart: every signed-in person."),
    restrict=units_visible_to,
)
register(
    "org.manage_unit",
    description=_("Create a unit, rename or move it, name its lead and deputy: administrators and the system."),
    predicate=_administrator,
    refusal=_ADMINISTRATORS_ONLY,
    system=True,
)
register(
    "org.view_person",
    description=_(
        "Find a person in the directory: every signed-in person (deactivated accounts: administrators and auditors)."
    ),
    restrict=people_visible_to,
)
register(
    "org.manage_person",
    description=_("Create a person, change their details or deactivate their account: administrators and the system."),
    predicate=_administrator,
    refusal=_ADMINISTRATORS_ONLY,
    system=True,
)
register(
    "org.manage_membership",
    description=_("Add a person to a unit or take them out: administrators and the system."),
    predicate=_administrator,
    refusal=_ADMINISTRATORS_ONLY,
    system=True,
)
register(
    "org.manage_role",
    description=_("Give a person a role or take it away: administrators and the system."),
    predicate=_administrator,
    refusal=_ADMINISTRATORS_ONLY,
    system=True,
)

# The audit trail is the lowest layer and knows no roles: who reads it is decided here, by role.
register(
    "audit.view_event",
    description=_(
        "Read the audit trail, sealed where the object is hidden from the reader: auditors and administrators."
    ),
    predicate=lambda user, obj: can_read_audit_trail(user),
)
