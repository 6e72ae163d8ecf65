"""Schemas shared by every router: the problem document and the small objects many others embed."""

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


class UnitOut(Schema):
    """The owning unit."""

    code: str
    name: str


class PersonOut(Schema):
    """A person as every signed-in colleague sees them."""

    username: str
    name: str


class ToolOut(Schema):
    """A catalogue tool the use case uses, with its catalogue status."""

    id: int
    name: str
    status: str
