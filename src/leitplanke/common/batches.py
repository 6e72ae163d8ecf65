"""Long writes in short transactions, so that other writers wait milliseconds, not minutes.

SQLite has one write lock for the whole database; PostgreSQL writes take the audit chain's lock
first (:mod:`leitplanke.common.transactions`). A write that runs for minutes in one transaction (an
import of 10,000 use cases) makes every other writer wait for minutes, and on SQLite give up after
the busy timeout. :func:`batched` cuts such a write into slices that the caller writes each in its
own transaction: the slices grow or shrink so that one takes about :data:`BATCH_SECONDS`, and on
SQLite the writer pauses for :data:`SQLITE_PAUSE` after each, long enough for a waiting writer (whose
busy handler looks again every 100 ms at most) to take its turn. Called inside a transaction that
is already open, the slices are savepoints of it and nobody else can write in between: then it
does not pause.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence

from django.db import connection

#: Seconds of work one transaction of a batched write aims at.
BATCH_SECONDS = 0.25
#: Items of the first batch, before the time per item is known, and of any batch at most.
FIRST_BATCH = 20
MAX_BATCH = 1000
#: Seconds a batched writer waits after each transaction on SQLite, so that waiting writers get the lock.
SQLITE_PAUSE = 0.12


def batched[T](items: Sequence[T], *, seconds: float | None = None) -> Iterator[Sequence[T]]:
    """``items`` in consecutive slices, each meant to be written in one transaction by the caller.

    The time the caller spends on a slice sets the size of the next one, so each takes about
    ``seconds`` (default :data:`BATCH_SECONDS`).
    """
    target = BATCH_SECONDS if seconds is None else seconds
    size, start = min(FIRST_BATCH, MAX_BATCH), 0
    while start < len(items):
        chunk = items[start : start + size]
        began = time.monotonic()
        yield chunk
        per_item = (time.monotonic() - began) / len(chunk)
        start += len(chunk)
        size = MAX_BATCH if per_item <= 0 else max(1, min(MAX_BATCH, int(target / per_item)))
        if start < len(items) and connection.vendor == "sqlite" and not connection.in_atomic_block:
            time.sleep(SQLITE_PAUSE)  # inside a caller's transaction the lock stays held: no use waiting
