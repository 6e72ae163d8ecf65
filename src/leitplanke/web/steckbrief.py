"""One use case's Steckbrief as a document: what the works council and an auditor ask for, as PDF or JSON.

:func:`steckbrief` gathers it from the apps' reads, in the active language; the PDF
(``web/pdf/steckbrief.html``) and the JSON of ``leitplanke export usecase`` show the same object.
The caller has checked that the reader may see the use case (``UseCase.objects.visible_to``).

The JSON object (``format_version`` 1); keys are stable, ``*_label`` values and texts are in the
requested language, dates and times ISO 8601, missing values ``null``:

* ``format_version``, ``language``, ``generated`` (time stamp);
* ``id``, ``title``, ``summary``, ``problem``, ``confidential``, ``version``;
* ``unit`` (``code``, ``name``), ``owner`` (``username``, ``name``), ``unit_lead`` (same, or null);
* ``status`` and ``stage`` (``code``, ``label``);
* ``tools``: list of ``name``, ``status``, ``status_label``;
* ``expected_benefit``: ``hours_per_month``, ``euros_per_year`` (numbers), ``text``;
* ``kpis``: list of ``name``, ``kind``, ``kind_label``, ``unit`` (of the values), ``better_when``,
  ``baseline``, ``target``, ``target_date``, ``latest`` (``measured_on``, ``value``, or null) and
  ``realised`` (null before the first measurement: ``improvement`` over the baseline,
  ``progress_percent`` towards the target, ``hours_per_month``, ``euros_per_year``, ``on_track``);
* ``risk_answers``: list of ``fact``, ``question``, ``answers`` (codes), ``labels``, ``unsure``;
* ``verdict`` (null before the first evaluation): ``risk_class``, ``risk_label``, ``decision``,
  ``decision_label``, ``headline``, ``reviews`` (role labels), ``reasons`` (list of ``rule_id``,
  ``title``, ``reason``, ``rationale``, ``reference``, ``blocks``), ``duties`` (list of ``id``,
  ``title``, ``due_days``, ``blocking``, ``reference``), ``warnings``, ``unanswered``, ``rule_bundle``,
  ``evaluated_at``;
* ``reviews`` of the latest submission: list of ``role``, ``role_label``, ``unit`` (name or null for
  company-wide), ``status``, ``status_label``, ``due_on``, ``decided_by``, ``decided_at``,
  ``conditions``, ``comment``;
* ``approval`` (null unless approved or expired): ``approved_by``, ``approved_at``, ``scope``,
  ``scope_label``, ``unit``, ``risk_class``, ``expires_on``;
* ``obligations`` of the latest submission: list of ``code``, ``title``, ``status``,
  ``status_label``, ``due_on``, ``blocking``, ``owner``, ``completed_at``;
* ``history``: the latest :data:`HISTORY_LIMIT` audit events of the use case, newest first: list of
  ``at``, ``action``, ``action_label``, ``actor`` (null: the system).
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from leitplanke.audit.labels import action_label
from leitplanke.audit.selectors import history_for
from leitplanke.decisions import selectors as decisions
from leitplanke.decisions.models import Obligation
from leitplanke.guardrails.presentation import explanation_for
from leitplanke.impact.selectors import benefits_of
from leitplanke.usecases.models import Status, UseCase
from leitplanke.usecases.presentation import answers_of

from .pdf import render_pdf

FORMAT_VERSION = 1
HISTORY_LIMIT = 30


def _person(user: Any) -> dict[str, str] | None:
    return None if user is None else {"username": user.username, "name": user.name}


def _number(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def _verdict(usecase: UseCase) -> dict[str, Any] | None:
    explanation = explanation_for(usecase)
    if explanation is None:
        return None
    return {
        "risk_class": explanation.risk_class,
        "risk_label": str(explanation.risk_label),
        "decision": explanation.decision,
        "decision_label": str(explanation.decision_label),
        "headline": str(explanation.headline),
        "reviews": [str(label) for _role, label in explanation.reviews],
        "reasons": [
            {
                "rule_id": reason.rule_id,
                "title": str(reason.title),
                "reason": str(reason.reason),
                "rationale": str(reason.rationale),
                "reference": reason.reference,
                "blocks": reason.blocks,
            }
            for reason in explanation.reasons
        ],
        "duties": [
            {
                "id": duty.id,
                "title": str(duty.title),
                "due_days": duty.due_days,
                "blocking": duty.blocking,
                "reference": duty.reference,
            }
            for duty in explanation.duties
        ],
        "warnings": [str(warning) for warning in explanation.warnings],
        "unanswered": [str(question) for question in explanation.unanswered],
        "rule_bundle": f"{explanation.bundle_id} {explanation.bundle_version}",
        "evaluated_at": explanation.evaluated_at,
    }


def _reviews(usecase: UseCase) -> list[dict[str, Any]]:
    if not usecase.submission:
        return []
    return [
        {
            "role": review.role,
            "role_label": str(review.get_role_display()),
            "unit": review.unit.name if review.unit else None,
            "status": review.status,
            "status_label": str(review.get_status_display()),
            "due_on": review.due_on,
            "decided_by": review.decided_by.name if review.decided_by else None,
            "decided_at": review.decided_at,
            "conditions": review.conditions,
            "comment": review.comment,
        }
        for review in decisions.current_reviews(usecase)
    ]


def _approval(usecase: UseCase) -> dict[str, Any] | None:
    if usecase.status not in (Status.APPROVED, Status.EXPIRED):
        return None
    approval = decisions.current_approval(usecase)
    if approval is None:
        return None
    return {
        "approved_by": approval.approved_by.name,
        "approved_at": approval.approved_at,
        "scope": approval.scope,
        "scope_label": str(approval.get_scope_display()),
        "unit": approval.unit.name if approval.unit else None,
        "risk_class": approval.risk_class,
        "expires_on": approval.expires_on,
    }


def _obligations(usecase: UseCase, language: str) -> list[dict[str, Any]]:
    if not usecase.submission:
        return []
    rows = (
        Obligation.objects.filter(usecase=usecase, submission=usecase.submission)
        .select_related("owner")
        .order_by("status", "due_on", "pk")
    )
    return [
        {
            "code": obligation.code,
            "title": obligation.title(language),
            "status": obligation.status,
            "status_label": str(obligation.get_status_display()),
            "due_on": obligation.due_on,
            "blocking": obligation.blocking,
            "owner": obligation.owner.name,
            "completed_at": obligation.completed_at,
        }
        for obligation in rows
    ]


def _kpis(usecase: UseCase) -> list[dict[str, Any]]:
    rows = []
    for shown in benefits_of(usecase):
        kpi, latest = shown.kpi, shown.latest
        realised = None
        if shown.improvement is not None:
            realised = {
                "improvement": _number(shown.improvement),
                "progress_percent": _number(shown.progress_percent),
                "hours_per_month": _number(shown.hours_per_month),
                "euros_per_year": _number(shown.eur_per_year),
                "on_track": shown.on_track,
            }
        rows.append(
            {
                "name": kpi.name,
                "kind": kpi.kind,
                "kind_label": str(kpi.get_kind_display()),
                "unit": kpi.measure_unit,
                "better_when": kpi.better_when,
                "baseline": _number(kpi.baseline),
                "target": _number(kpi.target),
                "target_date": kpi.target_date,
                "latest": None
                if latest is None
                else {"measured_on": latest.measured_on, "value": _number(latest.value)},
                "realised": realised,
            }
        )
    return rows


def _history(usecase: UseCase) -> list[dict[str, Any]]:
    return [
        {
            "at": event.created_at,
            "action": event.action,
            "action_label": str(action_label(event.action)),
            "actor": (event.actor_label or str(event.actor)) if event.actor_id else None,
        }
        for event in history_for(usecase, limit=HISTORY_LIMIT)
    ]


def steckbrief(usecase: UseCase) -> dict[str, Any]:
    """The Steckbrief of ``usecase`` in the active language (see the module for its keys)."""
    language = (translation.get_language() or "de").split("-")[0]
    unit = usecase.unit
    return {
        "format_version": FORMAT_VERSION,
        "language": language,
        "generated": timezone.localtime(),
        "id": usecase.pk,
        "title": usecase.title,
        "summary": usecase.summary,
        "problem": usecase.problem,
        "confidential": usecase.confidential,
        "version": usecase.version,
        "unit": {"code": unit.code, "name": unit.name},
        "owner": _person(usecase.owner),
        "unit_lead": _person(unit.lead),
        "status": {"code": usecase.status, "label": str(usecase.get_status_display())},
        "stage": {"code": usecase.stage, "label": str(usecase.get_stage_display())},
        "tools": [
            {"name": tool.name, "status": tool.status, "status_label": str(tool.get_status_display())}
            for tool in usecase.tools.order_by("name")
        ],
        "expected_benefit": {
            "hours_per_month": _number(usecase.expected_hours_per_month),
            "euros_per_year": _number(usecase.expected_euros_per_year),
            "text": usecase.expected_benefit,
        },
        "kpis": _kpis(usecase),
        "risk_answers": [
            {
                "fact": answer.fact.name,
                "question": str(answer.fact.question),
                "answers": list(answer.codes),
                "labels": answer.labels,
                "unsure": answer.unsure,
            }
            for answer in answers_of(usecase)
        ],
        "verdict": _verdict(usecase),
        "reviews": _reviews(usecase),
        "approval": _approval(usecase),
        "obligations": _obligations(usecase, language),
        "history": _history(usecase),
    }


def steckbrief_json(usecase: UseCase) -> str:
    """:func:`steckbrief` as JSON text (UTF-8 characters kept, indented)."""
    return json.dumps(steckbrief(usecase), cls=DjangoJSONEncoder, ensure_ascii=False, indent=2) + "\n"


def usecase_for_document(pk: int, reader: Any = None) -> UseCase | None:
    """The use case ``pk`` with what the Steckbrief reads; for a ``reader``, only if they may see it."""
    usecases = UseCase.objects.all() if reader is None else UseCase.objects.visible_to(reader)
    return usecases.select_related("unit", "unit__lead", "owner").filter(pk=pk).first()


def steckbrief_title(usecase: UseCase) -> str:
    """The document's title in the active language."""
    return _("AI use case profile: %(title)s") % {"title": usecase.title}


def steckbrief_pdf(usecase: UseCase, *, language: str) -> bytes:
    """The Steckbrief of ``usecase`` as a PDF in ``language``."""
    with translation.override(language):
        content, title = steckbrief(usecase), steckbrief_title(usecase)
    return render_pdf("web/pdf/steckbrief.html", {"doc": content}, title=title, language=language)


def steckbrief_filename(usecase: UseCase, fmt: str = "pdf") -> str:
    """``steckbrief-<id>.pdf`` (or ``.json``)."""
    return f"steckbrief-{usecase.pk}.{fmt}"
