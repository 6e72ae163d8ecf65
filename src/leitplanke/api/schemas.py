"""Schemas shared by every router: the problem document and the page envelope."""

from __future__ import annotations

from ninja import Schema


class FieldError(Schema):
    """One invalid value: where it is (``query.limit``, ``body.title``), what is wrong, a stable code."""

    field: str
    message: str
    code: str


class ProblemOut(Schema):
    """An RFC 9457 problem document (``application/problem+json``)."""

    type: str
    title: str
    status: int
    code: str
    detail: str | None = None
    errors: list[FieldError] | None = None
