"""A bundle that was not shipped is evaluated before the write lock, so a slow rule holds no other writer.

Each test records, at every request to the evaluator processes, how many atomic blocks were open
beyond the test's own: zero means the write had not opened its transaction (nor taken the lock) yet.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection

from leitplanke.decisions import services as decisions
from leitplanke.decisions.lifecycle import usecase_stage_move
from leitplanke.guardrails import evaluators, selectors, services
from leitplanke.guardrails.models import RuleBundle, Verdict
from leitplanke.usecases import services as usecases
from leitplanke.usecases.models import Stage, Status, UseCase

from ..decisions.conftest import COMPLETE_FACTS as APPROVABLE_FACTS
from ..decisions.conftest import qualified_lead
from .hostile import RULE_ID, hostile_bundle

__all__ = ["qualified_lead"]

pytestmark = pytest.mark.django_db

#: A rule of a bundle written by users: cheap, and it fires only for Marketing.
MARKETING_RULE = 'unit == "mkt"'


class Depths:
    """The atomic blocks open beyond the test's own at each request to the evaluator processes."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.base = len(connection.atomic_blocks)
        self.seen: list[int] = []
        pool = evaluators.pool()
        for name in ("outcomes", "what_if"):
            monkeypatch.setattr(pool, name, self._recording(getattr(pool, name)))

    def _recording(self, call: Any) -> Any:
        def recorded(*args: Any, **kwargs: Any) -> Any:
            self.seen.append(len(connection.atomic_blocks) - self.base)
            return call(*args, **kwargs)

        return recorded

    def take(self) -> list[int]:
        seen, self.seen = self.seen, []
        return seen


@pytest.fixture
def published(org) -> RuleBundle:
    services.bundle_publish(actor=org.role_holders["ai_governance"], files=hostile_bundle(MARKETING_RULE))
    row = RuleBundle.objects.get(active=True)
    assert not evaluators.trusted(row.digest)
    return row


def _evaluated_under_the_lock(verdict: Verdict) -> dict[str, Any]:
    """What evaluating the stored input again gives (here, with the engine the evaluator processes run)."""
    return selectors.evaluator_for(verdict.bundle).evaluate(verdict.input).summary()


def test_create_update_and_stage_move_evaluate_before_the_write_opens(
    org, make_usecase, published, qualified_lead, tools, monkeypatch
) -> None:
    depths = Depths(monkeypatch)
    # A new use case of Marketing: evaluated once, outside the transaction; the rule fired
    usecase = make_usecase(title="Kampagnentexte", unit=org.marketing)
    assert depths.take() == [0]
    verdict = Verdict.objects.get(usecase=usecase)
    assert RULE_ID in verdict.summary["fired"] and verdict.summary == _evaluated_under_the_lock(verdict)
    # a changed answer: the same
    usecases.usecase_update(actor=org.member, usecase=usecase, personal_data="pseudonymised")
    assert depths.take() == [0]
    verdict.refresh_from_db()
    assert verdict.input["facts"]["personal_data"] == "pseudonymised"
    assert verdict.summary == _evaluated_under_the_lock(verdict)
    # moved to another unit, the rule no longer fires
    usecases.usecase_update(actor=org.member, usecase=usecase, unit=org.team)
    assert depths.take() == [0]
    verdict.refresh_from_db()
    assert RULE_ID not in verdict.summary["fired"] and verdict.summary == _evaluated_under_the_lock(verdict)
    # a change the rules do not read evaluates nothing, and nothing is left prepared for the thread
    usecases.usecase_update(actor=org.member, usecase=usecase, title="Kampagnentexte für Messen")
    assert depths.take() == [] and not evaluators.preparing()
    # and an approved use case moved into the pilot is evaluated in its new stage before the transaction
    usecase = make_usecase(**APPROVABLE_FACTS, tools=[tools["Enterprise-Chat"]])
    decisions.usecase_approve(actor=qualified_lead, usecase=usecase, scope="production")
    depths.take()
    piloted = usecase_stage_move(actor=org.member, usecase=usecase, stage=Stage.PILOT)
    assert (piloted.stage, piloted.status) == (Stage.PILOT, Status.APPROVED)
    assert depths.take() == [0]
    verdict = Verdict.objects.get(usecase=usecase)
    assert verdict.input["stage"] == "pilot" and verdict.summary == _evaluated_under_the_lock(verdict)


def test_an_input_changed_between_preparation_and_write_is_evaluated_under_the_lock(
    org, make_usecase, published, monkeypatch
) -> None:
    usecase = make_usecase(title="Rechnungen klassifizieren")
    depths = Depths(monkeypatch)
    prepare = services.verdict_prepare

    def prepare_then_someone_moves_it(**kwargs: Any) -> None:
        prepare(**kwargs)
        UseCase.objects.filter(pk=usecase.pk).update(unit=org.marketing)  # another writer, in between

    monkeypatch.setattr(services, "verdict_prepare", prepare_then_someone_moves_it)
    usecases.usecase_update(actor=org.member, usecase=usecase, personal_data="pseudonymised")
    # prepared for the old unit outside, evaluated again for Marketing inside the transaction
    assert [depth == 0 for depth in depths.take()] == [True, False]
    verdict = Verdict.objects.get(usecase=usecase)
    assert verdict.input["unit"] == "mkt" and RULE_ID in verdict.summary["fired"]
    assert verdict.summary == _evaluated_under_the_lock(verdict)


def test_the_what_if_of_a_publication_runs_before_its_transaction(org, make_usecase, published, monkeypatch) -> None:
    marketing = make_usecase(title="Kampagnentexte", unit=org.marketing)
    make_usecase(title="Rechnungen klassifizieren")
    depths = Depths(monkeypatch)
    services.bundle_publish(
        actor=org.role_holders["ai_governance"], files=hostile_bundle('unit == "fin-buha"', version="2026.12.10")
    )
    assert depths.take() == [0]  # one chunk, evaluated before; under the lock only prepared outcomes
    verdict = Verdict.objects.select_related("bundle").get(usecase=marketing)
    assert verdict.bundle.version == "2026.12.10" and RULE_ID not in verdict.summary["fired"]
    assert verdict.summary == _evaluated_under_the_lock(verdict)
