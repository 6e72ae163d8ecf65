"""``/api/v1/usecases/{id}/…``: the risk answers, the verdict with the way to a decision, and the
history of a use case, as its page shows them.

Mounted at ``/usecases`` next to ``usecases.router``; who sees and who changes a use case is
``usecases.selectors``' rule, as everywhere.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Field, Query, Router, Schema

from leitplanke.audit.labels import action_label
from leitplanke.audit.selectors import history_for
from leitplanke.audit.templatetags.audit_tags import changes as event_changes
from leitplanke.decisions.models import ApprovalScope
from leitplanke.decisions.presentation import panel_for
from leitplanke.guardrails.models import DecisionPath, RiskClass
from leitplanke.guardrails.presentation import explanation_for
from leitplanke.usecases import selectors, services
from leitplanke.usecases.models import Status, UseCase
from leitplanke.usecases.presentation import answers_of

from ..concurrency import object_response, require_current
from ..schemas import PersonOut, UnitOut
from .common import DEFAULT_LIMIT, MAX_LIMIT, MAX_REACHABLE, body_fields, caller, problems
from .usecases import Facts, editable

router = Router(tags=["use cases"])


# --- the risk answers -------------------------------------------------------------------------------


class ChoiceOut(Schema):
    """An answer code with its label in the caller's language."""

    code: str
    label: str


class AnswerOut(Schema):
    """One risk question, the answers given, and the answers it offers."""

    fact: str = Field(description="The fact name (the rules' contract).")
    question: str
    help: str
    multiple: bool = Field(description="Several answers may apply.")
    answers: list[ChoiceOut] = Field(description="The answers given (empty: not answered yet, or none of these).")
    unsure: bool = Field(description="Answered with “I am not sure”, which the rules treat as the riskier answer.")
    choices: list[ChoiceOut]


class FactsOut(Schema):
    """The risk questions of a use case in the order asked, with the answers given."""

    usecase_id: int
    answers: list[AnswerOut]
    missing: list[str] = Field(description="Fact names still to answer before the use case can be submitted.")
    version: int


def _facts_out(usecase: UseCase) -> FactsOut:
    answers = []
    for answer in answers_of(usecase):
        fact = answer.fact
        answers.append(
            {
                "fact": fact.name,
                "question": str(fact.question),
                "help": str(fact.help),
                "multiple": fact.multiple,
                "answers": [
                    {"code": code, "label": label} for code, label in zip(answer.codes, answer.labels, strict=True)
                ],
                "unsure": answer.unsure,
                "choices": [{"code": code, "label": str(label)} for code, label in fact.all_choices],
            }
        )
    return FactsOut.model_validate(
        {
            "usecase_id": usecase.pk,
            "answers": answers,
            "missing": services.missing_for_submit(usecase),
            "version": usecase.version,
        }
    )


def _facts_response(request: HttpRequest, usecase: UseCase) -> HttpResponse:
    return object_response(request, pk=usecase.pk, version=usecase.version, payload=_facts_out(usecase))


@router.get(
    "/{int:usecase_id}/facts",
    response={200: FactsOut, 304: None, **problems(401, 404)},
    summary="Read the risk answers of a use case",
)
def usecase_facts_read(request: HttpRequest, usecase_id: int) -> HttpResponse:
    """Every risk question with its answer codes and labels in the caller's language, with an ``ETag``."""
    return _facts_response(request, selectors.usecase_for_viewer(caller(request), usecase_id))


@router.put(
    "/{int:usecase_id}/facts",
    response={200: FactsOut, **problems(400, 401, 403, 404, 409, 412, 422, 428)},
    summary="Answer the risk questions of a use case",
)
def usecase_facts_replace(request: HttpRequest, usecase_id: int, payload: Facts) -> HttpResponse:
    """All answers at once, by fact name (null or an empty list: not answered); needs the ``If-Match``
    of ``GET …/facts``. The use case is evaluated again. Audited as ``usecase.updated``."""
    user = caller(request)
    usecase = editable(user, usecase_id)
    require_current(request, pk=usecase.pk, version=usecase.version, payload=_facts_out(usecase))
    with body_fields():
        services.usecase_update(
            actor=user,
            usecase=usecase,
            expected_version=usecase.version,
            **payload.model_dump(),
        )
    return _facts_response(request, selectors.usecase_for_viewer(user, usecase.pk))


# --- the verdict and the way to a decision ----------------------------------------------------------


class RoleOut(Schema):
    """A review role."""

    code: str
    label: str


class ReasonOut(Schema):
    """A rule that fired: what it says, why, where it comes from, what it does."""

    rule_id: str
    title: str
    reason: str
    rationale: str
    reference: str
    effects: list[str]
    blocks: bool


class DutyOut(Schema):
    """An obligation the verdict names (it is opened when the use case is approved)."""

    id: str
    title: str
    description: str
    due_days: int
    blocking: bool = Field(description="Must be done before production.")
    reference: str
    applies_from: date | None


class BundleOut(Schema):
    """The rule bundle that gave the verdict."""

    id: str
    version: str


class WayReviewOut(Schema):
    """A review of the current submission."""

    id: int
    role: RoleOut
    status: str
    status_label: str
    unit: UnitOut | None = Field(description="The unit whose reviewers decide; null: the company-wide ones.")
    due_on: date
    decided_by: PersonOut | None
    decided_at: datetime | None
    comment: str
    conditions: str


class WayApprovalOut(Schema):
    """The team lead's approval of the current submission."""

    scope: ApprovalScope
    approved_by: PersonOut
    unit: UnitOut
    approved_at: datetime
    expires_on: date | None


class WayObligationOut(Schema):
    """An obligation of the current submission (details: ``GET /obligations/{id}``)."""

    id: int
    title: str
    status: str
    due_on: date
    blocking: bool


class WayOut(Schema):
    """The way to a decision, as the use case's page shows it to the caller."""

    status: Status
    submission: int
    reviews: list[WayReviewOut]
    approver_unit: UnitOut | None = Field(description="Whose lead or deputy approves (while awaiting approval).")
    approvers: list[PersonOut]
    approval: WayApprovalOut | None
    obligations: list[WayObligationOut]
    actions: list[str] = Field(
        description="What the caller may do now: approve, submit, pilot, production, submit_production, retired."
    )
    my_reviews: list[int] = Field(description="Ids of open reviews the caller decides (POST /reviews/{id}/decision).")


class VerdictOut(Schema):
    """What the guardrails say about a use case and why, as its page explains it (caller's language)."""

    usecase_id: int
    evaluated: bool = Field(description="False before the first evaluation; the verdict's fields are then empty.")
    risk_class: RiskClass | None
    risk_label: str
    decision: DecisionPath | None
    decision_label: str
    headline: str
    reviews: list[RoleOut] = Field(description="The reviews the rules require.")
    obligations: list[DutyOut]
    warnings: list[str]
    reasons: list[ReasonOut]
    unanswered: list[str] = Field(description="Questions not answered yet (the rules assumed the riskier answer).")
    bundle: BundleOut | None
    evaluated_at: datetime | None
    way: WayOut


def _person(person: Any) -> dict[str, str] | None:
    return {"username": person.username, "name": str(person)} if person is not None else None


def _unit(unit: Any) -> dict[str, str] | None:
    return {"code": unit.code, "name": unit.name} if unit is not None else None


def _way(user: Any, usecase: UseCase) -> dict[str, Any]:
    panel = panel_for(user, usecase, can_edit=selectors.can_edit(user, usecase))
    actions = [action for action, _label in panel.stage_actions]
    if panel.can_submit or (usecase.status == Status.DRAFT and selectors.can_edit(user, usecase)):
        actions.insert(0, "submit")
    if panel.can_approve:
        actions.insert(0, "approve")
    approval = panel.approval
    return {
        "status": usecase.status,
        "submission": usecase.submission,
        "reviews": [
            {
                "id": review.pk,
                "role": {"code": review.role, "label": review.get_role_display()},
                "status": review.status,
                "status_label": review.get_status_display(),
                "unit": _unit(review.unit),
                "due_on": review.due_on,
                "decided_by": _person(review.decided_by),
                "decided_at": review.decided_at,
                "comment": review.comment,
                "conditions": review.conditions,
            }
            for review in panel.reviews
        ],
        "approver_unit": _unit(panel.level.unit) if panel.level else None,
        "approvers": [_person(person) for person in panel.level.approvers] if panel.level else [],
        "approval": {
            "scope": approval.scope,
            "approved_by": _person(approval.approved_by),
            "unit": _unit(approval.unit),
            "approved_at": approval.approved_at,
            "expires_on": approval.expires_on,
        }
        if approval is not None
        else None,
        "obligations": [
            {
                "id": obligation.pk,
                "title": obligation.title(panel.lang),
                "status": obligation.status,
                "due_on": obligation.due_on,
                "blocking": obligation.blocking,
            }
            for obligation in panel.obligations
        ],
        "actions": actions,
        "my_reviews": [review.pk for review in panel.my_reviews],
    }


def _verdict_out(user: Any, usecase: UseCase) -> VerdictOut:
    explanation = explanation_for(usecase)
    verdict: dict[str, Any] = {
        "usecase_id": usecase.pk,
        "evaluated": explanation is not None,
        "risk_class": None, "risk_label": "", "decision": None, "decision_label": "", "headline": "",
        "reviews": [], "obligations": [], "warnings": [], "reasons": [], "unanswered": [], "bundle": None,
        "evaluated_at": None,
        "way": _way(user, usecase),
    }  # fmt: skip
    if explanation is not None:
        verdict |= {
            "risk_class": explanation.risk_class,
            "risk_label": explanation.risk_label,
            "decision": explanation.decision,
            "decision_label": explanation.decision_label,
            "headline": explanation.headline,
            "reviews": [{"code": code, "label": label} for code, label in explanation.reviews],
            "obligations": [duty.__dict__ for duty in explanation.duties],
            "warnings": explanation.warnings,
            "reasons": [reason.__dict__ for reason in explanation.reasons],
            "unanswered": explanation.unanswered,
            "bundle": {"id": explanation.bundle_id, "version": explanation.bundle_version},
            "evaluated_at": explanation.evaluated_at,
        }
    return VerdictOut.model_validate(verdict)


@router.get(
    "/{int:usecase_id}/verdict",
    response={200: VerdictOut, 304: None, **problems(401, 404)},
    summary="Read the verdict and the way to a decision",
)
def usecase_verdict(request: HttpRequest, usecase_id: int) -> HttpResponse:
    """The guardrail verdict (risk class, decision path, the rules that fired and why, required
    reviews, obligations, the bundle) and the way to a decision (reviews, approval, obligations,
    what the caller may do), as the use case's page shows them; with an ``ETag``."""
    user = caller(request)
    usecase = selectors.usecase_for_viewer(user, usecase_id)
    return object_response(request, pk=usecase.pk, version=usecase.version, payload=_verdict_out(user, usecase))


# --- history ----------------------------------------------------------------------------------------


class ChangeOut(Schema):
    """A field an event changed, as the history shows it (labels in the caller's language)."""

    field: str
    before: str
    after: str


class EventOut(Schema):
    """One audit event about the use case."""

    seq: int = Field(description="The event's number in the audit trail.")
    at: datetime
    actor: PersonOut | None = Field(description="Null: the system (a job, a command, a rule bundle).")
    action: str = Field(description="A stable code, such as usecase.updated or decisions.review.decided.")
    action_label: str
    changes: list[ChangeOut]
    before: dict[str, Any] | None
    after: dict[str, Any] | None


class EventPage(Schema):
    """One page of a history, newest first."""

    items: list[EventOut]
    count: int
    limit: int
    offset: int


class HistoryFilters(Schema):
    """Paging through a history."""

    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)
    offset: int = Field(0, ge=0, le=MAX_REACHABLE - MAX_LIMIT)


@router.get(
    "/{int:usecase_id}/history",
    response={200: EventPage, **problems(401, 404, 422)},
    summary="Read the history of a use case",
)
def usecase_history(request: HttpRequest, usecase_id: int, filters: Query[HistoryFilters]) -> dict[str, Any]:
    """The audit events of the use case, newest first, as its page's history shows them."""
    usecase = selectors.usecase_for_viewer(caller(request), usecase_id)
    events = history_for(usecase, limit=MAX_REACHABLE)
    page = events[filters.offset : filters.offset + filters.limit]
    items = [
        {
            "seq": event.seq,
            "at": event.created_at,
            "actor": {"username": event.actor.username, "name": event.actor_label} if event.actor else None,
            "action": event.action,
            "action_label": action_label(event.action),
            "changes": event_changes(event),
            "before": event.before if isinstance(event.before, dict) else None,
            "after": event.after if isinstance(event.after, dict) else None,
        }
        for event in page
    ]
    return {"items": items, "count": events.count(), "limit": filters.limit, "offset": filters.offset}
