"""The words of a notification, in the active language: a subject and one paragraph.

Called under ``translation.override(language)``: the inbox renders in the reader's language, the
e-mail in the recipient's. ``params`` were frozen when the notification was written, so the text
says what happened then, even if the use case was renamed since.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.utils import formats
from django.utils.translation import gettext as _

from leitplanke.org.models import Role

from .models import Kind, Notification


@dataclass(frozen=True)
class Content:
    """What a notification says."""

    subject: str
    text: str


def _day(value: Any) -> str:
    if not value:
        return "—"
    return formats.date_format(dt.date.fromisoformat(str(value)), "SHORT_DATE_FORMAT")


def _role(code: Any) -> str:
    try:
        return str(Role(code).label)
    except ValueError:
        return str(code)


def _lang_param(params: dict[str, Any], name: str, lang: str) -> str:
    """A parameter kept in both languages (``name_de``/``name_en``)."""
    return str(params.get(f"{name}_en" if lang == "en" else f"{name}_de") or params.get(f"{name}_de") or "")


def content_for(notification: Notification, lang: str) -> Content:
    """Subject and text of ``notification`` in the active language (``lang`` picks bilingual params)."""
    p = notification.params
    names = {
        "title": p.get("title", ""),
        "unit": p.get("unit", ""),
        "role": _role(p.get("role")),
        "due": _day(p.get("due_on")),
        "by": p.get("by", ""),
        "comment": p.get("comment", ""),
        "obligation": _lang_param(p, "obligation", lang),
        "day": _day(p.get("expires_on")),
        "kpi": p.get("kpi", ""),
        "measured": _day(p.get("last_measured_on")),
    }
    kind = notification.kind
    if kind == Kind.REVIEW_ASSIGNED:
        return Content(
            _("Review requested: “%(title)s”") % names,
            _(
                "Please review the use case “%(title)s” of %(unit)s as %(role)s by %(due)s. The rules ask for "
                "this review; the page shows the verdict and the answers."
            )
            % names,
        )
    if kind == Kind.APPROVAL_WAITING:
        return Content(
            _("Waiting for your approval: “%(title)s”") % names,
            _(
                "The use case “%(title)s” of %(unit)s waits for your approval as team lead. The page shows the "
                "verdict and the obligations you take responsibility for."
            )
            % names,
        )
    if kind == Kind.DECISION_MADE:
        outcome = p.get("outcome")
        if outcome == "usecase_approved":
            return Content(
                _("Approved: “%(title)s”") % names,
                _("%(by)s approved the use case “%(title)s”. Its obligations are listed on its page.") % names,
            )
        if outcome == "rejected":
            return Content(
                _("Rejected: “%(title)s”") % names,
                _("%(by)s (%(role)s) rejected the use case “%(title)s”: %(comment)s") % names,
            )
        if outcome == "approved_with_conditions":
            return Content(
                _("Review with conditions: “%(title)s”") % names,
                _(
                    "%(by)s (%(role)s) approved the use case “%(title)s” with conditions. They are now an "
                    "obligation of yours: %(comment)s"
                )
                % names,
            )
        return Content(
            _("Review approved: “%(title)s”") % names,
            _("%(by)s (%(role)s) approved the use case “%(title)s”.") % names,
        )
    if kind == Kind.CHANGES_REQUESTED:
        return Content(
            _("Changes requested: “%(title)s”") % names,
            _(
                "%(by)s (%(role)s) asks for changes to the use case “%(title)s”: %(comment)s. Change it and "
                "submit it again."
            )
            % names,
        )
    if kind == Kind.DEADLINE_NEAR:
        return Content(
            _("Review due on %(due)s: “%(title)s”") % names,
            _("The review of the use case “%(title)s” as %(role)s is due on %(due)s.") % names,
        )
    if kind == Kind.DEADLINE_PASSED:
        if p.get("escalation"):
            return Content(
                _("Review overdue: “%(title)s”") % names,
                _(
                    "The review of the use case “%(title)s” of %(unit)s as %(role)s was due on %(due)s and is "
                    "still open. You are told because you are responsible for it or for the unit; the "
                    "reviewers were reminded."
                )
                % names,
            )
        return Content(
            _("Review overdue: “%(title)s”") % names,
            _(
                "The review of the use case “%(title)s” as %(role)s was due on %(due)s. Please decide it "
                "now; the unit's lead and AI governance are told."
            )
            % names,
        )
    if kind == Kind.OBLIGATION_DUE:
        if p.get("overdue"):
            return Content(
                _("Obligation overdue: “%(obligation)s”") % names,
                _("The obligation “%(obligation)s” of the use case “%(title)s” was due on %(due)s and is still open.")
                % names,
            )
        return Content(
            _("Obligation due on %(due)s: “%(obligation)s”") % names,
            _(
                "The obligation “%(obligation)s” of the use case “%(title)s” is due on %(due)s. Record the "
                "evidence on the use case's page when it is done."
            )
            % names,
        )
    if kind == Kind.RECERTIFICATION_DUE:
        if p.get("expired"):
            return Content(
                _("Re-certification due: “%(title)s”") % names,
                _(
                    "The approval of the use case “%(title)s” expired on %(day)s. Check its answers and "
                    "submit it again so that the rules and the team lead confirm it."
                )
                % names,
            )
        return Content(
            _("Approval valid until %(day)s: “%(title)s”") % names,
            _(
                "The approval of the use case “%(title)s” is valid until %(day)s. Check its answers and "
                "submit it again before then to re-certify it."
            )
            % names,
        )
    if kind == Kind.MEASUREMENT_STALE:
        if not p.get("last_measured_on"):
            return Content(
                _("KPI not measured yet: “%(kpi)s”") % names,
                _(
                    "The KPI “%(kpi)s” of the use case “%(title)s” in production has no measurement yet. Record "
                    "its current value, so that the realised benefit shows."
                )
                % names,
            )
        return Content(
            _("KPI not measured since %(measured)s: “%(kpi)s”") % names,
            _(
                "The KPI “%(kpi)s” of the use case “%(title)s” in production was last measured on %(measured)s. "
                "Record its current value, so that the realised benefit stays true."
            )
            % names,
        )
    return Content(notification.get_kind_display(), "")
