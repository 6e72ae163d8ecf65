"""The main navigation: one entry per capability, in the order people work through them."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


@dataclass(frozen=True)
class Area:
    """A capability of the product with its place in the navigation."""

    key: str
    title: Promise
    summary: Promise
    url_name: str
    ready: bool
    #: Paths below another area's address that belong here (a use case's approval, stage and
    #: obligation pages are served by the decisions app under /reviews/, but are reached from the
    #: use case and are about it).
    claims: tuple[str, ...] = ()


AREAS: tuple[Area, ...] = (
    Area(
        "usecases",
        _("Use cases"),
        _("Register AI use cases of your unit, get an instant guardrail verdict and find what other teams built."),
        "usecases:library",
        True,
        claims=("/reviews/usecases/", "/reviews/obligations/"),
    ),
    Area(
        "tools",
        _("Tools"),
        _("The AI tools and platforms IT provides, with the data each one may receive."),
        "catalog:tool_list",
        True,
    ),
    Area(
        "guardrails",
        _("Guardrails"),
        _("The published rules: what the EU AI Act, the GDPR and co-determination require, as code."),
        "guardrails:overview",
        True,
    ),
    Area(
        "reviews",
        _("Reviews"),
        _("Reviews routed to your role by the rules, each with a deadline."),
        "decisions:review_list",
        True,
    ),
    Area(
        "literacy",
        _("AI literacy"),
        _("The courses the company offers and who completed them, with how long each completion counts."),
        "literacy:course_list",
        True,
    ),
    Area(
        "objectives",
        _("Objectives"),
        _("The strategic objectives leadership sets, and the use cases that serve them."),
        "impact:objective_list",
        True,
    ),
    Area(
        "portfolio",
        pgettext_lazy("navigation", "Portfolio"),
        _("What AI delivers, where decisions wait, and how risk is distributed."),
        "portfolio:page",
        True,
        claims=("/reviews/metrics/",),
    ),
    Area(
        "org",
        _("Organisation"),
        _("Units, people and roles."),
        "org:unit_list",
        True,
    ),
)

AREAS_BY_KEY = {area.key: area for area in AREAS}


def claimed_by(path: str) -> Area | None:
    """The area that claims ``path`` although it lies below another area's address, if any."""
    return next((area for area in AREAS if any(path.startswith(prefix) for prefix in area.claims)), None)
