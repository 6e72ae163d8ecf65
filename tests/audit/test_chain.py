"""The hash: deterministic, covering every stored field; snapshots survive the database unchanged."""

from __future__ import annotations

import inspect
import json
import uuid
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.db import connection, transaction
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from leitplanke.audit import chain
from leitplanke.audit.models import Event
from leitplanke.audit.services import event_record, verify

from ..profiles import examples

# No example database: nothing is written into the working tree.
pure = settings(database=None)
on_database = settings(
    database=None,
    max_examples=examples(60),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)

# Text that can be stored: valid UTF-8 (no lone surrogates), and no U+0000, which jsonb cannot hold.
plain_text = st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=20)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | plain_text,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(plain_text, inner, max_size=4),
    max_leaves=12,
)
snapshots = st.none() | st.dictionaries(plain_text, json_values, max_size=5)
moments = st.datetimes(
    min_value=datetime(2000, 1, 1),  # noqa: DTZ001 - bounds of a strategy that adds time zones
    max_value=datetime(2100, 1, 1),  # noqa: DTZ001
    timezones=st.sampled_from([UTC, ZoneInfo("Europe/Berlin"), timezone(timedelta(hours=-5, minutes=-30))]),
)
hex_hashes = st.text("0123456789abcdef", min_size=64, max_size=64)
FIELD_VALUES: dict[str, st.SearchStrategy[Any]] = {
    "seq": st.integers(min_value=1, max_value=2**63 - 1),
    "created_at": moments,
    "actor_id": st.none() | st.integers(min_value=1, max_value=2**63 - 1),
    "actor_label": plain_text,
    "action": plain_text,
    "object_type": plain_text,
    "object_id": plain_text,
    "object_label": plain_text,
    "before": snapshots,
    "after": snapshots,
    "request_id": plain_text,
    "prev_hash": hex_hashes,
}
events = st.fixed_dictionaries(FIELD_VALUES)


def as_hashed(field: str, value: Any) -> str:
    """How a field's value enters the hash, to tell values apart that the hash must tell apart."""
    if field == "created_at":
        return chain.canonical_time(value)
    return json.dumps(value, sort_keys=True)


def test_every_stored_field_except_the_hash_itself_is_hashed():
    # Given the event model and the hash function
    stored = {field.attname for field in Event._meta.concrete_fields} - {"id", "hash"}
    # When the hash function's inputs are listed
    hashed = set(inspect.signature(chain.event_hash).parameters)
    # Then they are exactly the stored fields (a new field must be added to the hash)
    assert hashed == stored


@pure
@given(event=events, data=st.data())
def test_changing_any_single_field_changes_the_hash(event, data):
    # Given an event and one of its fields with a different value
    field = data.draw(st.sampled_from(sorted(FIELD_VALUES)), label="field")
    new_value = data.draw(FIELD_VALUES[field], label="new value")
    assume(as_hashed(field, new_value) != as_hashed(field, event[field]))
    # When both versions are hashed
    original = chain.event_hash(**event)
    changed = chain.event_hash(**{**event, field: new_value})
    # Then the hashes differ
    assert changed != original


@pure
@given(event=events)
def test_the_hash_is_a_sha256_hex_digest(event):
    # Given any event
    # When it is hashed
    digest = chain.event_hash(**event)
    # Then the result has the shape stored in the hash column
    assert len(digest) == 64
    assert set(digest) <= set("0123456789abcdef")


@pure
@given(event=events, zone=st.sampled_from([UTC, ZoneInfo("Asia/Tokyo"), timezone(timedelta(hours=3))]))
def test_the_same_content_always_gives_the_same_hash(event, zone):
    # Given the same event once more, with snapshot keys in reverse order and the time in another zone
    def reversed_keys(value: Any) -> Any:
        if isinstance(value, dict):
            return {key: reversed_keys(value[key]) for key in reversed(list(value))}
        if isinstance(value, list):
            return [reversed_keys(item) for item in value]
        return value

    same = {
        **event,
        "created_at": event["created_at"].astimezone(zone),
        "before": reversed_keys(event["before"]),
        "after": reversed_keys(event["after"]),
    }
    # When both are hashed
    # Then the hashes are equal
    assert chain.event_hash(**same) == chain.event_hash(**event)


def test_a_snapshot_with_rich_python_values_reads_back_as_recorded_and_verifies(db):
    # Given a snapshot with nested dicts, unicode, decimals, dates, times and ids
    snapshot = {
        "name": 'Größenänderung — 日本語 🚦 "quoted" \\ backslash',
        "budget": Decimal("1234.50"),
        "due": date(2026, 3, 1),
        "decided_at": datetime(2026, 3, 1, 9, 30, 15, 123456, tzinfo=ZoneInfo("Europe/Berlin")),
        "id": uuid.UUID("12345678-1234-5678-1234-567812345678"),
        "nested": {"levels": [1, 2.5, None, True, {"deeper": {"ß": ["ä", "ö", "ü"]}}], "empty": {}},
    }
    # When it is recorded and read back from the database
    recorded = event_record(actor=None, action="test.rich", object_type="test.rich", after=snapshot)
    stored = Event.objects.get(pk=recorded.pk)
    # Then it reads back exactly as recorded, in plain JSON values
    assert (
        stored.after
        == recorded.after
        == {
            "name": 'Größenänderung — 日本語 🚦 "quoted" \\ backslash',
            "budget": "1234.50",
            "due": "2026-03-01",
            "decided_at": "2026-03-01T09:30:15.123+01:00",
            "id": "12345678-1234-5678-1234-567812345678",
            "nested": {"levels": [1, 2.5, None, True, {"deeper": {"ß": ["ä", "ö", "ü"]}}], "empty": {}},
        }
    )
    # And the chain verifies
    assert verify().ok


@on_database
@given(snapshot=st.dictionaries(plain_text, json_values, max_size=5))
@example(snapshot={"large": 1e16, "huge": 1.5e300, "small": 1e-7})
@example(snapshot={"negative zero": -0.0})
@example(snapshot={"big int": 2**70, "float": 0.1 + 0.2, "integral float": 3.0})
def test_any_json_snapshot_survives_the_database_so_the_chain_verifies(db, snapshot):
    # Given any JSON snapshot
    with transaction.atomic():
        # When it is recorded and read back from the real database
        event_record(actor=None, action="test.json", object_type="test.json", before=snapshot, after=snapshot)
        # Then the hash recomputed from what the database returns still matches
        result = verify()
        assert result.ok, f"{connection.vendor}: {result.problem}"
        transaction.set_rollback(True)  # each example starts from an empty log
