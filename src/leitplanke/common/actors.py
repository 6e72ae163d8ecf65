"""Who acts: the type of every service's ``actor``.

A service is called by a signed-in person (a view passes ``request.user``, the API the person of
the token or the session) or by the system: commands, jobs, imports from the command line and the
demo pass ``None`` (:data:`leitplanke.common.permissions.SYSTEM`), which the audit trail records
as "the system"::

    def tool_update(*, actor: Actor, tool: Tool, ...) -> Tool: ...

``Actor`` names the real person model, ``accounts.models.User``, although ``common`` sits below
``accounts`` in the layers (docs/architecture.md). The import is for the type checker only
(``TYPE_CHECKING``), so at run time ``common`` imports nothing above it, and import-linter leaves
such imports out of its graph (``exclude_type_checking_imports`` in ``pyproject.toml``). A
``Protocol`` of what the services read on the actor would avoid even that, but the services store
the actor in foreign keys (``approved_by``, ``requested_by``, ``created_by`` …) and hand it to
queries and selectors typed with the model: django-stubs accepts only the model there, so a
protocol would need a cast at each of those places, and no app below ``accounts`` could narrow it
with ``isinstance``. The ``type`` statements are evaluated lazily: the name ``User`` is never
looked up at run time. Other modules name the model through :data:`Person` and :data:`Actor`, so
this stays the one import for the type checker that crosses the layers
(``tests/common/test_architecture.py``).

Views are guarded by ``login_required`` (or ``common.access.only_for``), yet django-stubs types
``request.user`` as ``User | AnonymousUser``. A guarded view that hands the person to a service
annotates its request as :class:`AuthenticatedHttpRequest` (the pattern django-stubs documents).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.http import HttpRequest
from django.utils.translation import gettext as _

from .errors import PermissionDenied

if TYPE_CHECKING:
    from leitplanke.accounts.models import User

#: A person of the company (a user account), as services receive them in keywords such as ``owner``.
type Person = User
#: A signed-in person, or ``None`` for the system.
type Actor = Person | None


class AuthenticatedHttpRequest(HttpRequest):
    """The request of a view that only a signed-in person reaches (``login_required``)."""

    user: User


def acting_person(actor: Actor) -> User:
    """The person behind ``actor``, for a service whose permission the system does not hold.

    Call it after ``permissions.check``, which has refused ``None`` already; it narrows the type
    where the service stores or reads the person (and refuses the system the same way).
    """
    if actor is None:
        raise PermissionDenied(_("You are not allowed to do this."))
    return actor
