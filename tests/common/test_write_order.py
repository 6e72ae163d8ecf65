"""Concurrent writes on PostgreSQL: with one lock order for every write, no deadlock reaches anyone.

Before that order, a use-case edit held its row and waited for the audit chain's lock, while a
catalogue change held the chain's lock and waited for that row (it re-evaluates every use case of
the tool): PostgreSQL broke the cycle by failing one of them with "deadlock detected".
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, wait
from typing import Any

import pytest
from django.db import connection

from leitplanke.audit.services import verify
from leitplanke.catalog import services as catalog
from leitplanke.common.errors import DomainError
from leitplanke.decisions import services as decision_services
from leitplanke.usecases import services as usecases
from leitplanke.usecases.models import Status, UseCase

from ..usecases.conftest import COMPLETE_FACTS, org, tools

__all__ = ["org", "tools"]

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="deadlocks need row locks (PostgreSQL); SQLite writers queue at BEGIN IMMEDIATE",
    ),
]

DEADLINE = 90  # seconds for the whole run; generous for a loaded 2-core machine
EDITORS = 4
ROUNDS = 10
USECASES = 6


def _run_together(workers: list[Callable[[], list[str]]]) -> list[str]:
    """Run each worker in its own thread and database connection, released at the same moment."""
    start = threading.Barrier(len(workers), timeout=DEADLINE)

    def run(work: Callable[[], list[str]]) -> list[str]:
        try:
            connection.ensure_connection()
            start.wait()
            return work()
        finally:
            connection.close()

    pool = ThreadPoolExecutor(max_workers=len(workers))
    futures = [pool.submit(run, work) for work in workers]
    _done, not_done = wait(futures, timeout=DEADLINE)
    pool.shutdown(wait=False, cancel_futures=True)
    assert not not_done, f"{len(not_done)} threads still running after {DEADLINE}s"
    return [outcome for future in futures for outcome in future.result()]


def _outcome(service: Callable[..., Any], **arguments: Any) -> str:
    """``ok``, or the code of the domain error the caller is told; any other error escapes."""
    try:
        service(**arguments)
    except DomainError as exc:
        return exc.code
    return "ok"


def test_edits_submits_and_catalogue_changes_at_once_never_deadlock(org, tools):
    # Given three use cases of one team that use the same catalogue tool
    tool = tools["Cloud-Modell-API (EU)"]
    governance = org.role_holders["ai_governance"]
    ids = [
        usecases.usecase_create(
            actor=org.member,
            title=f"Fall {n}",
            summary="Belege",
            unit=org.team,
            owner=org.member,
            tools=[tool],
            submit=bool(n % 2),
            **COMPLETE_FACTS,
        ).pk
        for n in range(USECASES)
    ]

    def editor(number: int) -> Callable[[], list[str]]:
        def work() -> list[str]:
            outcomes = []
            for round_ in range(ROUNDS):
                usecase = UseCase.objects.get(pk=ids[(number + round_) % USECASES])
                if usecase.status == Status.DRAFT and round_ % 3 == 2:
                    outcomes.append(_outcome(decision_services.usecase_submit, actor=org.member, usecase=usecase))
                else:
                    personal = "personal" if (number + round_) % 2 else "none"
                    outcomes.append(
                        _outcome(
                            usecases.usecase_update,
                            actor=org.member,
                            usecase=usecase,
                            title=f"Fall {number}-{round_}",
                            personal_data=personal,
                        )
                    )
            return outcomes

        return work

    def maintainer() -> list[str]:
        outcomes = []
        for round_ in range(2 * ROUNDS):
            current = type(tool).objects.get(pk=tool.pk)
            outcomes.append(
                _outcome(
                    catalog.tool_update,
                    actor=governance,
                    tool=current,
                    status="not_allowed" if round_ % 2 else "approved",
                )
            )
        return outcomes

    # When four editors and a catalogue maintainer write at the same moment, each in its own connection
    outcomes = _run_together([*(editor(n) for n in range(EDITORS)), maintainer])

    # Then every call succeeded or was told a documented domain reason; no database error escaped
    counts = Counter(outcomes)
    assert sum(counts.values()) == (EDITORS + 2) * ROUNDS
    assert set(counts) <= {"ok", "state"}, counts
    assert counts["ok"] >= EDITORS * ROUNDS  # only a submit of an already submitted use case is refused
    # And the audit chain is whole
    assert verify().ok
