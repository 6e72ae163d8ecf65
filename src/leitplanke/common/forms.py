"""Form pieces shared by the apps: domain errors on their field, and the conflict view."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.db import models
from django.utils.translation import gettext as _

from .errors import Conflict, DomainError


def model_field(model: type[Any], name: str, **overrides: Any) -> forms.Field:
    """The form field Django derives from a model field (label, length, choices), with overrides."""
    field = model._meta.get_field(name).formfield(**overrides)
    if field is None:
        raise ValueError(f"{model.__name__}.{name} is not editable")
    return field


class DomainErrorForm(forms.Form):
    """A form that can show a service's :class:`DomainError` on the field it names (or above)."""

    def add_domain_error(self, error: DomainError) -> None:
        """Show the error; after a conflict, keep the input and take the stored version."""
        field = error.field if error.field in self.fields else None
        self.add_error(field, str(error.message))
        if isinstance(error, Conflict):
            # Keep the actor's input; saving again now deliberately replaces the other change.
            data = self.data.copy()  # type: ignore[attr-defined]  # a QueryDict when bound
            data["version"] = str(error.version)
            self.data = data


def conflict_rows(model: type[models.Model], error: DomainError) -> list[tuple[str, object]] | None:
    """The values stored now after a conflicting change, labelled and shown for people.

    ``None`` when ``error`` is no :class:`Conflict`. Keys of the snapshot that are model fields get
    the field's label; coded values their display name; yes/no values are spelled out.
    """
    if not isinstance(error, Conflict):
        return None
    fields = {field.name: field for field in model._meta.get_fields() if hasattr(field, "verbose_name")}
    rows: list[tuple[str, object]] = []
    for key, value in error.current.items():
        field = fields.get(key)
        shown: object = value
        if field is not None and getattr(field, "choices", None):
            shown = dict(field.flatchoices).get(value, value)  # type: ignore[union-attr]
        elif isinstance(value, bool):
            shown = _("yes") if value else _("no")
        rows.append((str(field.verbose_name) if field is not None else key, shown))
    return rows


def save_versioned[Saved](
    form: DomainErrorForm, model: type[models.Model], update: Callable[..., Saved]
) -> tuple[Saved | None, list[tuple[str, object]] | None]:
    """Save a valid edit form whose hidden ``version`` field is the version the person saw.

    Calls ``update(expected_version=…, **changes)`` (a service). On a domain error, the error goes on
    its field and the result is ``(None, conflict)``, where ``conflict`` holds the stored values
    after a conflicting change (else ``None``); on success it is ``(saved, None)``.
    """
    changes = dict(form.cleaned_data)
    version = changes.pop("version")
    try:
        return update(expected_version=version, **changes), None
    except DomainError as exc:
        form.add_domain_error(exc)
        return None, conflict_rows(model, exc)
