"""The demo company's decisions: reviews done, pending and returned, use cases approved by their leads.

Run after the demo use cases exist (they are routed when they are registered). Everything goes
through the services, as people would do it. It acts only once: when any review was decided or any
use case approved, it leaves the decisions alone.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model

from leitplanke.org.models import RoleAssignment
from leitplanke.usecases.demo import USE_CASES
from leitplanke.usecases.models import Status, UseCase

from . import selectors, services
from .models import Approval, Obligation, ObligationStatus, Review, ReviewStatus

#: What happens to the reviews of the n-th use case in review (n modulo the length).
REVIEW_PLAN = ("approve", "approve_with_conditions", "leave", "request_changes", "approve", "leave", "reject")
CONDITIONS = {
    "data_protection": "Löschfristen festlegen und die Beschäftigten vor dem Start informieren.",
    "works_council": "Keine Auswertung einzelner Beschäftigter; Betriebsvereinbarung vor dem Produktivstart.",
    "information_security": "Nur über das Firmenkonto mit Single Sign-on nutzen.",
    "legal": "Kennzeichnung der erzeugten Inhalte gemäß Art. 50 KI-Verordnung.",
    "ai_governance": "Menschliche Aufsicht durch geschulte Personen; Protokolle sechs Monate aufbewahren.",
}


def _reviewer(review: Review) -> Any:
    people = get_user_model().objects.filter(
        pk__in=RoleAssignment.objects.filter(role=review.role).values("person_id"), is_active=True
    ).order_by("username")
    return next((person for person in people if selectors.can_decide_review(person, review)), None)


def load() -> dict[str, int]:
    """Decide some demo reviews and approve some demo use cases; returns how many of each."""
    done = {"reviews": 0, "approvals": 0}
    titles = [spec.title for spec in USE_CASES]
    demo = UseCase.objects.filter(title__in=titles).order_by("pk")
    if Review.objects.filter(usecase__in=demo).exclude(decided_by=None).exists() or Approval.objects.filter(
        usecase__in=demo
    ).exists():
        return done
    for number, usecase in enumerate(demo.filter(status=Status.IN_REVIEW)):
        plan = REVIEW_PLAN[number % len(REVIEW_PLAN)]
        if plan == "leave":
            continue
        for review in Review.objects.filter(usecase=usecase, status=ReviewStatus.OPEN).order_by("role"):
            reviewer = _reviewer(review)
            if reviewer is None:
                continue
            if plan == "request_changes":
                services.review_decide(actor=reviewer, review=review, outcome=ReviewStatus.CHANGES_REQUESTED,
                                       comment="Bitte genauer beschreiben, welche Daten verarbeitet werden und wer "
                                               "die Ergebnisse prüft.")
                done["reviews"] += 1
                break
            if plan == "reject":
                services.review_decide(actor=reviewer, review=review, outcome=ReviewStatus.REJECTED,
                                       comment="In dieser Form nicht vertretbar: Die Ergebnisse würden über "
                                               "Personen entscheiden, ohne dass jemand sie nachprüft.")
                done["reviews"] += 1
                break
            with_conditions = plan == "approve_with_conditions"
            services.review_decide(
                actor=reviewer, review=review,
                outcome=ReviewStatus.APPROVED_WITH_CONDITIONS if with_conditions else ReviewStatus.APPROVED,
                conditions=CONDITIONS.get(review.role, "") if with_conditions else "",
            )
            done["reviews"] += 1
    for number, usecase in enumerate(demo.filter(status=Status.AWAITING_APPROVAL)):
        if number % 3 == 2:
            continue  # some wait for their lead
        level = selectors.approval_level(usecase)
        if not level.approvers:
            continue
        services.usecase_approve(actor=level.approvers[0], usecase=usecase,
                                 scope="production" if usecase.stage == "production" else "pilot")
        done["approvals"] += 1
    open_duties = Obligation.objects.filter(usecase__in=demo, status=ObligationStatus.OPEN).select_related(
        "usecase", "owner"
    ).order_by("pk")
    for number, obligation in enumerate(open_duties):
        if number % 2 == 0:  # about half of the duties are done, with their evidence
            services.obligation_complete(
                actor=obligation.owner, obligation=obligation,
                evidence="Erledigt und im Teamlaufwerk dokumentiert (Demodaten).",
            )
    return done
