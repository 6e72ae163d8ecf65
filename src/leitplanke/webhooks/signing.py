"""The signature of a webhook: HMAC-SHA256 with the endpoint's secret over ``"<timestamp>.<body>"``.

The timestamp is part of what is signed, so a receiver that refuses old timestamps cannot be fed a
recorded message again later (a replay); the event id lets it drop a retry it processed already.
Plain Python, no Django: a receiver may copy :func:`verify_signature` as it is (docs/webhooks.md).
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Mapping, Sequence
from typing import Any

ID_HEADER = "Leitplanke-Webhook-Id"
TIMESTAMP_HEADER = "Leitplanke-Webhook-Timestamp"
SIGNATURE_HEADER = "Leitplanke-Webhook-Signature"
#: The version prefix of the signature; a future scheme would get ``v2=`` beside it.
SCHEME = "v1"


def _as_bytes(value: str | bytes) -> bytes:
    return value.encode("utf-8") if isinstance(value, str) else value


def signature(secret: str, timestamp: int, body: str | bytes) -> str:
    """The signature header's value: ``v1=`` and the hex HMAC-SHA256 of ``f"{timestamp}.{body}"``."""
    message = f"{int(timestamp)}.".encode("ascii") + _as_bytes(body)
    digest = hmac.new(_as_bytes(secret), message, hashlib.sha256).hexdigest()
    return f"{SCHEME}={digest}"


def signed_headers(
    secret: str | Sequence[str], event_id: str, body: str | bytes, *, timestamp: int | None = None
) -> dict[str, str]:
    """The three headers of one delivery attempt (a new timestamp, so a new signature, on each).

    With several secrets (the new and the previous one, while a rotation's grace period lasts),
    the signature header carries one signature per secret, space-separated, in their order.
    """
    timestamp = int(time.time()) if timestamp is None else int(timestamp)
    keys = [secret] if isinstance(secret, str) else list(secret)
    if not keys:
        raise ValueError("A webhook is signed with at least one secret.")
    return {
        ID_HEADER: str(event_id),
        TIMESTAMP_HEADER: str(timestamp),
        SIGNATURE_HEADER: " ".join(signature(one, timestamp, body) for one in keys),
    }


def verify_signature(
    secret: str, headers: Mapping[str, Any], body: str | bytes, tolerance: int = 300, *, now: float | None = None
) -> bool:
    """Whether ``body`` with these ``headers`` was signed with ``secret`` less than ``tolerance`` seconds ago.

    ``headers`` is any mapping of the request's headers (names in any case). Timestamps more than
    ``tolerance`` seconds old (or ahead) are refused; the signatures are compared in constant
    time. The header may carry several space-separated signatures (``v1=… v1=…``): one must match.
    """
    lowered = {str(name).lower(): str(value) for name, value in headers.items()}
    raw_timestamp = lowered.get(TIMESTAMP_HEADER.lower(), "").strip()
    if not (raw_timestamp.isascii() and raw_timestamp.isdigit()):
        return False
    timestamp = int(raw_timestamp)
    current = time.time() if now is None else now
    if abs(current - timestamp) > tolerance:
        return False
    expected = signature(secret, timestamp, body)
    offered = lowered.get(SIGNATURE_HEADER.lower(), "").split()
    return any(hmac.compare_digest(expected.encode("ascii"), candidate.encode("utf-8")) for candidate in offered)
