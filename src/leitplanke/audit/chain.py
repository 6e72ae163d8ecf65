"""The hash chain: how an event's hash is computed from its content and its predecessor.

Pure functions, shared by the writer (``services.record``) and the checker (``services.verify``),
so both always agree on what is hashed.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder

GENESIS_HASH = "0" * 64


def _as_databases_return(value: Any) -> Any:
    """Spell numbers the way PostgreSQL's jsonb gives them back, so hashes survive the round trip.

    jsonb keeps numbers as exact decimals and prints them without an exponent or a sign on zero:
    ``1e16`` comes back as the integer ``10000000000000000`` and ``-0.0`` as ``0.0``. SQLite gives
    back the text it was given, so converting before storing makes both databases agree.
    """
    if isinstance(value, float):
        if value == 0:
            return 0.0
        spelled = repr(value)
        if "e" in spelled and abs(value) >= 1:
            return int(Decimal(spelled))
        return value
    if isinstance(value, list):
        return [_as_databases_return(item) for item in value]
    if isinstance(value, dict):
        return {key: _as_databases_return(item) for key, item in value.items()}
    return value


def to_json_value(value: Any) -> Any:
    """Turn a snapshot into plain JSON values, exactly as the database will give them back.

    NaN and infinity have no JSON spelling and are refused here (ValueError), before any write.
    """
    if value is None:
        return None
    text = json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False, allow_nan=False)
    return _as_databases_return(json.loads(text))


def canonical_time(moment: datetime) -> str:
    """The time as hashed: UTC, microsecond precision, ISO 8601."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def event_hash(
    *,
    seq: int,
    created_at: datetime,
    actor_id: int | None,
    actor_label: str,
    action: str,
    object_type: str,
    object_id: str,
    object_label: str,
    before: Any,
    after: Any,
    request_id: str,
    prev_hash: str,
) -> str:
    """SHA-256 over the canonical JSON of every stored field of an event and the previous hash."""
    content = {
        "seq": seq,
        "created_at": canonical_time(created_at),
        "actor_id": actor_id,
        "actor_label": actor_label,
        "action": action,
        "object_type": object_type,
        "object_id": object_id,
        "object_label": object_label,
        "before": before,
        "after": after,
        "request_id": request_id,
        "prev_hash": prev_hash,
    }
    payload = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()
