"""The audit trail of the demo company: intact after `leitplanke demo`, and each attack is named."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from leitplanke.audit.models import Event

from .support import run_sql, swap_seq


@pytest.fixture
def demo(demo_company) -> int:
    """The demo company, loaded through the services (once for this module); returns the number of events."""
    return Event.objects.count()


def _verify() -> str:
    out = StringIO()
    call_command("audit", "verify", stdout=out)
    return out.getvalue()


def test_the_demo_leaves_an_intact_chain(demo) -> None:
    assert f"Audit trail intact: {demo} events" in _verify()


@pytest.mark.parametrize(
    ("attack", "named"),
    [
        (
            lambda middle: run_sql("UPDATE audit_event SET object_label = 'Mallory' WHERE seq = %s", [middle]),
            "event #{m} was altered",
        ),
        (lambda middle: run_sql("DELETE FROM audit_event WHERE seq = %s", [middle]), "event #{m} is missing"),
        (lambda middle: swap_seq(middle, middle + 1), "event #{m} does not follow"),
    ],
    ids=["one-row-edited", "one-row-deleted", "two-rows-swapped"],
)
def test_each_attack_on_the_demo_trail_is_named(demo, attacker, attack, named) -> None:
    middle = demo // 2
    attack(middle)

    with pytest.raises(CommandError, match=f"BROKEN at event #{middle}: " + named.format(m=middle)):
        _verify()
