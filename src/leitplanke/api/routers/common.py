"""Pieces the routers share: text the database can hold, field paths of domain errors, If-Match on POST."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Annotated, Any, overload

from django.db.models import Model, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Schema
from pydantic import AfterValidator

from leitplanke.accounts.models import User
from leitplanke.common.errors import Conflict, DomainError, NotFound, PermissionDenied
from leitplanke.org.models import OrgUnit
from leitplanke.org.selectors import units_visible_to

from ..concurrency import require_current
from ..schemas import ProblemOut

#: Rows per page unless the caller asks for another ``limit``, and the most a page holds.
DEFAULT_LIMIT = 50
MAX_LIMIT = 100
#: A list reaches at most this many rows (and counts at most this many); filters narrow it down.
MAX_REACHABLE = 10_000


def capped_page(rows: QuerySet[Any], *, limit: int, offset: int, item: Callable[[Any], Any]) -> dict[str, Any]:
    """One page of ``rows`` as ``item`` shows each, with a count that stops at ``MAX_REACHABLE``.

    ``count_capped`` tells the caller that more match than were counted. The count is a COUNT over
    a LIMITed subquery, so the database stops after ``MAX_REACHABLE + 1`` matches however many
    there are.
    """
    reachable = rows.order_by()[: MAX_REACHABLE + 1].count()
    return {
        "items": [item(row) for row in rows[offset : offset + limit]],
        "count": min(reachable, MAX_REACHABLE),
        "count_capped": reachable > MAX_REACHABLE,
        "limit": limit,
        "offset": offset,
    }


def problems(*statuses: int) -> dict[int, type[ProblemOut]]:
    """The problem answers of an operation for its ``response=`` (``{**problems(401, 404)}``)."""
    return dict.fromkeys(statuses, ProblemOut)


def max_length(model: type[Model], field: str) -> int:
    """The model field's length, so that the schema documents the limit the database has."""
    length = getattr(model._meta.get_field(field), "max_length", None)
    if length is None:
        raise ValueError(f"{model.__name__}.{field} has no max_length")
    return int(length)


def _no_nul(value: str) -> str:
    # PostgreSQL cannot store NUL characters: refuse them as invalid input, never a server error.
    if "\x00" in value:
        raise ValueError(_("The text must not contain NUL characters."))
    return value


#: Text from the caller, as the database can store it.
Text = Annotated[str, AfterValidator(_no_nul)]


@contextmanager
def body_fields(nested: Mapping[str, str] | None = None) -> Iterator[None]:
    """A service's error on a field names the body's field (``body.code``), like a validation error.

    ``nested`` maps a service field to another place in the body (``{"name": "body.new_tool.name"}``).
    """
    try:
        yield
    except (NotFound, PermissionDenied, Conflict):
        raise
    except DomainError as exc:
        if not exc.field or exc.field.startswith(("body.", "query.", "path.")):
            raise
        place = (nested or {}).get(exc.field, f"body.{exc.field}")
        raise DomainError(exc.message, field=place, code=exc.code) from exc


def honour_if_match(request: HttpRequest, *, pk: int, version: int, payload: Schema) -> None:
    """POST actions on an object: ``If-Match``, when sent, must name the current tag (412 when stale)."""
    if "If-Match" in request.headers:
        require_current(request, pk=pk, version=version, payload=payload)


def lookup_key(value: str) -> str:
    """A code or name from the path: one the database cannot hold is simply not there."""
    if "\x00" in value:
        raise NotFound(_("Not found."))
    return value


def caller(request: HttpRequest) -> User:
    """The person the request acts for (token or session): every router requires authentication."""
    user: User = request.auth  # type: ignore[attr-defined]  # set by django-ninja's authentication
    return user


@overload
def unit_for_field(user: Any, code: str, field: str) -> OrgUnit: ...
@overload
def unit_for_field(user: Any, code: None, field: str) -> None: ...
@overload
def unit_for_field(user: Any, code: str | None, field: str) -> OrgUnit | None: ...
def unit_for_field(user: Any, code: str | None, field: str) -> OrgUnit | None:
    """The unit a body names by code (``None`` for null); an unknown code is an error on that field."""
    if code is None:
        return None
    unit = units_visible_to(user).filter(code=code).first()
    if unit is None:
        raise DomainError(_("There is no unit with this code."), field=field, code="unknown_unit")
    return unit
