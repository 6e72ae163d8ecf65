"""Writing and checking the audit trail.

Every service in Leitplanke calls :func:`event_record` inside the transaction of its change, so a
change and its event are committed together or not at all.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.db import DatabaseError, models

from leitplanke.common import clock
from leitplanke.common.actors import Actor
from leitplanke.common.dbhealth import integrity_problems
from leitplanke.common.transactions import write_atomic

from . import chain
from .context import current_request_id
from .models import Event


def object_type_of(obj: models.Model) -> str:
    """The stable type name used in events, such as ``org.orgunit``."""
    return obj._meta.label_lower


def event_record(
    *,
    actor: Actor,
    action: str,
    target: models.Model | None = None,
    object_type: str = "",
    object_id: str = "",
    object_label: str = "",
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> Event:
    """Append one event to the chain (call it inside the transaction of the change it records).

    That transaction must have begun with :func:`~leitplanke.common.transactions.write_atomic`, which
    takes the chain's lock before any row: every writer then locks in the same order and none can
    deadlock another. Called outside a transaction, it opens its own. Appends never fork the
    chain: the lock serialises them (SQLite: BEGIN IMMEDIATE), the unique ``seq`` and
    ``prev_hash`` back it up.

    ``actor`` is the user who acted, or ``None`` for the system (commands, jobs). ``target`` is
    the changed object; ``object_type``/``object_id``/``object_label`` override or replace it.
    """
    if target is not None:
        object_type = object_type or object_type_of(target)
        object_id = object_id or str(target.pk)
        object_label = object_label or str(target)
    if not action or not object_type:
        raise ValueError("An audit event needs an action and an object type.")
    if len(action) > 100 or len(object_type) > 100:
        raise ValueError("Audit actions and object types are codes of at most 100 characters.")
    actor_id = actor.pk if actor is not None and getattr(actor, "pk", None) else None
    actor_label = str(actor) if actor_id else "system"
    before_json = chain.to_json_value(before)
    after_json = chain.to_json_value(after)
    request_id = current_request_id.get()
    with write_atomic():
        head = Event.objects.order_by("-seq").values_list("seq", "hash").first()
        seq, prev_hash = (head[0] + 1, head[1]) if head else (1, chain.GENESIS_HASH)
        created_at = clock.now()  # the time the change's rows carry (the demo replays history)
        fields = {
            "seq": seq,
            "created_at": created_at,
            "actor_label": actor_label[:200],
            "action": action,
            "object_type": object_type,
            "object_id": object_id[:64],
            "object_label": object_label[:300],
            "before": before_json,
            "after": after_json,
            "request_id": request_id,
            "prev_hash": prev_hash,
        }
        digest = chain.event_hash(actor_id=actor_id, **fields)
        return Event.objects.create(actor_id=actor_id, hash=digest, **fields)


@dataclass(frozen=True)
class ChainProblem:
    """The first place where the chain does not hold."""

    seq: int
    reason: str


@dataclass(frozen=True)
class VerifyResult:
    """What ``audit verify`` found: how many events were checked, the head, the first problem."""

    checked: int
    head_seq: int
    head_hash: str
    problem: ChainProblem | None
    #: False when the event table itself could not be read or is damaged: then nothing is proven.
    readable: bool = True

    @property
    def ok(self) -> bool:
        return self.problem is None


def chain_head() -> tuple[int, str]:
    """The newest event's sequence number and hash (``(0, GENESIS_HASH)`` for an empty log)."""
    head = Event.objects.order_by("-seq").values_list("seq", "hash").first()
    return (head[0], head[1]) if head else (0, chain.GENESIS_HASH)


_HEAD = re.compile(r"^(\d+):([0-9a-f]{64})$")


def parse_head(text: str) -> tuple[int, str] | None:
    """A head as ``chain_head`` gives it, from its ``SEQ:HASH`` spelling (None if it is not one)."""
    match = _HEAD.match(text.strip().lower())
    return (int(match.group(1)), match.group(2)) if match else None


def verify(*, expected_head: tuple[int, str] | None = None) -> VerifyResult:
    """Recompute the whole chain; report the first altered, missing or misplaced event.

    With ``expected_head`` (a sequence number and hash kept outside the database) a chain whose
    newest events were cut off is caught too. A damaged or unreadable event table is reported as
    such (``readable`` false): a damaged table can hand out fewer rows without any error, so the
    database's own check of the table comes first.
    """
    problems = integrity_problems(table=Event._meta.db_table)
    if problems:
        return _unreadable("; ".join(problems[:3]))
    try:
        return _verify_rows(expected_head)
    except DatabaseError as exc:
        return _unreadable(str(exc))


def _unreadable(reason: str) -> VerifyResult:
    return VerifyResult(
        checked=0, head_seq=0, head_hash="", readable=False,
        problem=ChainProblem(0, f"the audit trail cannot be read, the database is damaged: {reason}"),
    )  # fmt: skip


def _verify_rows(expected_head: tuple[int, str] | None) -> VerifyResult:
    """Recompute the chain from the rows (see :func:`verify`)."""
    fields = (
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
        "prev_hash",
        "hash",
    )
    expected_seq = 1
    prev_hash = chain.GENESIS_HASH
    checked = 0
    problem: ChainProblem | None = None
    expected_head_hash_seen: str | None = None
    rows = Event.objects.order_by("seq").values_list(*fields).iterator(chunk_size=2000)
    for row in rows:
        values = dict(zip(fields, row, strict=True))
        seq, stored_hash = values.pop("seq"), values.pop("hash")
        if seq != expected_seq:
            problem = ChainProblem(
                expected_seq,
                f"event #{expected_seq} is missing (the next event found is #{seq})",
            )
            break
        if values["prev_hash"] != prev_hash:
            problem = ChainProblem(
                seq,
                f"event #{seq} does not follow event #{seq - 1}: events were removed or reordered",
            )
            break
        if chain.event_hash(seq=seq, **values) != stored_hash:
            problem = ChainProblem(seq, f"event #{seq} was altered: its content does not match its hash")
            break
        if expected_head is not None and seq == expected_head[0]:
            expected_head_hash_seen = stored_hash
        prev_hash = stored_hash
        expected_seq += 1
        checked += 1
    head_seq = expected_seq - 1
    if problem is None and expected_head is not None:
        want_seq, want_hash = expected_head
        if head_seq < want_seq:
            problem = ChainProblem(
                head_seq + 1,
                f"the log ends at event #{head_seq}, but the recorded head is event #{want_seq}: "
                "events at the end were removed",
            )
        elif want_seq == 0:
            if want_hash != chain.GENESIS_HASH:
                problem = ChainProblem(0, "the recorded head is not a valid head of an empty log")
        elif expected_head_hash_seen != want_hash:
            problem = ChainProblem(want_seq, f"event #{want_seq} does not match the recorded head hash")
    return VerifyResult(checked=checked, head_seq=head_seq, head_hash=prev_hash, problem=problem)
