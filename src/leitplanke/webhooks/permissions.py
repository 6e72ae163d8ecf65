"""Who may configure webhooks: AI governance (company-wide), like the rules.

Administrators run the system but do not decide what leaves it; the system configures no
endpoints (it only delivers).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from leitplanke.common.permissions import register

from .selectors import can_manage_webhooks, endpoints_visible_to

register(
    "webhooks.manage_endpoint",
    description=_(
        "See, add, change, switch off, test and redeliver webhook endpoints and rotate their secrets: AI governance."
    ),
    predicate=lambda user, obj: can_manage_webhooks(user),
    restrict=endpoints_visible_to,
    refusal=_("Only AI governance configures webhooks."),
)
