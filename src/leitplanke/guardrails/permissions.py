"""Who may read and publish the guardrail rules.

The rules are published for every signed-in person; AI governance (company-wide) publishes rule
bundles, and so does the system (``leitplanke policy publish``, the first evaluation).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from leitplanke.common.permissions import register

from .selectors import can_publish, can_read_rules

register(
    "guardrails.view_bundle",
    description=_("Read the rules in force, their tests and the what-if: every signed-in person."),
    predicate=lambda user, obj: can_read_rules(user),
)
register(
    "guardrails.publish_bundle",
    description=_("Check and publish a rule bundle: AI governance and the system."),
    predicate=lambda user, obj: can_publish(user),
    refusal=_("Only AI governance publishes rule bundles."),
    system=True,
)
