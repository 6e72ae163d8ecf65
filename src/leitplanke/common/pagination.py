"""Pagination that stays fast on very large tables."""

from __future__ import annotations

from functools import cached_property

from django.core.paginator import Paginator


class CappedPaginator(Paginator):
    """A paginator that counts at most ``cap`` rows.

    Counting every matching row of a table with 100,000 use cases costs more than the page
    itself; beyond ``cap`` the exact number helps nobody (they filter instead). ``capped`` says
    that there are more rows than ``count``; the last reachable page is the one holding row ``cap``.
    """

    def __init__(self, *args: object, cap: int = 1000, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.cap = cap

    @cached_property
    def _limited_count(self) -> int:
        # COUNT(*) over a LIMITed, unordered subquery: the database stops after cap + 1 matches.
        return self.object_list.order_by()[: self.cap + 1].count()  # type: ignore[attr-defined]

    @cached_property
    def count(self) -> int:
        """The number of rows, but at most ``cap``."""
        return min(self._limited_count, self.cap)

    @cached_property
    def capped(self) -> bool:
        """Whether there are more rows than ``count`` says."""
        return self._limited_count > self.cap
