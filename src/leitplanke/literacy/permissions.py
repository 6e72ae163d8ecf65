"""Who may read and maintain AI literacy records: courses and completions.

Administrators maintain both, and so does the system (the demo). Every signed-in person reads the
offered courses and their own completions; AI governance and auditors read every completion.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from leitplanke.common.permissions import register

from .selectors import can_maintain_literacy, completions_visible_to, courses_visible_to

_MAINTAINERS_ONLY = _("Only administrators maintain courses and completions.")


def _maintainer(user: Any, obj: Any) -> bool:
    return can_maintain_literacy(user)


register(
    "literacy.view_course",
    description=_("Read a course: the offered ones for every signed-in person, all of them for administrators."),
    restrict=courses_visible_to,
)
register(
    "literacy.manage_course",
    description=_("Offer a course or change it: administrators and the system."),
    predicate=_maintainer,
    refusal=_MAINTAINERS_ONLY,
    system=True,
)
register(
    "literacy.view_completion",
    description=_("Read a completion: the person's own; all of them for administrators, AI governance and auditors."),
    restrict=completions_visible_to,
)
register(
    "literacy.record_completion",
    description=_("Record a completion or remove one recorded by mistake: administrators and the system."),
    predicate=_maintainer,
    refusal=_MAINTAINERS_ONLY,
    system=True,
)
