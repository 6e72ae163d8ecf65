"""``leitplanke audit verify`` and ``audit head``: an intact chain passes, every kind of tampering is named."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from leitplanke.audit import chain
from leitplanke.audit.models import Event

from .support import HISTORY_LENGTH, run_sql, swap_content, swap_seq


def audit(*args: str) -> str:
    """Run ``audit <args>`` in-process and return what it printed."""
    out = StringIO()
    call_command("audit", *args, stdout=out, stderr=StringIO())
    return out.getvalue().strip()


def test_verify_passes_on_an_intact_chain(history):
    # Given 20 events written by the services
    # When the chain is verified
    output = audit("verify")
    # Then it reports all of them intact, up to the newest
    assert f"Audit trail intact: {HISTORY_LENGTH} events, head {HISTORY_LENGTH}:{history[-1].hash}" in output


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("action", "org.role.revoked"),
        ('"after"', '{"username": "mallory", "display_name": "Mallory", "is_active": true}'),
        ("object_label", "Someone else"),
        ("actor_label", "system"),
        ("request_id", "forged"),
    ],
    ids=["action", "after", "object_label", "actor_label", "request_id"],
)
def test_verify_names_an_event_edited_by_raw_sql(history, attacker, column, value):
    # Given event #7 edited in place by raw SQL
    run_sql(f"UPDATE audit_event SET {column} = %s WHERE seq = 7", [value])
    # When the chain is verified
    # Then it fails at event #7 and says it was altered
    with pytest.raises(CommandError, match=r"BROKEN at event #7: event #7 was altered"):
        audit("verify")


def test_verify_names_an_event_deleted_by_raw_sql(history, attacker):
    # Given event #7 deleted by raw SQL
    run_sql("DELETE FROM audit_event WHERE seq = 7")
    # When the chain is verified
    # Then it names the missing sequence number
    with pytest.raises(CommandError, match=r"BROKEN at event #7: event #7 is missing \(the next event found is #8\)"):
        audit("verify")


def test_verify_names_the_first_of_two_events_whose_places_were_swapped(history, attacker):
    # Given events #5 and #6 that exchanged their sequence numbers
    swap_seq(5, 6)
    # When the chain is verified
    # Then it fails at #5, which no longer follows #4
    with pytest.raises(CommandError, match=r"BROKEN at event #5: event #5 does not follow event #4"):
        audit("verify")


def test_verify_names_the_first_of_two_events_whose_contents_were_swapped(history, attacker):
    # Given events #5 and #6 that exchanged what they say but kept their hashes
    swap_content(5, 6)
    # When the chain is verified
    # Then it fails at #5
    with pytest.raises(CommandError, match=r"BROKEN at event #5: event #5 was altered"):
        audit("verify")


def test_verify_alone_cannot_see_a_cut_off_tail(history, attacker):
    # Given the last three events deleted
    run_sql("DELETE FROM audit_event WHERE seq > %s", [HISTORY_LENGTH - 3])
    # When the chain is verified without a recorded head
    output = audit("verify")
    # Then what is left is a valid chain
    assert f"Audit trail intact: {HISTORY_LENGTH - 3} events" in output


def test_verify_with_the_recorded_head_reports_a_cut_off_tail(history, attacker):
    # Given the head printed while the log was whole, and then the last three events deleted
    head = audit("head")
    run_sql("DELETE FROM audit_event WHERE seq > %s", [HISTORY_LENGTH - 3])
    # When the chain is verified against that head
    # Then it fails right after the new end and says events at the end were removed
    with pytest.raises(
        CommandError,
        match=rf"BROKEN at event #{HISTORY_LENGTH - 2}: the log ends at event #{HISTORY_LENGTH - 3}, "
        rf"but the recorded head is event #{HISTORY_LENGTH}: events at the end were removed",
    ):
        audit("verify", "--head", head)


def test_verify_with_the_recorded_head_reports_a_rewritten_chain(history, attacker):
    # Given the recorded head, then event #7 edited and every later hash recomputed to match
    head = audit("head")
    Event.objects.filter(seq=7).update(action="org.role.revoked")
    prev_hash = Event.objects.get(seq=6).hash
    for event in Event.objects.filter(seq__gte=7).order_by("seq"):
        fields = {f: getattr(event, f) for f in chain_fields()}
        digest = chain.event_hash(**{**fields, "prev_hash": prev_hash})
        Event.objects.filter(pk=event.pk).update(prev_hash=prev_hash, hash=digest)
        prev_hash = digest
    assert "Audit trail intact" in audit("verify"), "the rewrite should fool a check without the head"
    # When the chain is verified against the recorded head
    # Then the newest event does not match it
    with pytest.raises(
        CommandError, match=rf"BROKEN at event #{HISTORY_LENGTH}: .*does not match the recorded head hash"
    ):
        audit("verify", "--head", head)


def test_verify_with_the_current_head_passes(history):
    # Given the head of an intact log
    head = audit("head")
    # When the chain is verified against it
    output = audit("verify", f"--head={head}")
    # Then it passes
    assert output.startswith(f"Audit trail intact: {HISTORY_LENGTH} events")


@pytest.mark.parametrize(
    "bad_head",
    ["", "20", "twenty:" + "a" * 64, "20:" + "a" * 63, "20:" + "g" * 64, "-1:" + "0" * 64, "20;" + "a" * 64],
    ids=["empty", "no-hash", "seq-not-a-number", "short-hash", "not-hex", "negative", "wrong-separator"],
)
def test_verify_explains_a_malformed_head(db, bad_head):
    # Given a --head that is not SEQ:HASH
    # When the chain is verified with it
    # Then the command refuses with an example of the right format
    with pytest.raises(CommandError, match=r"--head must look like SEQ:HASH, e\.g\. 42:<64 hex digits>"):
        audit("verify", f"--head={bad_head}")


def test_head_of_an_empty_log_is_zero_and_the_genesis_hash(db):
    # Given no events at all
    # When the head is printed
    output = audit("head")
    # Then it is event 0 with the all-zero genesis hash
    assert output == "0:" + "0" * 64


def test_head_names_the_newest_event(history):
    # Given 20 events
    # When the head is printed
    output = audit("head")
    # Then it is the newest event's number and hash
    assert output == f"{HISTORY_LENGTH}:{history[-1].hash}"


def chain_fields() -> list[str]:
    """The event attributes ``chain.event_hash`` takes, besides ``prev_hash``."""
    return [
        "seq",
        "created_at",
        "actor_id",
        "actor_label",
        "action",
        "object_type",
        "object_id",
        "object_label",
        "before",
        "after",
        "request_id",
    ]
