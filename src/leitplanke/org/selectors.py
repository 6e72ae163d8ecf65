"""Who may do what in the organisation, and the reads that depend on it.

This module answers role questions (``has_role``) for the permissions of every app (``<app>/permissions.py``),
the UI and the API. Roles held for a unit also count for every unit below it.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import EmptyResultSet
from django.db.models import Count, Max, Q, QuerySet, Sum

from .models import REVIEW_ROLES, Membership, OrgUnit, Role, RoleAssignment

_CACHE_ATTR = "_leitplanke_role_cache"


def _assignments(user: Any) -> frozenset[tuple[str, int | None]]:
    """The (role, unit id or None) pairs a user holds, cached on the user object for the request."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return frozenset()
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is None:
        cached = frozenset(RoleAssignment.objects.filter(person=user).values_list("role", "unit_id"))
        setattr(user, _CACHE_ATTR, cached)
    return cached


def forget_cached_roles(user: Any) -> None:
    """Drop the per-request role cache after roles changed."""
    if hasattr(user, _CACHE_ATTR):
        delattr(user, _CACHE_ATTR)


def has_role(user: Any, role: str, unit: OrgUnit | None = None) -> bool:
    """Whether ``user`` holds ``role`` company-wide, or for ``unit`` or one of its ancestors.

    Without ``unit`` only a company-wide assignment counts.
    """
    held = _assignments(user)
    if (role, None) in held:
        return True
    if unit is None:
        return False
    return any((role, unit_id) in held for unit_id in unit.ancestor_ids())


def has_any_role(user: Any, role: str) -> bool:
    """Whether ``user`` holds ``role`` anywhere, company-wide or for any unit."""
    return any(held_role == role for held_role, _ in _assignments(user))


def has_any_review_role(user: Any) -> bool:
    """Whether ``user`` holds a review role anywhere (company-wide or for any unit)."""
    return any(role in REVIEW_ROLES for role, _unit in _assignments(user))


def is_administrator(user: Any) -> bool:
    """Administrators maintain the organisation, users and settings."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return bool(user.is_superuser) or has_role(user, Role.ADMINISTRATOR)


def is_auditor(user: Any) -> bool:
    """Auditors read everything, including the audit trail."""
    return has_role(user, Role.AUDITOR)


def can_read_audit_trail(user: Any) -> bool:
    """The full audit log is for auditors and administrators."""
    return is_auditor(user) or is_administrator(user)


def units_visible_to(user: Any) -> QuerySet[OrgUnit]:
    """The org chart is a company directory: every signed-in active person sees every unit."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return OrgUnit.objects.none()
    return OrgUnit.objects.all()


def people_visible_to(user: Any) -> QuerySet[Any]:
    """People as the directory shows them: active people for everyone, all for administrators."""
    User = get_user_model()
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return User.objects.none()
    if is_administrator(user) or is_auditor(user):
        return User.objects.all()
    return User.objects.filter(is_active=True)


def sees_person_details(viewer: Any, person: Any) -> bool:
    """Language, account status and history of a person: for the person, administrators and auditors.

    Every colleague sees what a company directory shows: name, user name, e-mail, units and roles.
    """
    if not getattr(viewer, "is_authenticated", False) or not viewer.is_active:
        return False
    return viewer.pk == person.pk or is_administrator(viewer) or is_auditor(viewer)


def people_matching(viewer: Any, query: str = "") -> QuerySet[Any]:
    """The directory's search: the people ``viewer`` sees whose name, user name or e-mail contains ``query``."""
    people = people_visible_to(viewer)
    query = query.strip()
    if query:
        people = people.filter(
            Q(display_name__icontains=query) | Q(username__icontains=query) | Q(email__icontains=query)
        )
    return people


def in_tree_order(units: Iterable[OrgUnit]) -> list[OrgUnit]:
    """Units depth-first, each parent before its children, siblings by name (a readable org chart)."""
    units = list(units)
    children: dict[int | None, list[OrgUnit]] = {}
    known = {unit.pk for unit in units}
    for unit in units:
        parent = unit.parent_id if unit.parent_id in known else None
        children.setdefault(parent, []).append(unit)
    ordered: list[OrgUnit] = []
    stack = sorted(children.get(None, []), key=lambda u: u.name.casefold(), reverse=True)
    while stack:
        unit = stack.pop()
        ordered.append(unit)
        stack.extend(sorted(children.get(unit.pk, []), key=lambda u: u.name.casefold(), reverse=True))
    return ordered


def unit_option_label(unit: OrgUnit) -> str:
    """How a select shows a unit: indented by its depth in the tree, with its code."""
    return f"{'– ' * unit.depth}{unit.name} ({unit.code})"


#: Options of unit selects, per query and fingerprint of the org chart (see ``unit_options``).
_UNIT_OPTIONS: OrderedDict[tuple[Any, ...], list[tuple[int, str]]] = OrderedDict()
_UNIT_OPTIONS_KEPT = 32
_UNIT_OPTIONS_LOCK = threading.Lock()


def unit_options(units: QuerySet[OrgUnit]) -> list[tuple[int, str]]:
    """``(id, label)`` of ``units`` in tree order, as the unit selects offer them.

    The library shows a select of every unit on each page, and a large organisation has hundreds
    of units: building them as model instances each time cost about 10 ms and left some 1,200
    objects per page for the garbage collector. The options are therefore kept in the process, per
    query, and built again when the org chart's fingerprint changes: the number of units, the
    highest id and the sum of their versions, one aggregate over the table. Units are never
    deleted (other rows protect them), and every change through the services raises the unit's
    version, so any creation, rename or move changes the fingerprint in every process.
    """
    try:
        compiled, params = units.query.sql_with_params()
    except EmptyResultSet:  # ``none()``, or a filter nothing can match
        return []
    fingerprint = OrgUnit.objects.aggregate(count=Count("pk"), top=Max("pk"), versions=Sum("version"))
    key = (units.db, compiled, params, fingerprint["count"], fingerprint["top"], fingerprint["versions"])
    with _UNIT_OPTIONS_LOCK:
        cached = _UNIT_OPTIONS.get(key)
        if cached is not None:
            _UNIT_OPTIONS.move_to_end(key)
            return cached
    options = [
        (unit.pk, unit_option_label(unit))
        for unit in in_tree_order(units.only("name", "code", "depth", "parent_id").order_by())
    ]
    with _UNIT_OPTIONS_LOCK:
        _UNIT_OPTIONS[key] = options
        while len(_UNIT_OPTIONS) > _UNIT_OPTIONS_KEPT:
            _UNIT_OPTIONS.popitem(last=False)
    return options


def forget_unit_options() -> None:
    """Drop the kept unit options (the test suite does so between tests, whose rolled-back units
    may reappear with the same id, count and version in the next test)."""
    with _UNIT_OPTIONS_LOCK:
        _UNIT_OPTIONS.clear()


def unit_subtree(unit: OrgUnit) -> QuerySet[OrgUnit]:
    """The unit and every unit below it."""
    return OrgUnit.objects.filter(path__startswith=unit.path)


def units_led_by(user: Any) -> QuerySet[OrgUnit]:
    """Units where ``user`` is lead or deputy."""
    return OrgUnit.objects.filter(Q(lead=user) | Q(deputy=user))


def memberships_of(user: Any) -> QuerySet[Membership]:
    """The units a person belongs to."""
    return Membership.objects.filter(person=user).select_related("unit").order_by("unit__path")


def roles_of(user: Any) -> QuerySet[RoleAssignment]:
    """The roles a person holds, with their scope."""
    return RoleAssignment.objects.filter(person=user).select_related("unit").order_by("role", "unit__path")
