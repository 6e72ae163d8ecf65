"""``/api/v1/people``: the directory, and the administrators' changes to people, memberships and roles.

Reads go through ``org.selectors``: every signed-in person finds the active people; administrators
and auditors also the inactive ones. Colleagues see a person's name, user name, e-mail, units and
roles; language, account status and version only the person, administrators and auditors see
(``org.selectors.sees_person_details``, which the people pages use too). Writes go through
``org.services``, which record the audit events; they are for administrators.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from leitplanke.accounts.models import User
from leitplanke.common.errors import DomainError, NotFound
from leitplanke.common.permissions import check
from leitplanke.org import services
from leitplanke.org.models import Membership, OrgUnit, Role, RoleAssignment
from leitplanke.org.selectors import (
    memberships_of,
    people_matching,
    people_visible_to,
    roles_of,
    sees_person_details,
    units_visible_to,
)

from ..concurrency import object_response, require_current
from ..schemas import UnitOut
from .common import (
    DEFAULT_LIMIT,
    MAX_LIMIT,
    Text,
    body_fields,
    caller,
    honour_if_match,
    lookup_key,
    max_length,
    problems,
    unit_for_field,
)

router = Router(tags=["people"])


class PersonRoleOut(Schema):
    """A role a person holds, for the whole company (``unit`` null) or for a unit and its sub-units."""

    id: int = Field(description="Revoke it with DELETE /people/{username}/roles/{id}.")
    role: Role
    unit: UnitOut | None


class ColleagueOut(Schema):
    """A person as colleagues see them."""

    username: str
    name: str
    email: str
    units: list[UnitOut] = Field(description="The units the person belongs to.")
    roles: list[PersonRoleOut]


class PersonDetailOut(Schema):
    """A person as the person, administrators and auditors see them."""

    username: str
    name: str
    units: list[UnitOut] = Field(description="The units the person belongs to.")
    display_name: str
    email: str
    preferred_language: str
    active: bool
    roles: list[PersonRoleOut]
    version: int = Field(description="Counts the changes people made; the ETag contains it.")


class PersonPage(Schema):
    """One page of the directory, by name."""

    items: list[PersonDetailOut | ColleagueOut]
    count: int
    limit: int
    offset: int


class PersonFilters(Schema):
    """The directory's search, and the members of one unit."""

    q: Text = Field("", max_length=200, description="A word in the name, user name or e-mail address.")
    unit: Text | None = Field(None, max_length=50, description="Only the members of this unit (code).")
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)
    offset: int = Field(0, ge=0)


LANGUAGE_CODES = [code for code, _name in settings.LANGUAGES]


class PersonCreateIn(Schema):
    """A new person; without a password they sign in through single sign-on or get one later."""

    username: Text = Field(max_length=max_length(User, "username"), description="Letters, digits and @ . + - _.")
    display_name: Text = Field("", max_length=max_length(User, "display_name"))
    email: Text = Field("", max_length=max_length(User, "email"))
    preferred_language: Text = Field(settings.LANGUAGE_CODE, description=f"One of {', '.join(LANGUAGE_CODES)}.")
    active: bool = True
    password: Text | None = Field(None, max_length=4096, description="Optional initial password.")


class PersonPatchIn(Schema):
    """The fields to change."""

    display_name: Text = Field(None, max_length=max_length(User, "display_name"))  # type: ignore[assignment]
    email: Text = Field(None, max_length=max_length(User, "email"))  # type: ignore[assignment]
    preferred_language: Text = Field(None, description=f"One of {', '.join(LANGUAGE_CODES)}.")  # type: ignore[assignment]
    active: bool = Field(None)  # type: ignore[assignment]


class MembershipIn(Schema):
    """The unit to add the person to."""

    unit: Text = Field(max_length=50, description="Code of the unit.")


class RoleIn(Schema):
    """A role to give, for the whole company (``unit`` null) or for one unit and its sub-units."""

    role: Role
    unit: Text | None = Field(None, max_length=50, description="Code of the unit; null for the whole company.")


def _unit_ref(unit: OrgUnit) -> dict[str, str]:
    return {"code": unit.code, "name": unit.name}


def _person_payload(viewer: Any, person: Any, memberships: Any, roles: Any) -> PersonDetailOut | ColleagueOut:
    units_of = [_unit_ref(membership.unit) for membership in memberships]
    roles_of_person = [
        {"id": role.pk, "role": role.role, "unit": _unit_ref(role.unit) if role.unit else None} for role in roles
    ]
    if not sees_person_details(viewer, person):
        return ColleagueOut.model_validate(
            {
                "username": person.username,
                "name": person.name,
                "email": person.email,
                "units": units_of,
                "roles": roles_of_person,
            }
        )
    return PersonDetailOut.model_validate(
        {
            "username": person.username,
            "name": person.name,
            "units": units_of,
            "display_name": person.display_name,
            "email": person.email,
            "preferred_language": person.preferred_language,
            "active": person.is_active,
            "roles": roles_of_person,
            "version": person.version,
        }
    )


def _person_of(viewer: Any, person: Any) -> PersonDetailOut | ColleagueOut:
    """A single person as ``viewer`` may see them."""
    return _person_payload(viewer, person, memberships_of(person), roles_of(person))


def _person_response(request: HttpRequest, person: Any, *, status: int = 200) -> HttpResponse:
    payload = _person_of(caller(request), person)
    return object_response(request, pk=person.pk, version=person.version, payload=payload, status=status)


def _person_by_username(viewer: Any, username: str) -> Any:
    person = people_visible_to(viewer).filter(username=lookup_key(username)).first()
    if person is None:
        raise NotFound(_("There is no person with this user name."))
    return person


def _check_language(code: str | None) -> None:
    if code is not None and code not in LANGUAGE_CODES:
        raise DomainError(
            _("Choose one of the languages: %(codes)s.") % {"codes": ", ".join(LANGUAGE_CODES)},
            field="body.preferred_language",
            code="unknown_language",
        )


@router.get("", response={200: PersonPage, **problems(401, 422)}, summary="List people")
def person_list(request: HttpRequest, filters: Query[PersonFilters]) -> dict[str, Any]:
    """The directory by name: active people for everyone; inactive ones, too, for administrators and auditors.

    Each person carries the fields the caller may see (see ``GET /people/{username}``).
    """
    viewer = caller(request)
    found = people_matching(viewer, filters.q)
    if filters.unit is not None:
        found = found.filter(memberships__unit=unit_for_field(viewer, filters.unit, "query.unit"))
    found = found.order_by("display_name", "username", "pk").prefetch_related(
        Prefetch("memberships", queryset=Membership.objects.select_related("unit").order_by("unit__path")),
        Prefetch(
            "role_assignments", queryset=RoleAssignment.objects.select_related("unit").order_by("role", "unit__path")
        ),
    )
    page = found[filters.offset : filters.offset + filters.limit]
    return {
        "items": [
            _person_payload(viewer, person, person.memberships.all(), person.role_assignments.all()) for person in page
        ],
        "count": found.count(),
        "limit": filters.limit,
        "offset": filters.offset,
    }


@router.get("/me", response={200: PersonDetailOut, 304: None, **problems(401)}, summary="Read yourself")
def person_me(request: HttpRequest) -> HttpResponse:
    """The caller, with units and roles (with an ``ETag``)."""
    return _person_response(request, caller(request))


@router.get(
    "/{username}",
    response={200: PersonDetailOut | ColleagueOut, 304: None, **problems(401, 404)},
    summary="Read a person",
)
def person_read(request: HttpRequest, username: str) -> HttpResponse:
    """One person, with an ``ETag``.

    Colleagues see name, user name and units; the person, administrators and auditors also the
    e-mail address, language, whether the account is active, and the roles. Inactive people are
    found by administrators and auditors only.
    """
    return _person_response(request, _person_by_username(caller(request), username))


@router.post(
    "",
    response={201: PersonDetailOut, **problems(400, 401, 403, 422)},
    summary="Create a person",
)
def person_create(request: HttpRequest, payload: PersonCreateIn) -> HttpResponse:
    """A new person (administrators). Audited as ``org.person.created`` (never with the password)."""
    user = caller(request)
    check(user, "org.manage_person")
    _check_language(payload.preferred_language)
    with body_fields():
        if payload.password:
            services.person_password_check(
                password=payload.password,
                username=payload.username,
                email=payload.email,
                display_name=payload.display_name,
            )
        person = services.person_create(
            actor=user,
            username=payload.username,
            display_name=payload.display_name,
            email=payload.email,
            preferred_language=payload.preferred_language,
            is_active=payload.active,
            password=payload.password or None,
        )
    return _person_response(request, person, status=201)


@router.patch(
    "/{username}",
    response={200: PersonDetailOut, **problems(400, 401, 403, 404, 409, 412, 422, 428)},
    summary="Change a person",
)
def person_update(request: HttpRequest, username: str, payload: PersonPatchIn) -> HttpResponse:
    """Change display name, e-mail, language or whether the account is active (administrators); needs ``If-Match``.

    Nobody can deactivate their own account. Audited as ``org.person.updated``.
    """
    user = caller(request)
    person = _person_by_username(user, username)
    check(user, "org.manage_person", person)
    require_current(request, pk=person.pk, version=person.version, payload=_person_of(user, person))
    # The schema refuses null; the service calls "active" "is_active".
    changes = payload.model_dump(exclude_unset=True)
    if "active" in changes:
        changes["is_active"] = changes.pop("active")
    _check_language(changes.get("preferred_language"))
    with body_fields({"is_active": "body.active"}):
        saved = services.person_update(actor=user, person=person, expected_version=person.version, **changes)
    return _person_response(request, saved)


@router.post(
    "/{username}/memberships",
    response={200: PersonDetailOut, **problems(400, 401, 403, 404, 412, 422)},
    summary="Add a person to a unit",
)
def membership_add(request: HttpRequest, username: str, payload: MembershipIn) -> HttpResponse:
    """Make the person a member of a unit (administrators); nothing changes if they already are.

    Audited as ``org.membership.added``. Honours ``If-Match`` when sent.
    """
    user = caller(request)
    person = _person_by_username(user, username)
    check(user, "org.manage_membership")
    honour_if_match(request, pk=person.pk, version=person.version, payload=_person_of(user, person))
    unit = unit_for_field(user, payload.unit, "body.unit")
    services.membership_add(actor=user, person=person, unit=unit)
    return _person_response(request, person)


@router.delete(
    "/{username}/memberships/{code}",
    response={200: PersonDetailOut, **problems(401, 403, 404, 412, 428)},
    summary="Take a person out of a unit",
)
def membership_remove(request: HttpRequest, username: str, code: str) -> HttpResponse:
    """End the person's membership of the unit (administrators); needs the person's ``If-Match``.

    A unit the person does not belong to answers 404. Audited as ``org.membership.removed``.
    """
    user = caller(request)
    person = _person_by_username(user, username)
    unit = units_visible_to(user).filter(code=lookup_key(code), memberships__person=person).first()
    if unit is None:
        raise NotFound(_("The person does not belong to this unit."))
    check(user, "org.manage_membership", unit)
    require_current(request, pk=person.pk, version=person.version, payload=_person_of(user, person))
    services.membership_remove(actor=user, person=person, unit=unit)
    return _person_response(request, person)


@router.post(
    "/{username}/roles",
    response={200: PersonDetailOut, **problems(400, 401, 403, 404, 412, 422)},
    summary="Give a person a role",
)
def role_assign(request: HttpRequest, username: str, payload: RoleIn) -> HttpResponse:
    """A role for the whole company or for one unit and its sub-units (administrators).

    Auditor and administrator are company-wide only. Nothing changes if the person holds the role
    already. Audited as ``org.role.assigned``. Honours ``If-Match`` when sent.
    """
    user = caller(request)
    person = _person_by_username(user, username)
    check(user, "org.manage_role")
    honour_if_match(request, pk=person.pk, version=person.version, payload=_person_of(user, person))
    with body_fields():
        unit = unit_for_field(user, payload.unit, "body.unit")
        services.role_assign(actor=user, person=person, role=payload.role, unit=unit)
    return _person_response(request, person)


@router.delete(
    "/{username}/roles/{assignment_id}",
    response={200: PersonDetailOut, **problems(401, 403, 404, 412, 422, 428)},
    summary="Take a role away",
)
def role_revoke(request: HttpRequest, username: str, assignment_id: int) -> HttpResponse:
    """Revoke one of the person's roles (administrators); needs the person's ``If-Match``.

    The last administrator's role cannot be revoked (422). Audited as ``org.role.revoked``.
    """
    user = caller(request)
    person = _person_by_username(user, username)
    assignment = RoleAssignment.objects.select_related("person", "unit").filter(pk=assignment_id, person=person).first()
    if assignment is None:
        raise NotFound(_("The person does not hold this role."))
    check(user, "org.manage_role", assignment.unit)
    require_current(request, pk=person.pk, version=person.version, payload=_person_of(user, person))
    try:
        services.role_revoke(actor=user, assignment=assignment)
    except DomainError as exc:
        raise DomainError(exc.message, code="last_administrator") from exc
    return _person_response(request, person)
