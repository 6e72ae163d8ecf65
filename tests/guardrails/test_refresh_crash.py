"""``leitplanke policy refresh`` killed half-way leaves no audit event without its verdict.

The refresh writes its verdicts chunk by chunk, each chunk in one transaction with its audit
events. The test starts the real command as its own process on the test database, kills it with
SIGKILL once the first chunk has committed, and checks what a crash leaves: whole chunks, each
verdict event with the verdict it reports, a valid audit chain, and a second refresh that
completes the rest without recording anything twice.
"""

from __future__ import annotations

import signal
import subprocess
import time
from collections import Counter
from typing import Any

import pytest
from django.core.management import call_command

from leitplanke.audit.models import Event
from leitplanke.audit.services import verify
from leitplanke.guardrails import services as guardrails
from leitplanke.guardrails.models import Verdict
from leitplanke.usecases import services as usecases
from leitplanke.usecases.models import UseCase

from ..audit.support import child_env, leitplanke_executable
from ..usecases.conftest import COMPLETE_FACTS

pytestmark = pytest.mark.django_db(transaction=True)

#: Use cases without a verdict (as after a restore or a bulk load): two chunks of the refresh and a bit.
USECASES = 2200
VERDICT_EVENTS = ("guardrails.verdict.recorded", "guardrails.verdict.changed")
DEADLINE = 120  # seconds; a refresh that never commits its first chunk fails the test instead of hanging it
OUTCOME = ("risk_class", "decision", "reviews", "obligations")


def portfolio_without_verdicts(org: Any) -> list[int]:
    """One use case registered through the service (with its verdict), and copies of it without one."""
    first = usecases.usecase_create(
        actor=org.member,
        title="Rechnungen klassifizieren",
        summary="Eingangsrechnungen werden vorkontiert.",
        unit=org.team,
        owner=org.member,
        **COMPLETE_FACTS,
    )
    fields = [field.attname for field in UseCase._meta.concrete_fields if not field.primary_key]
    values = {name: getattr(first, name) for name in fields}
    UseCase.objects.bulk_create(
        [UseCase(**{**values, "title": f"Rechnungen klassifizieren {n}"}) for n in range(1, USECASES)],
        batch_size=1000,
    )
    return list(UseCase.objects.values_list("pk", flat=True))


def start_refresh() -> subprocess.Popen[str]:
    return subprocess.Popen(
        [*leitplanke_executable(), "policy", "refresh"],
        env=child_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def kill_after_first_chunk(refresh: subprocess.Popen[str], events_before: int) -> None:
    """Poll the audit table from this process; SIGKILL the refresh as soon as it grew."""
    deadline = time.monotonic() + DEADLINE
    while Event.objects.count() == events_before:
        if refresh.poll() is not None:
            _, stderr = refresh.communicate()
            pytest.fail(f"the refresh ended (exit {refresh.returncode}) before its first chunk committed:\n{stderr}")
        if time.monotonic() > deadline:
            refresh.kill()
            refresh.communicate()
            pytest.fail(f"the refresh committed nothing within {DEADLINE}s")
        time.sleep(0.01)
    refresh.send_signal(signal.SIGKILL)
    refresh.communicate(timeout=30)


def verdict_events() -> dict[int, Event]:
    """The newest verdict event of every use case that has one."""
    newest: dict[int, Event] = {}
    for event in Event.objects.filter(action__in=VERDICT_EVENTS).order_by("seq"):
        newest[int(event.object_id)] = event
    return newest


def assert_every_verdict_event_has_its_verdict() -> None:
    verdicts = {verdict.usecase_id: verdict for verdict in Verdict.objects.all()}
    for usecase_id, event in verdict_events().items():
        verdict = verdicts.get(usecase_id)
        assert verdict is not None, f"event #{event.seq} ({event.action}): use case {usecase_id} has no verdict"
        stored = {key: verdict.summary[key] for key in OUTCOME}
        assert {key: event.after[key] for key in OUTCOME} == stored, f"event #{event.seq} disagrees with its verdict"


def test_a_refresh_killed_half_way_leaves_whole_chunks_and_the_next_one_completes_it(org) -> None:
    # Given an active bundle and thousands of use cases without a verdict
    guardrails.bundle_ensure_active()
    ids = portfolio_without_verdicts(org)
    events_before = Event.objects.count()

    # When `leitplanke policy refresh` is killed with SIGKILL after its first chunk committed
    refresh = start_refresh()
    kill_after_first_chunk(refresh, events_before)

    # Then it stopped half-way, and every verdict event it left has the verdict it reports
    assert refresh.returncode == -signal.SIGKILL
    evaluated = Verdict.objects.count()
    assert 0 < evaluated < len(ids), f"{evaluated} of {len(ids)} evaluated: the kill did not come half-way"
    assert len(verdict_events()) == evaluated
    assert_every_verdict_event_has_its_verdict()
    result = verify()
    assert result.ok, result.problem

    # And a second refresh evaluates the rest, recording each use case's first verdict exactly once
    call_command("policy", "refresh", verbosity=0)
    assert Verdict.objects.count() == len(ids)
    recorded = Counter(Event.objects.filter(action="guardrails.verdict.recorded").values_list("object_id", flat=True))
    assert recorded == Counter({str(pk): 1 for pk in ids})
    assert_every_verdict_event_has_its_verdict()
    result = verify()
    assert result.ok, result.problem
