"""Writes to the organisation: units, people, memberships and roles, each with its audit event.

Each checks its permission first (``org/permissions.py``): administrators, or the system
(``actor=None``: the command line's import, the demo).
"""

from __future__ import annotations

from typing import Any, TypedDict, Unpack

from django.contrib.auth import get_user_model, password_validation
from django.core.exceptions import ValidationError
from django.db.models.functions import Lower
from django.utils.translation import gettext as _

from leitplanke.audit.services import event_record
from leitplanke.common.actors import Actor, Person
from leitplanke.common.errors import DomainError, full_clean
from leitplanke.common.permissions import check
from leitplanke.common.transactions import write_atomic
from leitplanke.common.versioning import check_version

from .models import COMPANY_WIDE_ONLY, Membership, OrgUnit, Role, RoleAssignment, UnitKind
from .selectors import forget_cached_roles

User = get_user_model()

#: What :func:`unit_update` and :func:`person_update` change.
UNIT_FIELDS = frozenset({"code", "name", "kind", "parent", "lead", "deputy"})
PERSON_FIELDS = frozenset({"display_name", "email", "preferred_language", "is_active"})


class UnitFields(TypedDict, total=False):
    """The keywords of :func:`unit_update`: every name of ``UNIT_FIELDS`` (a test keeps them the same)."""

    code: str
    name: str
    kind: str
    parent: OrgUnit | None
    lead: Person | None
    deputy: Person | None


class PersonFields(TypedDict, total=False):
    """The keywords of :func:`person_update`: every name of ``PERSON_FIELDS`` (a test keeps them the same)."""

    display_name: str
    email: str
    preferred_language: str
    is_active: bool


_ALLOWED_PARENT_KINDS: dict[str, set[str | None]] = {
    UnitKind.COMPANY: {None},
    UnitKind.DEPARTMENT: {UnitKind.COMPANY, UnitKind.DEPARTMENT},
    UnitKind.TEAM: {UnitKind.DEPARTMENT, UnitKind.TEAM},
}


def unit_placement_check(*, kind: str, parent_kind: str | None) -> None:
    """Refuse a unit of ``kind`` below a parent of ``parent_kind`` (``None``: no parent) if the tree forbids it.

    A company is a root; departments hang below a company or department; teams below those. The
    import calls this too, so that a file is checked by the same rules before anything is written.
    """
    if parent_kind not in _ALLOWED_PARENT_KINDS[UnitKind(kind)]:
        if parent_kind is None:
            raise DomainError(_("A department or team needs a parent unit."), field="parent")
        raise DomainError(
            _("A unit of kind “%(kind)s” cannot be placed below one of kind “%(parent_kind)s”.")
            % {"kind": UnitKind(kind).label, "parent_kind": UnitKind(parent_kind).label},
            field="parent",
        )


def _check_parent(*, kind: str, parent: OrgUnit | None, unit: OrgUnit | None = None) -> None:
    """The placement rules above, and no unit below itself or one of its sub-units."""
    unit_placement_check(kind=kind, parent_kind=parent.kind if parent is not None else None)
    if unit is not None and unit.pk and parent is not None and unit.pk in parent.ancestor_ids():
        raise DomainError(_("A unit cannot be moved below itself or one of its sub-units."), field="parent")


def _check_email_free(person: Any) -> None:
    """No two people share an e-mail address, in any case (imports and single sign-on match by it).

    The database constraint backs this up; checking first names the field, so forms can show it there.
    """
    if not person.email:
        return
    # Lower(), not iexact: the unique index is on lower(email), so this stays an index lookup.
    others = User.objects.alias(email_lower=Lower("email")).filter(email_lower=person.email.lower())
    if others.exclude(pk=person.pk).exists():
        raise DomainError(_("Another person already has this e-mail address."), field="email")


def _set_path(unit: OrgUnit) -> None:
    parent_path = unit.parent.path if unit.parent else "/"
    unit.path = f"{parent_path}{unit.pk}/"
    unit.depth = unit.path.count("/") - 2


@write_atomic
def unit_create(
    *,
    actor: Actor,
    code: str,
    name: str,
    kind: str,
    parent: OrgUnit | None = None,
    lead: Any = None,
    deputy: Any = None,
) -> OrgUnit:
    """Create an org unit below ``parent`` (a company has none)."""
    check(actor, "org.manage_unit")
    unit = OrgUnit(code=code, name=name, kind=kind, parent=parent, lead=lead, deputy=deputy)
    full_clean(unit, exclude=["path"], titles=["name"])
    _check_parent(kind=kind, parent=parent)
    if lead is not None and deputy is not None and lead.pk == deputy.pk:
        raise DomainError(_("The deputy must be someone other than the lead."), field="deputy")
    unit.save()
    _set_path(unit)
    unit.save(update_fields=["path", "depth"])
    event_record(actor=actor, action="org.unit.created", target=unit, after=unit.audit_snapshot())
    return unit


@write_atomic
def unit_update(
    *, actor: Actor, unit: OrgUnit, expected_version: int | None = None, **changes: Unpack[UnitFields]
) -> OrgUnit:
    """Change a unit's code, name, kind, parent, lead or deputy; moving it moves its sub-units.

    With ``expected_version`` (the version the actor saw), a change made by someone else in the
    meantime raises :class:`Conflict` instead of being overwritten.
    """
    check(actor, "org.manage_unit", unit)
    unknown = set(changes) - UNIT_FIELDS
    if unknown:
        raise ValueError(f"unit_update cannot change {sorted(unknown)}")
    unit = OrgUnit.objects.select_for_update().get(pk=unit.pk)
    check_version(unit, expected_version)
    before = unit.audit_snapshot()
    old_path = unit.path
    for field, value in changes.items():
        setattr(unit, field, value)
    full_clean(unit, exclude=["path"], titles=["name"])
    _check_parent(kind=unit.kind, parent=unit.parent, unit=unit)
    if unit.lead_id and unit.deputy_id and unit.lead_id == unit.deputy_id:
        raise DomainError(_("The deputy must be someone other than the lead."), field="deputy")
    for child in unit.children.all():
        _check_parent(kind=child.kind, parent=unit)
    _set_path(unit)
    if unit.audit_snapshot() != before:
        unit.version += 1
    unit.save()
    if unit.path != old_path:
        for sub in OrgUnit.objects.filter(path__startswith=old_path).exclude(pk=unit.pk):
            sub.path = unit.path + sub.path[len(old_path) :]
            sub.depth = sub.path.count("/") - 2
            sub.save(update_fields=["path", "depth"])
    after = unit.audit_snapshot()
    if after != before:
        event_record(actor=actor, action="org.unit.updated", target=unit, before=before, after=after)
    return unit


def person_password_check(*, password: str, username: str, email: str = "", display_name: str = "") -> None:
    """Django's password rules for a new person's initial password (not too short, common or like the name)."""
    person = User(username=username, email=email, display_name=display_name)
    try:
        password_validation.validate_password(password, person)
    except ValidationError as exc:
        raise DomainError(" ".join(exc.messages), field="password", code="weak_password") from exc


@write_atomic
def person_create(
    *,
    actor: Actor,
    username: str,
    display_name: str,
    email: str = "",
    preferred_language: str = "de",
    password: str | None = None,
    is_active: bool = True,
) -> Any:
    """Create a person who can sign in (with ``password``) or later through single sign-on."""
    check(actor, "org.manage_person")
    person = User(
        username=username,
        display_name=display_name,
        email=email.strip(),
        preferred_language=preferred_language,
        is_active=is_active,
    )
    if password:
        person.set_password(password)
    else:
        person.set_unusable_password()
    _check_email_free(person)
    full_clean(person, titles=["display_name"])
    person.save()
    event_record(actor=actor, action="org.person.created", target=person, after=person.audit_snapshot())
    return person


@write_atomic
def person_update(
    *, actor: Actor, person: Person, expected_version: int | None = None, **changes: Unpack[PersonFields]
) -> Person:
    """Change a person's display name, e-mail, language or whether the account is active.

    ``expected_version`` guards against overwriting someone else's change (see ``unit_update``).
    """
    check(actor, "org.manage_person", person)
    unknown = set(changes) - PERSON_FIELDS
    if unknown:
        raise ValueError(f"person_update cannot change {sorted(unknown)}")
    person = User.objects.select_for_update().get(pk=person.pk)
    check_version(person, expected_version)
    before = person.audit_snapshot()
    for field, value in changes.items():
        setattr(person, field, value.strip() if isinstance(value, str) else value)
    _check_email_free(person)
    full_clean(person, titles=["display_name"])
    if actor is not None and actor.pk == person.pk and changes.get("is_active") is False:
        raise DomainError(_("You cannot deactivate your own account."), field="is_active")
    if person.audit_snapshot() != before:
        person.version += 1
    person.save()
    after = person.audit_snapshot()
    if after != before:
        event_record(actor=actor, action="org.person.updated", target=person, before=before, after=after)
    return person


@write_atomic
def membership_add(*, actor: Actor, person: Any, unit: OrgUnit) -> Membership:
    """Make ``person`` a member of ``unit`` (nothing happens if they already are)."""
    check(actor, "org.manage_membership", unit)
    membership, created = Membership.objects.get_or_create(person=person, unit=unit)
    if created:
        event_record(
            actor=actor,
            action="org.membership.added",
            target=person,
            after={"unit": unit.code},
        )
    return membership


@write_atomic
def membership_remove(*, actor: Actor, person: Any, unit: OrgUnit) -> None:
    """End ``person``'s membership of ``unit``."""
    check(actor, "org.manage_membership", unit)
    deleted, _count = Membership.objects.filter(person=person, unit=unit).delete()
    if deleted:
        event_record(actor=actor, action="org.membership.removed", target=person, before={"unit": unit.code})


def role_scope_check(*, role: str, for_unit: bool) -> None:
    """Refuse an unknown role, or a company-wide-only role held for one unit (used by the import, too)."""
    if role not in Role.values:
        raise DomainError(_("Unknown role: %(role)s") % {"role": role}, field="role")
    if for_unit and role in COMPANY_WIDE_ONLY:
        raise DomainError(
            _("The role %(role)s can only be held for the whole company.") % {"role": Role(role).label},
            field="unit",
        )


@write_atomic
def role_assign(*, actor: Actor, person: Any, role: str, unit: OrgUnit | None = None) -> RoleAssignment:
    """Give ``person`` a role for the whole company (``unit=None``) or for one unit and below."""
    check(actor, "org.manage_role", unit)
    role_scope_check(role=role, for_unit=unit is not None)
    existing = RoleAssignment.objects.filter(person=person, role=role, unit=unit).first()
    if existing is not None:
        return existing
    assignment = RoleAssignment.objects.create(person=person, role=role, unit=unit)
    event_record(
        actor=actor,
        action="org.role.assigned",
        target=person,
        after=assignment.audit_snapshot(),
    )
    forget_cached_roles(person)
    return assignment


@write_atomic
def role_revoke(*, actor: Actor, assignment: RoleAssignment) -> None:
    """Take a role away again."""
    check(actor, "org.manage_role", assignment.unit)
    person = assignment.person
    if (
        assignment.role == Role.ADMINISTRATOR
        and not RoleAssignment.objects.filter(role=Role.ADMINISTRATOR, person__is_active=True)
        .exclude(pk=assignment.pk)
        .exists()
        and not User.objects.filter(is_superuser=True, is_active=True).exists()
    ):
        raise DomainError(_("The last administrator cannot be removed."), field="role")
    snapshot = assignment.audit_snapshot()
    assignment.delete()
    event_record(actor=actor, action="org.role.revoked", target=person, before=snapshot)
    forget_cached_roles(person)
