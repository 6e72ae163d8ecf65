"""The one way a write opens its transaction: the write lock first, then rows; bounded retries.

Every write in Leitplanke takes its locks in one global order: the write lock (the audit chain's
lock) before any row. Two writers then never hold what the other waits for, so PostgreSQL has no
deadlock to break. :func:`write_atomic` is that order, used by every service instead of
``transaction.atomic``:

- the outermost ``write_atomic`` opens the transaction and, before anything else, takes
  ``pg_advisory_xact_lock`` (held to commit or rollback). On SQLite every transaction begins with
  ``BEGIN IMMEDIATE`` (see settings), which already takes the database's write lock first;
- a ``write_atomic`` inside it is a savepoint, as ``transaction.atomic`` would be;
- one inside a plain ``transaction.atomic`` (tests, scripts) takes the lock there. On PostgreSQL it
  refuses if that transaction already wrote or locked a row: the order would be broken;
- as a decorator, the outermost call is run again (at most :data:`WRITE_ATTEMPTS` times in all)
  when the database reports a deadlock or a serialization failure. Nothing outside the database
  has happened then: e-mails, tasks and webhooks leave in ``on_commit`` hooks, after the commit.

A lock wait that lasts longer than the lock timeout (PostgreSQL ``lock_timeout``, SQLite's busy
timeout) is :func:`is_busy`: the API and the pages answer it with 503 and ``Retry-After``.
"""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Callable
from functools import wraps
from types import TracebackType
from typing import Any, overload

from django.db import DatabaseError, transaction
from django.db.backends.base.base import BaseDatabaseWrapper

logger = logging.getLogger(__name__)

#: How often a write is tried in all when the database breaks a deadlock or a serialization conflict.
WRITE_ATTEMPTS = 3
#: Seconds a client should wait before it tries again after a 503 for a busy database.
RETRY_AFTER_SECONDS = 5
#: The key of the write lock; any constant works if every process uses the same one.
WRITE_LOCK_KEY = 7_316_911_512
#: SQLSTATEs after which the whole transaction may simply run again.
_RETRYABLE = frozenset({"40001", "40P01"})  # serialization_failure, deadlock_detected
#: SQLSTATE of a lock wait that ran into ``lock_timeout``.
_LOCK_NOT_AVAILABLE = "55P03"
_MARK = "leitplanke_write_lock_block"
_random = secrets.SystemRandom()


def _sqlstate(exc: BaseException) -> str | None:
    """The SQLSTATE of a database error (psycopg keeps it on the driver's exception)."""
    for error in (exc, exc.__cause__):
        state = getattr(error, "sqlstate", None)
        if isinstance(state, str):
            return state
    return None


def is_retryable(exc: BaseException) -> bool:
    """A deadlock or serialization failure: the database rolled back, running it again is safe."""
    return isinstance(exc, DatabaseError) and _sqlstate(exc) in _RETRYABLE


def is_busy(exc: BaseException) -> bool:
    """The database could not serve the write in time: a lock timeout, SQLite's "database is
    locked", or a deadlock that came back on every attempt. Answered with 503, never 500."""
    if not isinstance(exc, DatabaseError):
        return False
    state = _sqlstate(exc)
    if state == _LOCK_NOT_AVAILABLE or state in _RETRYABLE:
        return True
    message = str(exc).lower()
    return "database is locked" in message or "database table is locked" in message


def _in_real_transaction(connection: BaseDatabaseWrapper) -> bool:
    """Whether an atomic block other than the test runner's wrapping ones is open."""
    return any(not getattr(block, "_from_testcase", False) for block in connection.atomic_blocks)


def write_lock_held(using: str | None = None) -> bool:
    """Whether the current transaction took the write lock through :func:`write_atomic`."""
    connection = transaction.get_connection(using)
    mark = getattr(connection, _MARK, None)
    return mark is not None and any(block is mark for block in connection.atomic_blocks)


def _take_write_lock(connection: BaseDatabaseWrapper, *, first: bool) -> None:
    if connection.vendor != "postgresql":
        return  # SQLite: BEGIN IMMEDIATE took the database's write lock when the transaction began
    with connection.cursor() as cursor:
        # An advisory lock assigns no transaction id: a transaction that has one wrote or locked rows.
        cursor.execute("SELECT pg_current_xact_id_if_assigned() IS NULL, pg_advisory_xact_lock(%s)", [WRITE_LOCK_KEY])
        row = cursor.fetchone()
    if (
        not first
        and row is not None
        and not row[0]
        and not any(getattr(block, "_from_testcase", False) for block in connection.atomic_blocks)
    ):
        raise RuntimeError(
            "The write lock was taken after this transaction had written or locked rows, which can "
            "deadlock: open the transaction with leitplanke.common.transactions.write_atomic()."
        )


class _WriteAtomic:
    """Context manager and decorator behind :func:`write_atomic`."""

    def __init__(self, using: str | None) -> None:
        self.using = using
        self._stack: list[tuple[transaction.Atomic, bool]] = []

    def __enter__(self) -> None:
        connection = transaction.get_connection(self.using)
        first = not _in_real_transaction(connection)
        held = write_lock_held(self.using)
        atomic = transaction.atomic(using=self.using)
        atomic.__enter__()
        marks = False
        if not held:
            try:
                _take_write_lock(connection, first=first)
            except BaseException as exc:
                atomic.__exit__(type(exc), exc, exc.__traceback__)
                raise
            setattr(connection, _MARK, connection.atomic_blocks[-1])
            marks = True
        self._stack.append((atomic, marks))

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        atomic, marks = self._stack.pop()
        connection = transaction.get_connection(self.using)
        try:
            atomic.__exit__(exc_type, exc, tb)
        finally:
            if marks:
                # A savepoint released into a transaction of ours hands the lock on to it; a
                # rollback (to the savepoint, too) or the commit ends it.
                parent = connection.atomic_blocks[-1] if connection.atomic_blocks else None
                keep = exc_type is None and parent is not None and not getattr(parent, "_from_testcase", False)
                setattr(connection, _MARK, parent if keep else None)

    def __call__[**P, R](self, func: Callable[P, R]) -> Callable[P, R]:
        using = self.using

        @wraps(func)
        def run(*args: P.args, **kwargs: P.kwargs) -> R:
            if _in_real_transaction(transaction.get_connection(using)):
                with _WriteAtomic(using):
                    return func(*args, **kwargs)
            for attempt in range(1, WRITE_ATTEMPTS + 1):
                try:
                    with _WriteAtomic(using):
                        return func(*args, **kwargs)
                except DatabaseError as exc:
                    if attempt == WRITE_ATTEMPTS or not is_retryable(exc):
                        raise
                    logger.warning(
                        "%s: %s; trying again (attempt %d of %d)",
                        func.__qualname__,
                        str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__,
                        attempt + 1,
                        WRITE_ATTEMPTS,
                    )
                    time.sleep(_random.uniform(0.02, 0.08) * attempt)
            raise AssertionError("unreachable")  # pragma: no cover - the loop returns or raises

        return run


@overload
def write_atomic[**P, R](func: Callable[P, R], /) -> Callable[P, R]: ...
@overload
def write_atomic(func: None = None, /, *, using: str | None = None) -> _WriteAtomic: ...
def write_atomic[**P, R](func: Callable[P, R] | None = None, /, *, using: str | None = None) -> Any:
    """Open a write: ``@write_atomic`` on a service, or ``with write_atomic():`` around a block.

    The outermost one takes the write lock before anything else; as a decorator it also runs the
    service again after a deadlock or serialization failure (see the module's description).
    """
    if func is not None:
        return _WriteAtomic(using)(func)
    return _WriteAtomic(using)
