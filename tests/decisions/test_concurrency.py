"""Decisions made at the same moment: exactly one wins, the other gets a clear conflict (real threads)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, wait
from typing import Any

import pytest
from django.db import connection

from leitplanke.audit.services import verify
from leitplanke.common.errors import Conflict, DomainError
from leitplanke.decisions import services as decisions
from leitplanke.decisions.models import Approval, Review, ReviewStatus
from leitplanke.usecases import services as usecases
from leitplanke.usecases.models import Status, UseCase

from .conftest import COMPLETE_FACTS, TWO_REVIEWS_FACTS

pytestmark = pytest.mark.django_db(transaction=True)

DEADLINE = 60  # seconds; generous for a loaded 2-core machine


def _race(*actions: Callable[[], Any]) -> list[Any]:
    """Run the actions at the same moment, each in its own thread and connection; their results or errors."""
    start = threading.Barrier(len(actions), timeout=DEADLINE)

    def run(action: Callable[[], Any]) -> Any:
        try:
            connection.ensure_connection()
            start.wait()
            try:
                return action()
            except DomainError as exc:
                return exc
        finally:
            connection.close()

    pool = ThreadPoolExecutor(max_workers=len(actions))
    futures = [pool.submit(run, action) for action in actions]
    _done, not_done = wait(futures, timeout=DEADLINE)
    pool.shutdown(wait=False, cancel_futures=True)
    assert not not_done, "a thread was still running at the deadline"
    return [future.result() for future in futures]


def test_two_reviewers_deciding_the_same_review_one_wins(make_usecase, reviewers) -> None:
    # Given a data-protection review that two reviewers may decide, both looking at the same version
    usecase = make_usecase(**TWO_REVIEWS_FACTS)
    review = Review.objects.get(usecase=usecase, role="data_protection")
    seen = review.version

    # When both decide at the same moment, one approving and one rejecting
    results = _race(
        lambda: decisions.review_decide(
            actor=reviewers.finance_privacy, review=review, outcome="approved", expected_version=seen
        ),
        lambda: decisions.review_decide(
            actor=reviewers.company_privacy,
            review=review,
            outcome="rejected",
            comment="Nicht so.",
            expected_version=seen,
        ),
    )

    # Then exactly one decision is stored, and the other reviewer was told of the conflict
    conflicts = [result for result in results if isinstance(result, Conflict)]
    decided = [result for result in results if isinstance(result, Review)]
    assert (len(decided), len(conflicts)) == (1, 1), results
    review.refresh_from_db()
    assert review.status == decided[0].status
    usecase.refresh_from_db()
    assert usecase.status == (Status.REJECTED if review.status == ReviewStatus.REJECTED else Status.IN_REVIEW)
    assert verify().ok


def test_a_lead_approving_while_the_owner_edits_one_wins(make_usecase, qualified_lead, org) -> None:
    # Given a use case waiting for the lead, and the owner editing the version the lead sees
    usecase = make_usecase(**COMPLETE_FACTS)
    seen = usecase.version

    # When the lead approves and the owner saves a change at the same moment
    results = _race(
        lambda: decisions.usecase_approve(actor=qualified_lead, usecase=usecase, expected_version=seen),
        lambda: usecases.usecase_update(
            actor=org.member, usecase=usecase, expected_version=seen, title="Rechnungen klassifizieren (neu)"
        ),
    )

    # Then one of the two is stored and the other got a conflict; nothing is half done
    conflicts = [result for result in results if isinstance(result, Conflict)]
    assert len(conflicts) == 1, results
    stored = UseCase.objects.get(pk=usecase.pk)
    approved = Approval.objects.filter(usecase=usecase).exists()
    if isinstance(results[0], Conflict):  # the edit won
        assert (stored.title, stored.status, approved) == (
            "Rechnungen klassifizieren (neu)",
            Status.AWAITING_APPROVAL,
            False,
        )
    else:  # the approval won
        assert (stored.title, stored.status, approved) == ("Rechnungen klassifizieren", Status.APPROVED, True)
    assert verify().ok
