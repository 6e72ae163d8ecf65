"""Writes of the decision workflow, each with its audit event on the use case.

``usecase_route`` starts the way to a decision when a use case is submitted: the verdict blocks it,
leaves it to the team lead, or asks one review per required role first. ``review_decide`` records
a reviewer's decision; ``usecase_approve`` records the team lead's approval. When the facts or
tools of a use case on its way change its verdict, ``usecase_reroute`` opens only the reviews that
became necessary and cancels those no longer needed; ``usecases_follow_verdicts`` does the same
after verdicts changed in bulk (a catalogue tool, a published bundle). The approval and review
services check first that the verdict they act on is still the one the way follows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any, cast

from django.db.models import F
from django.utils import translation
from django.utils.translation import gettext as _

from leitplanke.audit.services import event_record
from leitplanke.common import clock
from leitplanke.common.actors import Actor, acting_person
from leitplanke.common.errors import DomainError, full_clean
from leitplanke.common.events import emit
from leitplanke.common.permissions import check
from leitplanke.common.transactions import write_atomic
from leitplanke.common.versioning import check_version
from leitplanke.guardrails.models import Verdict
from leitplanke.guardrails.selectors import evaluator_for
from leitplanke.usecases import search
from leitplanke.usecases.models import SUBMITTABLE, Status, UseCase

from . import events, selectors, transitions
from .models import APPROVING, Approval, ApprovalScope, Obligation, ObligationStatus, Review, ReviewStatus
from .transitions import Cause, usecase_locked, usecase_transition, usecase_verdict

#: States in which a use case is on its way to a decision or decided, so a verdict change matters.
UNDER_DECISION = transitions.UNDER_DECISION


def _open_review(actor: Actor, usecase: UseCase, role: str) -> Review:
    review = Review.objects.create(
        usecase=usecase,
        role=role,
        unit=selectors.review_unit_for(role, usecase.unit),
        submission=usecase.submission,
        due_on=selectors.due_date(role),
    )
    event_record(actor=actor, action="decisions.review.opened", target=usecase, after=review.audit_snapshot())
    emit(events.ReviewAssigned(actor=actor, review=review))
    return review


def _cancel(actor: Actor, reviews: list[Review]) -> None:
    for review in reviews:
        before = review.audit_snapshot()
        review.status = ReviewStatus.CANCELLED
        review.version += 1
        review.save(update_fields=["status", "version"])
        event_record(
            actor=actor,
            action="decisions.review.cancelled",
            target=review.usecase,
            before=before,
            after=review.audit_snapshot(),
        )


def _status_for(verdict: Verdict, reviews: list[Review]) -> str:
    """Where a use case stands under ``verdict`` with these reviews of its current submission."""
    if verdict.decision == "blocked":
        return Status.BLOCKED
    if any(review.status == ReviewStatus.OPEN for review in reviews):
        return Status.IN_REVIEW
    return Status.AWAITING_APPROVAL


@write_atomic
def usecase_route(*, actor: Actor, usecase: UseCase, bump_version: bool = True) -> UseCase:
    """Start a new submission of ``usecase`` on the way its current verdict names.

    Called in the transaction that submits the use case (:func:`usecase_submit`);
    ``bump_version=False`` when that service counted the version up already.
    """
    usecase = usecase_locked(usecase)
    verdict = usecase_verdict(usecase)
    open_reviews = list(Review.objects.filter(usecase=usecase, status=ReviewStatus.OPEN).select_related("usecase"))
    _cancel(actor, open_reviews)  # a review of an earlier submission decides nothing any more
    usecase.submission += 1
    usecase.submitted_at, usecase.decided_at = clock.now(), None
    usecase.save(update_fields=["submission", "submitted_at", "decided_at"])
    reviews = []
    if verdict.decision != "blocked":
        reviews = [_open_review(actor, usecase, role) for role in verdict.summary.get("reviews", [])]
    _move(actor, usecase, verdict, _status_for(verdict, reviews), opened=reviews, bump_version=bump_version)
    emit(events.UseCaseSubmitted(actor=actor, usecase=usecase))
    return usecase


@write_atomic
def usecase_submit(*, actor: Actor, usecase: UseCase, expected_version: int | None = None) -> UseCase:
    """Submit a use case for a decision: every question must be answered ("I am not sure" counts);
    else a :class:`DomainError` names the first open question and nothing changes. The verdict then
    sets the way: blocked, the team lead's approval, or reviews first (:func:`usecase_route`)."""
    check(actor, "usecases.submit_usecase", usecase)
    if usecase.status not in SUBMITTABLE:
        raise DomainError(_("This use case is already on its way to a decision."), code="state")
    usecase = UseCase.objects.select_for_update().select_related("unit", "owner").get(pk=usecase.pk)
    check_version(usecase, expected_version)
    if usecase.status == Status.SUBMITTED:  # registered before decisions existed: start the way now
        return usecase_route(actor=actor, usecase=usecase)
    usecase_transition(
        actor=actor, usecase=usecase, cause=Cause.SUBMIT, to=Status.SUBMITTED, action="usecase.submitted", snapshot=True
    )
    search.usecase_index(usecase)
    return usecase_route(actor=actor, usecase=usecase, bump_version=False)


def _move(
    actor: Actor,
    usecase: UseCase,
    verdict: Verdict,
    status: str,
    *,
    opened: list[Review],
    bump_version: bool,
    cancelled: list[Review] | None = None,
) -> None:
    """Set the status the verdict leads to, following that verdict now, and record the way.

    ``cancelled`` (a list, also if empty) marks a reroute: the event then says which reviews the
    changed verdict added and which it made unnecessary, for the use case's page.
    """
    change = (
        {}
        if cancelled is None
        else {
            "rerouted": True,
            "reviews_added": [review.role for review in opened],
            "reviews_cancelled": [review.role for review in cancelled],
        }
    )
    usecase_transition(
        actor=actor,
        usecase=usecase,
        cause=Cause.ROUTE if cancelled is None else Cause.REROUTE,
        to=status,
        action="decisions.usecase.routed",
        after={
            "submission": usecase.submission,
            "risk_class": verdict.risk_class,
            "decision": verdict.decision,
            "reviews": [review.role for review in opened],
            **change,
        },
        digest=verdict.summary_digest,
        bump_version=bump_version,
    )


@write_atomic
def usecase_reroute(*, actor: Actor, usecase: UseCase, bump_version: bool = True) -> UseCase:
    """Follow a changed verdict: open the reviews it newly needs, cancel those it no longer needs.

    Reviews already decided for a role that is still required stand. An approved use case stays
    approved if no new review is needed; otherwise it goes back into review. Nothing happens for a
    use case that is not on its way to a decision or whose verdict is the one it follows.
    """
    usecase = usecase_locked(usecase)
    if usecase.status not in UNDER_DECISION:
        return usecase
    verdict = usecase_verdict(usecase)
    if verdict.summary_digest == usecase.decision_digest:
        return usecase
    required = [] if verdict.decision == "blocked" else list(verdict.summary.get("reviews", []))
    current = [
        review
        for review in Review.objects.filter(usecase=usecase, submission=usecase.submission).select_related("usecase")
        if review.status != ReviewStatus.CANCELLED
    ]
    unneeded = [r for r in current if r.status == ReviewStatus.OPEN and r.role not in required]
    _cancel(actor, unneeded)
    standing = {r.role: r for r in current if r.role in required and r.status in (*APPROVING, ReviewStatus.OPEN)}
    opened = [_open_review(actor, usecase, role) for role in required if role not in standing]
    reviews = [*standing.values(), *opened]
    status = _status_for(verdict, reviews)
    stands = usecase.status == Status.APPROVED and transitions.approval_stands(usecase)
    if status == Status.AWAITING_APPROVAL and stands:
        status = Status.APPROVED  # nothing new to review: the approval stands under the new verdict
    _move(actor, usecase, verdict, status, opened=opened, bump_version=bump_version, cancelled=unneeded)
    return usecase


def usecases_follow_verdicts(*, actor: Actor, usecase_ids: Iterable[int] | None = None) -> int:
    """Reroute every use case on its way whose verdict is no longer the one its way follows.

    Called after verdicts changed in bulk (a catalogue tool changed, a bundle was published), in
    the same transaction; returns how many use cases were rerouted.
    """
    waiting = UseCase.objects.filter(status__in=UNDER_DECISION).exclude(decision_digest=F("verdict__summary_digest"))
    if usecase_ids is not None:
        waiting = waiting.filter(pk__in=list(usecase_ids))
    count = 0
    for usecase in list(waiting.only("pk")):
        usecase_reroute(actor=actor, usecase=usecase)
        count += 1
    return count


#: What a reviewer can decide, and whether a comment or conditions are required.
OUTCOMES = {
    ReviewStatus.APPROVED: (False, False),
    ReviewStatus.APPROVED_WITH_CONDITIONS: (False, True),
    ReviewStatus.CHANGES_REQUESTED: (True, False),
    ReviewStatus.REJECTED: (True, False),
}


@write_atomic
def review_decide(
    *,
    actor: Actor,
    review: Review,
    outcome: str,
    comment: str = "",
    conditions: str = "",
    expected_version: int | None = None,
) -> Review:
    """Decide a review: approve (with conditions), request changes, or reject, each with a comment.

    Rejecting or requesting changes ends the current submission (the other open reviews are
    cancelled); the last approving review hands the use case to the team lead. Conditions become a
    blocking obligation of the owner at once, so they can be fulfilled while others decide. If the verdict changed
    since the review was requested, the use case is rerouted first and a review that is no longer
    needed is not decided (the returned review is cancelled).
    """
    if outcome not in OUTCOMES:
        raise DomainError(_("Choose a decision."), field="outcome")
    needs_comment, needs_conditions = OUTCOMES[ReviewStatus(outcome)]
    comment, conditions = comment.strip(), conditions.strip()
    if needs_comment and not comment:
        raise DomainError(_("Please explain your decision to the owner."), field="comment")
    if needs_conditions and not conditions:
        raise DomainError(_("Please state the conditions."), field="conditions")
    usecase = usecase_locked(review.usecase)
    review = Review.objects.select_for_update(of=("self",)).select_related("unit", "usecase").get(pk=review.pk)
    check(actor, "decisions.decide_review", review)
    check_version(review, expected_version)
    if review.status != ReviewStatus.OPEN or usecase.status != Status.IN_REVIEW:
        raise DomainError(_("This review is already decided or no longer needed."), code="closed")
    usecase_reroute(actor=actor, usecase=usecase)
    review.refresh_from_db()
    if review.status != ReviewStatus.OPEN:
        return review
    usecase.refresh_from_db()
    before = review.audit_snapshot()
    review.status = outcome
    review.comment = comment
    review.conditions = conditions if outcome == ReviewStatus.APPROVED_WITH_CONDITIONS else ""
    review.decided_by = actor
    review.decided_at = clock.now()
    review.version += 1
    review.save()
    others = list(
        Review.objects.filter(usecase=usecase, status=ReviewStatus.OPEN).exclude(pk=review.pk).select_related("usecase")
    )
    status = {ReviewStatus.REJECTED: Status.REJECTED, ReviewStatus.CHANGES_REQUESTED: Status.CHANGES_REQUESTED}.get(
        ReviewStatus(outcome), None if others else Status.AWAITING_APPROVAL
    )
    if status is None:  # other reviews still open: the use case stays in review
        event_record(
            actor=actor, action="decisions.review.decided", target=usecase, before=before, after=review.audit_snapshot()
        )
    else:  # the decision moves the use case on: one event says both
        usecase_transition(
            actor=actor,
            usecase=usecase,
            cause=Cause.REVIEW,
            to=status,
            action="decisions.review.decided",
            before=before,
            after=review.audit_snapshot(),
        )
    emit(events.ReviewDecided(actor=actor, review=review))
    if outcome == ReviewStatus.APPROVED_WITH_CONDITIONS:
        _condition_open(actor, usecase, review)
    if outcome in (ReviewStatus.REJECTED, ReviewStatus.CHANGES_REQUESTED):
        _cancel(actor, others)  # the submission ended: the other reviews decide nothing any more
    return review


@write_atomic
def usecase_approve(
    *, actor: Actor, usecase: UseCase, scope: str = ApprovalScope.PILOT, expected_version: int | None = None
) -> UseCase:
    """The team lead's approval: they confirm responsibility for the use case under its verdict.

    Only the lead or deputy of the owning unit who holds the qualification the rule bundle names
    (else of the nearest unit above whose lead or deputy holds it) may approve, and only a use case
    awaiting approval whose required reviews all approved. If the verdict changed since it was
    routed, it is rerouted instead and comes back unapproved: the caller checks ``status``.
    """
    if scope not in ApprovalScope.values:
        raise DomainError(_("Choose what the approval allows."), field="scope")
    usecase = usecase_locked(usecase)
    check_version(usecase, expected_version)
    if usecase.status != Status.AWAITING_APPROVAL:
        raise DomainError(_("This use case is not waiting for an approval."), code="state")
    check(actor, "decisions.approve_usecase", usecase)  # checked by the transition too; first, before a reroute
    level = selectors.approval_level(usecase)
    rerouted = usecase_reroute(actor=actor, usecase=usecase)
    if rerouted.status != Status.AWAITING_APPROVAL:
        return rerouted
    verdict = usecase_verdict(usecase)
    approval = Approval.objects.create(
        usecase=usecase,
        submission=usecase.submission,
        scope=scope,
        approved_by=acting_person(actor),
        unit=cast(Any, level.unit),  # not None: the permission holds only when the approval has a level
        risk_class=verdict.risk_class,
        bundle=verdict.bundle,
        summary_digest=verdict.summary_digest,
        approved_at=clock.now(),
        expires_on=selectors.approval_expiry(verdict.risk_class),
    )
    usecase_transition(
        actor=actor,
        usecase=usecase,
        cause=Cause.APPROVE,
        to=Status.APPROVED,
        action="decisions.usecase.approved",
        after=approval.audit_snapshot(),
    )
    _obligations_open(actor, usecase, verdict)
    emit(events.UseCaseApproved(actor=actor, usecase=usecase))
    return usecase


#: Days to fulfil a reviewer's conditions.
CONDITION_DAYS = 30


def _obligations_open(actor: Actor, usecase: UseCase, verdict: Verdict) -> None:
    """The obligations of an approval: the verdict's (the reviewers' conditions are open already)."""
    bundle = evaluator_for(verdict.bundle).bundle
    today = clock.localdate()
    wanted: list[Obligation] = []
    for code in verdict.summary.get("obligations", []):
        spec = bundle.obligations.get(code)
        if spec is None:
            continue
        wanted.append(
            Obligation(
                code=code,
                title_de=spec.title.de,
                title_en=spec.title.en,
                description_de=spec.description.de,
                description_en=spec.description.en,
                reference=spec.reference,
                blocking=spec.blocking,
                due_on=today + dt.timedelta(days=spec.due_days),
            )
        )
    _save_obligations(actor, usecase, wanted)


def _condition_open(actor: Actor, usecase: UseCase, review: Review) -> None:
    """A reviewer's conditions become a blocking obligation of the owner at once."""
    titles = {}
    for lang in ("de", "en"):
        with translation.override(lang):
            titles[lang] = _("Conditions of the review by %(role)s") % {"role": review.get_role_display()}
    _save_obligations(
        actor,
        usecase,
        [
            Obligation(
                code=f"review-{review.pk}",
                review=review,
                title_de=titles["de"],
                title_en=titles["en"],
                description_de=review.conditions,
                description_en=review.conditions,
                blocking=True,
                due_on=clock.localdate() + dt.timedelta(days=CONDITION_DAYS),
            )
        ],
    )


def _save_obligations(actor: Actor, usecase: UseCase, wanted: list[Obligation]) -> None:
    existing = set(
        Obligation.objects.filter(usecase=usecase, submission=usecase.submission).values_list("code", flat=True)
    )
    for obligation in wanted:
        if obligation.code in existing:
            continue  # approved again in the same submission: the duties stand
        obligation.usecase, obligation.submission, obligation.owner = usecase, usecase.submission, usecase.owner
        obligation.save()
        event_record(
            actor=actor, action="decisions.obligation.opened", target=usecase, after=obligation.audit_snapshot()
        )


@write_atomic
def obligation_complete(
    *,
    actor: Actor,
    obligation: Obligation,
    evidence: str = "",
    evidence_link: str = "",
    evidence_file: Any = None,
    expected_version: int | None = None,
) -> Obligation:
    """Mark an obligation as done, with evidence (a text, a link, an uploaded file, or several).

    ``evidence_file`` is a Django ``UploadedFile``; it is checked (type, size) before anything is
    written, stored under a random name, and its original name is kept for the download.
    """
    import unicodedata

    from django.conf import settings

    #: File types accepted as evidence: documents, images, text, e-mails and archives, no executables.
    allowed = (
        "pdf",
        "png",
        "jpg",
        "jpeg",
        "txt",
        "csv",
        "docx",
        "xlsx",
        "pptx",
        "odt",
        "ods",
        "md",
        "eml",
        "msg",
        "zip",
    )

    obligation = (
        Obligation.objects.select_for_update(of=("self",))
        .select_related("usecase", "usecase__unit")
        .get(pk=obligation.pk)
    )
    check(actor, "decisions.complete_obligation", obligation)
    check_version(obligation, expected_version)
    if obligation.status == ObligationStatus.DONE:
        raise DomainError(_("This obligation is already done."), code="closed")
    evidence, evidence_link = evidence.strip(), evidence_link.strip()
    if not evidence and not evidence_link and evidence_file is None:
        raise DomainError(
            _("Describe, link or attach the evidence that the obligation is fulfilled."), field="evidence"
        )
    file_name = ""
    if evidence_file is not None:
        # Only the last part of the name the browser sent, without control characters: it is shown
        # and sent back as the download's name, never used as a path (the stored name is random).
        raw = (evidence_file.name or "").replace("\\", "/").rsplit("/", 1)[-1]
        file_name = "".join(ch for ch in raw if unicodedata.category(ch)[0] != "C").strip()
        stem, dot, extension = file_name.rpartition(".")
        extension = extension.lower() if dot else ""
        if extension not in allowed:
            raise DomainError(
                _("Files of this type cannot be attached. Allowed are: %(types)s.")
                % {"types": ", ".join(allowed).upper()},
                field="evidence_file",
                code="file_type",
            )
        if len(file_name) > 255:
            file_name = f"{stem[: 254 - len(extension)]}.{extension}"
        if not evidence_file.size:
            raise DomainError(_("The file is empty."), field="evidence_file", code="file_empty")
        if evidence_file.size > settings.EVIDENCE_MAX_MB * 1024 * 1024:
            raise DomainError(
                _("The file is too large: at most %(max)s MB are allowed.") % {"max": settings.EVIDENCE_MAX_MB},
                field="evidence_file",
                code="file_size",
            )
    before = obligation.audit_snapshot()
    obligation.evidence, obligation.evidence_link = evidence, evidence_link
    obligation.status = ObligationStatus.DONE
    obligation.completed_by, obligation.completed_at = actor, clock.now()
    obligation.version += 1
    written = False
    try:
        if evidence_file is not None:
            # Writes the file to storage now, under the random name of ``evidence_path``.
            obligation.evidence_file.save(file_name, evidence_file, save=False)
            written = True
            obligation.evidence_file_name = file_name
        full_clean(obligation)
        obligation.save()
        event_record(
            actor=actor,
            action="decisions.obligation.completed",
            target=obligation.usecase,
            before=before,
            after=obligation.audit_snapshot(),
        )
    except BaseException:
        # The transaction rolls back; the file written above must not stay behind without its row.
        if written:
            obligation.evidence_file.delete(save=False)
        raise
    return obligation
