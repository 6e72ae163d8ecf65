"""``/api/v1/units``: the org chart, read and maintained as on the organisation's pages.

Every signed-in person sees every unit (``org.selectors.units_visible_to``); administrators create
and change units through ``org.services``, which record the audit events. This module also mounts
``/api/v1/people`` (:mod:`.people`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from leitplanke.accounts.models import User
from leitplanke.common.errors import DomainError, NotFound
from leitplanke.common.permissions import check
from leitplanke.org import services
from leitplanke.org.models import OrgUnit, UnitKind
from leitplanke.org.selectors import in_tree_order, people_visible_to, units_visible_to

from ..concurrency import object_response, require_current
from ..schemas import PersonOut, UnitOut
from . import people
from .common import (
    DEFAULT_LIMIT,
    MAX_LIMIT,
    Text,
    body_fields,
    caller,
    lookup_key,
    max_length,
    problems,
    unit_for_field,
)

router = Router()
units = Router(tags=["org units"])


class UnitItemOut(Schema):
    """A unit as the org chart lists it."""

    code: str
    name: str
    kind: UnitKind
    parent: str | None = Field(description="The parent unit's code; null for a company.")
    depth: int = Field(description="0 for a company, 1 for the units below it, and so on.")
    lead: PersonOut | None
    deputy: PersonOut | None
    member_count: int


class UnitChildOut(Schema):
    """A sub-unit."""

    code: str
    name: str
    kind: UnitKind


class UnitDetailOut(Schema):
    """One unit: its place in the tree, lead and deputy, sub-units."""

    code: str
    name: str
    kind: UnitKind
    parent: UnitOut | None = Field(description="Null for a company.")
    lead: PersonOut | None
    deputy: PersonOut | None
    children: list[UnitChildOut] = Field(description="The units directly below, by name.")
    member_count: int
    version: int = Field(description="Counts the changes people made; the ETag contains it.")


class UnitPage(Schema):
    """One page of units in the org chart's order (each parent before its children, siblings by name)."""

    items: list[UnitItemOut]
    count: int
    limit: int
    offset: int


class UnitFilters(Schema):
    """Narrow the org chart down."""

    q: Text = Field("", max_length=200, description="A word in the unit's name or code.")
    parent: Text | None = Field(None, max_length=50, description="Only the units directly below this unit (code).")
    kind: UnitKind | None = None
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)
    offset: int = Field(0, ge=0)


class UnitCreateIn(Schema):
    """A new unit; people are given by user name, units by code."""

    code: Text = Field(max_length=max_length(OrgUnit, "code"), description="Letters, digits, - and _.")
    name: Text = Field(max_length=max_length(OrgUnit, "name"))
    kind: UnitKind
    parent: Text | None = Field(None, max_length=50, description="Code of the parent unit; null for a company.")
    lead: Text | None = Field(None, max_length=max_length(User, "username"), description="User name of the lead.")
    deputy: Text | None = Field(None, max_length=max_length(User, "username"), description="User name.")


class UnitPatchIn(Schema):
    """The fields to change; ``null`` for parent, lead or deputy removes them."""

    code: Text = Field(None, max_length=max_length(OrgUnit, "code"))  # type: ignore[assignment]
    name: Text = Field(None, max_length=max_length(OrgUnit, "name"))  # type: ignore[assignment]
    kind: UnitKind = Field(None)  # type: ignore[assignment]
    parent: Text | None = Field(None, max_length=50, description="Code of the parent unit.")
    lead: Text | None = Field(None, max_length=max_length(User, "username"), description="User name of the lead.")
    deputy: Text | None = Field(None, max_length=max_length(User, "username"), description="User name.")


def _person_ref(person: Any) -> dict[str, str] | None:
    return {"username": person.username, "name": person.name} if person is not None else None


def _unit_item(unit: OrgUnit, parent_codes: Mapping[int, str]) -> dict[str, Any]:
    return {
        "code": unit.code,
        "name": unit.name,
        "kind": unit.kind,
        "parent": parent_codes.get(unit.parent_id) if unit.parent_id else None,
        "depth": unit.depth,
        "lead": _person_ref(unit.lead),
        "deputy": _person_ref(unit.deputy),
        "member_count": unit.member_count,  # type: ignore[attr-defined]
    }


def _unit_by_code(user: Any, code: str) -> OrgUnit:
    unit = (
        units_visible_to(user)
        .select_related("parent", "lead", "deputy")
        .annotate(member_count=Count("memberships"))
        .filter(code=lookup_key(code))
        .first()
    )
    if unit is None:
        raise NotFound(_("There is no unit with this code."))
    return unit


def _unit_detail(unit: OrgUnit) -> UnitDetailOut:
    children = unit.children.order_by("name", "pk")
    members = getattr(unit, "member_count", None)
    return UnitDetailOut.model_validate(
        {
            "code": unit.code,
            "name": unit.name,
            "kind": unit.kind,
            "parent": {"code": unit.parent.code, "name": unit.parent.name} if unit.parent else None,
            "lead": _person_ref(unit.lead),
            "deputy": _person_ref(unit.deputy),
            "children": [{"code": child.code, "name": child.name, "kind": child.kind} for child in children],
            "member_count": members if members is not None else unit.memberships.count(),
            "version": unit.version,
        }
    )


def _unit_response(request: HttpRequest, unit: OrgUnit, *, status: int = 200) -> HttpResponse:
    return object_response(request, pk=unit.pk, version=unit.version, payload=_unit_detail(unit), status=status)


def _person_field(user: Any, username: str | None, field: str) -> Any:
    """An active person the body names by user name (``None`` for null), as the unit form offers them."""
    if username is None:
        return None
    person = people_visible_to(user).filter(is_active=True, username=username).first()
    if person is None:
        raise DomainError(_("There is no active person with this user name."), field=field, code="unknown_person")
    return person


@units.get("", response={200: UnitPage, **problems(401, 422)}, summary="List units")
def unit_list(request: HttpRequest, filters: Query[UnitFilters]) -> dict[str, Any]:
    """The org chart in tree order (each parent before its children, siblings by name), one page of it.

    An unknown ``parent`` is a field error, not an empty list.
    """
    user = caller(request)
    found = units_visible_to(user).select_related("lead", "deputy").annotate(member_count=Count("memberships"))
    if filters.parent is not None:
        parent = unit_for_field(user, filters.parent, "query.parent")
        found = found.filter(parent=parent)
    if filters.kind is not None:
        found = found.filter(kind=filters.kind)
    if filters.q.strip():
        found = found.filter(Q(name__icontains=filters.q.strip()) | Q(code__icontains=filters.q.strip()))
    ordered = in_tree_order(found.order_by("path", "pk"))
    page = ordered[filters.offset : filters.offset + filters.limit]
    parent_ids = {unit.parent_id for unit in page if unit.parent_id}
    parent_codes = dict(OrgUnit.objects.filter(pk__in=parent_ids).values_list("pk", "code"))
    return {
        "items": [_unit_item(unit, parent_codes) for unit in page],
        "count": len(ordered),
        "limit": filters.limit,
        "offset": filters.offset,
    }


@units.get(
    "/{code}",
    response={200: UnitDetailOut, 304: None, **problems(401, 404)},
    summary="Read a unit",
)
def unit_read(request: HttpRequest, code: str) -> HttpResponse:
    """One unit with its parent, lead, deputy and sub-units, with an ``ETag`` (304 on ``If-None-Match``)."""
    return _unit_response(request, _unit_by_code(caller(request), code))


@units.post(
    "",
    response={201: UnitDetailOut, **problems(400, 401, 403, 422)},
    summary="Create a unit",
)
def unit_create(request: HttpRequest, payload: UnitCreateIn) -> HttpResponse:
    """A new unit below ``parent`` (administrators). Audited as ``org.unit.created``.

    A company has no parent; departments go below a company or department, teams below those.
    """
    user = caller(request)
    check(user, "org.manage_unit")
    with body_fields():
        unit = services.unit_create(
            actor=user,
            code=payload.code,
            name=payload.name,
            kind=payload.kind,
            parent=unit_for_field(user, payload.parent, "body.parent"),
            lead=_person_field(user, payload.lead, "body.lead"),
            deputy=_person_field(user, payload.deputy, "body.deputy"),
        )
    return _unit_response(request, _unit_by_code(user, unit.code), status=201)


@units.patch(
    "/{code}",
    response={200: UnitDetailOut, **problems(400, 401, 403, 404, 409, 412, 422, 428)},
    summary="Change a unit",
)
def unit_update(request: HttpRequest, code: str, payload: UnitPatchIn) -> HttpResponse:
    """Change code, name, kind, parent, lead or deputy (administrators); needs ``If-Match``.

    Moving a unit moves its sub-units. Audited as ``org.unit.updated``.
    """
    user = caller(request)
    unit = _unit_by_code(user, code)
    check(user, "org.manage_unit", unit)
    require_current(request, pk=unit.pk, version=unit.version, payload=_unit_detail(unit))
    sent = payload.model_dump(exclude_unset=True)
    with body_fields():
        # Null is refused by the schema for these; for parent, lead and deputy it removes them.
        changes: dict[str, Any] = {field: sent[field] for field in ("code", "name", "kind") if field in sent}
        if "parent" in sent:
            changes["parent"] = unit_for_field(user, sent["parent"], "body.parent")
        for field in ("lead", "deputy"):
            if field in sent:
                changes[field] = _person_field(user, sent[field], f"body.{field}")
        saved = services.unit_update(actor=user, unit=unit, expected_version=unit.version, **changes)
    return _unit_response(request, _unit_by_code(user, saved.code))


router.add_router("/units", units)
router.add_router("/people", people.router)
