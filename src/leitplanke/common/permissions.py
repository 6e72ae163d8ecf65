"""Named permissions: who may do what, declared once and checked by the services.

A permission is named ``"<app>.<action>_<entity>"`` (``usecases.change_usecase``,
``org.manage_unit``) and registered by the app that owns the entity, in ``<app>/permissions.py``,
which the app's ``AppConfig.ready()`` imports. Each has

- a predicate ``(user, obj | None) -> bool`` built from the app's selectors;
- a short description (what the permission allows, and to whom) and the message a refusal shows;
- for entities that appear in lists, a ``restrict(user)`` query set: the rows ``user`` may see or
  act on, so a list never shows what a check would refuse;
- whether the system holds it (``system=True``).

**The system.** Commands, jobs, imports from the command line and the demo act as the system:
they pass ``actor=None`` (:data:`SYSTEM`), which the audit trail records as "the system". ``None``
is allowed exactly the permissions registered with ``system=True`` (the registry test lists them in
its ``system`` column); any other permission refuses it like any other actor without the right.
People are asked their predicate only while signed in and active: an anonymous visitor or a
deactivated account holds no permission.

Services call :func:`check` first, before they lock or write anything; views and templates ask
:func:`allowed` to hide what a person may not do; lists read :func:`restrict`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db.models import QuerySet
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from .actors import Actor, Person
from .errors import PermissionDenied

#: The actor of commands, jobs and the demo (see the module's docstring).
SYSTEM = None

#: Asked only for a signed-in, active person (``holds`` answers for the system and anonymous visitors).
Predicate = Callable[[Person, Any], bool]
Restrict = Callable[[Person | AnonymousUser], QuerySet[Any]]


@dataclass(frozen=True)
class Permission:
    """One named permission (see the module's docstring)."""

    name: str
    description: str | Promise
    predicate: Predicate
    refusal: str | Promise | None = None
    restrict: Restrict | None = None
    system: bool = False

    def holds(self, user: Actor | AnonymousUser, obj: Any = None) -> bool:
        """Whether ``user`` (``None``: the system) holds the permission, for ``obj`` if given."""
        if user is SYSTEM:
            return self.system
        if isinstance(user, AnonymousUser) or not user.is_authenticated or not user.is_active:
            return False
        return bool(self.predicate(user, obj))


_REGISTRY: dict[str, Permission] = {}


def _valid_name(name: str) -> bool:
    app, dot, rest = name.partition(".")
    action, underscore, entity = rest.partition("_")
    return bool(app and dot and action and underscore and entity) and name == name.lower()


def register(
    name: str,
    *,
    description: str | Promise,
    predicate: Predicate | None = None,
    refusal: str | Promise | None = None,
    restrict: Restrict | None = None,
    system: bool = False,
) -> Permission:
    """Declare a permission. Without ``predicate`` it holds for an object in ``restrict(user)``
    (and, without an object, for anyone whose ``restrict`` is not empty).

    Registering the same name twice with another definition is a programming error.
    """
    if not _valid_name(name):
        raise ValueError(f"permission names read '<app>.<action>_<entity>', not {name!r}")
    if predicate is None:
        if restrict is None:
            raise ValueError(f"permission {name!r} needs a predicate or a restrict function")
        predicate = _predicate_from(restrict)
    permission = Permission(
        name=name, description=description, predicate=predicate, refusal=refusal, restrict=restrict, system=system
    )
    known = _REGISTRY.get(name)
    if known is not None and known != permission:
        raise ValueError(f"permission {name!r} is registered twice")
    _REGISTRY[name] = permission
    return permission


def _predicate_from(restrict: Restrict) -> Predicate:
    def predicate(user: Person, obj: Any) -> bool:
        rows = restrict(user)
        return rows.filter(pk=obj.pk).exists() if obj is not None else rows.exists()

    return predicate


def permission(name: str) -> Permission:
    """The permission called ``name``; an unknown name is a programming error (``LookupError``)."""
    try:
        return _REGISTRY[name]
    except KeyError:
        raise LookupError(f"no permission {name!r} is registered; declare it in the app's permissions.py") from None


def registered() -> dict[str, Permission]:
    """Every registered permission by name (the registry test enumerates them)."""
    return dict(sorted(_REGISTRY.items()))


def allowed(user: Actor | AnonymousUser, name: str, obj: Any = None) -> bool:
    """Whether ``user`` (``None``: the system) may do ``name``, to ``obj`` if given."""
    return permission(name).holds(user, obj)


def check(user: Actor | AnonymousUser, name: str, obj: Any = None) -> None:
    """Raise :class:`~leitplanke.common.errors.PermissionDenied` unless :func:`allowed`.

    The message is the permission's refusal, translated; the error's ``code`` is ``forbidden``.
    """
    found = permission(name)
    if not found.holds(user, obj):
        raise PermissionDenied(found.refusal or _("You are not allowed to do this."))


def restrict(user: Actor | AnonymousUser, name: str) -> QuerySet[Any]:
    """The rows of the permission's entity that ``user`` may see or act on (none for the system,
    an anonymous visitor or a deactivated account)."""
    found = permission(name)
    if found.restrict is None:
        raise LookupError(f"permission {name!r} has no restrict function")
    if user is SYSTEM or isinstance(user, AnonymousUser) or not user.is_authenticated or not user.is_active:
        return found.restrict(AnonymousUser()).none()
    return found.restrict(user)
