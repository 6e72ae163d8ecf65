"""The real ``leitplanke audit`` command, run as its own OS process on the committed test database."""

from __future__ import annotations

import re

import pytest

from .support import HISTORY_LENGTH, run_leitplanke, run_sql

pytestmark = pytest.mark.django_db(transaction=True)


def describe(result) -> str:
    """Everything a failing assertion should show about a finished child process."""
    return f"exit {result.returncode}\nstdout:\n{result.stdout}\nstderr:\n{result.stderr}"


def test_cli_verify_exits_zero_on_an_intact_chain(history):
    # Given 20 committed events written by the services
    # When an operator runs `leitplanke audit verify`
    result = run_leitplanke("audit", "verify")
    # Then it succeeds and reports the whole chain
    assert result.returncode == 0, describe(result)
    assert f"Audit trail intact: {HISTORY_LENGTH} events, head {HISTORY_LENGTH}:{history[-1].hash}" in result.stdout


def test_cli_verify_exits_non_zero_naming_an_edited_event(history, attacker):
    # Given event #7 edited by raw SQL and committed
    run_sql("UPDATE audit_event SET action = %s WHERE seq = 7", ["org.role.revoked"])
    # When an operator runs `leitplanke audit verify`
    result = run_leitplanke("audit", "verify")
    # Then it fails and names event #7
    assert result.returncode != 0, describe(result)
    assert "BROKEN at event #7: event #7 was altered" in result.stderr, describe(result)


def test_cli_head_kept_outside_reveals_a_cut_off_tail(history, attacker):
    # Given the head printed by `leitplanke audit head` while the log was whole
    printed = run_leitplanke("audit", "head")
    assert printed.returncode == 0, describe(printed)
    head = printed.stdout.strip()
    assert re.fullmatch(rf"{HISTORY_LENGTH}:[0-9a-f]{{64}}", head), describe(printed)
    # and the last three events deleted afterwards
    run_sql("DELETE FROM audit_event WHERE seq > %s", [HISTORY_LENGTH - 3])
    # When the chain is verified with that head
    result = run_leitplanke("audit", "verify", "--head", head)
    # Then it fails and says events at the end were removed
    assert result.returncode != 0, describe(result)
    assert "events at the end were removed" in result.stderr, describe(result)
