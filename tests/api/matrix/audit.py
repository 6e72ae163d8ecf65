"""Matrix rows of ``/api/v1/audit``.

The audit trail is for auditors and administrators (``org.selectors.can_read_audit_trail``); for
everybody else it does not exist (404), as the audit log page.
"""

from __future__ import annotations

from . import Call, Operation, everyone

#: Auditors and administrators read the trail; the others hear 404.
READERS = everyone(404, auditor=200, administrator=200)

OPERATIONS = [
    Operation("GET", "/api/v1/audit/events", READERS, lambda world: Call("/api/v1/audit/events?order=seq")),
    # The world's memberships and roles were recorded, so event #1 exists.
    Operation("GET", "/api/v1/audit/events/{seq}", READERS, lambda world: Call("/api/v1/audit/events/1")),
    Operation("GET", "/api/v1/audit/verify", READERS, lambda world: Call("/api/v1/audit/verify")),
]
