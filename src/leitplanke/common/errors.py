"""Domain errors: a stable code for machines, a translated message for people, the field at fault.

Services raise them; forms put them on the field; the API maps them to RFC 9457 problems (``api/errors.py``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.functional import Promise

from .text import clean_title


class DomainError(Exception):
    """A request that the domain refuses, with a reason the user can act on."""

    code = "invalid"

    def __init__(self, message: str | Promise, *, field: str | None = None, code: str | None = None) -> None:
        super().__init__(str(message))
        self.message = message
        self.field = field
        if code:
            self.code = code

    def as_validation_error(self) -> ValidationError:
        """The same error for a Django form (``form.add_error(None, err.as_validation_error())``)."""
        if self.field:
            return ValidationError({self.field: ValidationError(str(self.message), code=self.code)})
        return ValidationError(str(self.message), code=self.code)


class NotFound(DomainError):
    """The object does not exist, or the actor may not see it (the two look the same)."""

    code = "not_found"


class PermissionDenied(DomainError):
    """The actor may see the object but not do this to it."""

    code = "forbidden"


class Conflict(DomainError):
    """Someone else changed the object since the actor loaded it; nothing was saved.

    ``current`` is the object's state now (its audit snapshot) and ``version`` its version number,
    so the UI can show both sides and let the actor decide.
    """

    code = "conflict"

    def __init__(self, message: str | Promise, *, current: dict[str, object], version: int) -> None:
        super().__init__(message)
        self.current = current
        self.version = version


def validation_error_to_domain(exc: ValidationError) -> DomainError:
    """Turn a model's ``full_clean`` error into a domain error naming the first faulty field."""
    if hasattr(exc, "error_dict"):
        field, errors = next(iter(exc.error_dict.items()))
        field_name = None if field == "__all__" else field
        return DomainError(" ".join(m for e in errors for m in e.messages), field=field_name)
    return DomainError(" ".join(exc.messages))


def full_clean(obj: Any, *, titles: Iterable[str] = (), **kwargs: Any) -> None:
    """``obj.full_clean(**kwargs)``, raising the first problem as a :class:`DomainError` on its field.

    ``titles`` names the fields that name ``obj`` (a title, a name): each is trimmed and checked by
    :func:`~leitplanke.common.text.clean_title` first (visible text, no control or bidi characters).
    """
    for field in titles:
        try:
            setattr(obj, field, clean_title(getattr(obj, field)))
        except ValidationError as exc:
            raise DomainError(" ".join(exc.messages), field=field, code="title") from exc
    try:
        obj.full_clean(**kwargs)
    except ValidationError as exc:
        raise validation_error_to_domain(exc) from exc
