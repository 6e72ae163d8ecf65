"""Who may read and maintain the tool catalogue, and ask for and decide tool requests.

AI governance (company-wide) and administrators maintain the catalogue and decide requests, and
so does the system (the demo); every signed-in person reads the catalogue and asks for a tool.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from leitplanke.common.permissions import register

from .selectors import can_maintain_catalog, tool_requests_visible_to, tools_visible_to

_MAINTAINERS_ONLY = _("Only AI governance maintains the tool catalogue.")


def _maintainer(user: Any, obj: Any) -> bool:
    return can_maintain_catalog(user)


def _anyone(user: Any, obj: Any) -> bool:
    return True  # signed in and active: checked for every permission


register(
    "catalog.view_tool",
    description=_("Read the tool catalogue: every signed-in person."),
    restrict=tools_visible_to,
)
register(
    "catalog.manage_tool",
    description=_("Add a tool to the catalogue or change it: AI governance, administrators and the system."),
    predicate=_maintainer,
    refusal=_MAINTAINERS_ONLY,
    system=True,
)
register(
    "catalog.view_toolrequest",
    description=_("Read a tool request: the person who asked, AI governance, administrators and auditors."),
    restrict=tool_requests_visible_to,
)
register(
    "catalog.add_toolrequest",
    description=_("Ask for a tool that is not in the catalogue: every signed-in person (not the system)."),
    predicate=_anyone,
    refusal=_("Only a signed-in person can request a tool."),
)
register(
    "catalog.decide_toolrequest",
    description=_("Accept or reject a tool request: AI governance, administrators and the system."),
    predicate=_maintainer,
    refusal=_MAINTAINERS_ONLY,
    system=True,
)
