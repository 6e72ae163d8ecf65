"""The ``data`` of each webhook event: ids, codes, dates and links, for a receiver to fetch the rest.

What goes out of the company's network is kept to what a receiver needs to act: no names or
e-mail addresses of people (their usernames only), no free texts of reviewers, and of a
confidential use case not even its title. docs/webhooks.md shows every payload.
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from leitplanke.common.actors import Actor
from leitplanke.common.links import absolute
from leitplanke.guardrails.models import Verdict


def person(user: Any) -> dict[str, str] | None:
    """A person as a receiver sees them: the username, nothing else."""
    if user is None or not getattr(user, "pk", None):
        return None
    return {"username": user.username}


def _date(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def usecase(item: Any) -> dict[str, Any]:
    """A use case: its id, unit, stage and status, its verdict's risk class; a title only if not confidential."""
    verdict = Verdict.objects.filter(usecase_id=item.pk).values_list("risk_class", "decision").first()
    risk_class, decision = verdict if verdict is not None else (None, None)
    unit = item.unit
    return {
        "id": item.pk,
        "title": None if item.confidential else item.title,
        "confidential": item.confidential,
        "unit": {"id": unit.pk, "code": unit.code, "name": unit.name},
        "owner": person(item.owner),
        "stage": item.stage,
        "status": item.status,
        "submission": item.submission,
        "risk_class": risk_class,
        "verdict": decision,
        "link": absolute(reverse("usecases:detail", args=[item.pk])),
    }


def usecase_submitted(item: Any, *, actor: Actor) -> dict[str, Any]:
    """``usecase.submitted``: the use case as routed by its verdict (the status says which way it goes)."""
    return {"usecase": usecase(item), "submitted_by": person(actor)}


def usecase_decided(item: Any, *, outcome: str, actor: Actor, approval: Any = None) -> dict[str, Any]:
    """``usecase.decided``: approved by the team lead, or rejected by a reviewer."""
    data = usecase(item)
    data["status"] = outcome  # a rejection is told while the service is still setting it
    result: dict[str, Any] = {"usecase": data, "outcome": outcome, "decided_by": person(actor)}
    if approval is not None:
        result["approval"] = {
            "scope": approval.scope,
            "risk_class": approval.risk_class,
            "expires_on": _date(approval.expires_on),
        }
    return result


def review(item: Any, *, actor: Actor = None) -> dict[str, Any]:
    """``review.assigned`` and ``review.decided``: the review (role, unit, deadline, outcome) and its use case."""
    return {
        "review": {
            "id": item.pk,
            "role": item.role,
            "unit": item.unit.code if item.unit_id else None,
            "status": item.status,
            "submission": item.submission,
            "due_on": _date(item.due_on),
            "decided_by": person(item.decided_by),
            "decided_at": _date(item.decided_at),
            "link": absolute(reverse("decisions:review_detail", args=[item.pk])),
        },
        "usecase": usecase(item.usecase),
        "actor": person(actor),
    }


def obligation(item: Any) -> dict[str, Any]:
    """``obligation.overdue``: the obligation (its code and title from the rules, the deadline) and its use case."""
    return {
        "obligation": {
            "id": item.pk,
            "code": item.code,
            "title": {"de": item.title_de, "en": item.title_en},
            "due_on": _date(item.due_on),
            "blocking": item.blocking,
            "status": item.status,
            "owner": person(item.owner),
        },
        "usecase": usecase(item.usecase),
    }


def bundle(row: Any, *, changed_verdicts: int) -> dict[str, Any]:
    """``policy.published``: the rule bundle now active and how many verdicts it changed."""
    return {
        "bundle": {
            "id": row.pk,
            "bundle_id": row.bundle_id,
            "version": row.version,
            "digest": row.digest,
            "title": row.title,
            "rule_count": row.rule_count,
            "published_by": person(row.published_by),
            "published_at": _date(row.published_at),
            "link": absolute(reverse("guardrails:bundle", args=[row.pk])),
        },
        "changed_verdicts": changed_verdicts,
    }


def _number(value: Any) -> str | None:
    return f"{value:.2f}" if value is not None else None


def objective(item: Any, *, change: str, actor: Any) -> dict[str, Any]:
    """``objective.changed``: the objective (scope, target, status) and the ids of the use cases serving it."""
    return {
        "objective": {
            "id": item.pk,
            "title": item.title,
            "unit": item.unit.code if item.unit_id else None,
            "owner": person(item.owner),
            "status": item.status,
            "metric": item.metric,
            "metric_unit": item.metric_unit,
            "baseline": _number(item.baseline),
            "target_value": _number(item.target_value),
            "target_date": _date(item.target_date),
            "usecases": sorted(item.usecases.values_list("pk", flat=True)),
            "version": item.version,
        },
        "change": change,
        "actor": person(actor),
    }


def measurement(item: Any, *, actor: Any) -> dict[str, Any]:
    """``measurement.recorded``: the value, its KPI (no name of a confidential use case's KPI) and its use case."""
    kpi = item.kpi
    return {
        "measurement": {
            "id": item.pk,
            "measured_on": _date(item.measured_on),
            "value": _number(item.value),
        },
        "kpi": {
            "id": kpi.pk,
            "name": None if kpi.usecase.confidential else kpi.name,
            "kind": kpi.kind,
            "unit": kpi.measure_unit,
            "better_when": kpi.better_when,
            "baseline": _number(kpi.baseline),
            "target": _number(kpi.target),
            "target_date": _date(kpi.target_date),
        },
        "usecase": usecase(kpi.usecase),
        "recorded_by": person(actor),
    }
