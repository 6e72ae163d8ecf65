"""A progress bar for long commands, drawn on a text stream (the command's standard error)."""

from __future__ import annotations

import time
from collections.abc import Callable


class ProgressBar:
    """Called with (done, total); redraws one line at most ten times a second, and at the end.

    ``write`` writes text as it is (no line ending added) and flushes.
    """

    def __init__(self, write: Callable[[str], object], *, label: str = "", width: int = 30) -> None:
        self.write = write
        self.label = label
        self.width = width
        self.started = time.monotonic()
        self._drawn = 0.0

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        finished = done >= total
        if not finished and now - self._drawn < 0.1:
            return
        self._drawn = now
        share = done / total if total else 1.0
        filled = int(share * self.width)
        bar = "#" * filled + "-" * (self.width - filled)
        elapsed = now - self.started
        line = f"\r{self.label}[{bar}] {done}/{total} {share:4.0%} {elapsed:5.1f}s"
        self.write(line + ("\n" if finished else ""))
