"""Forms of the organisation's maintenance pages (administrators only).

Forms check the shape of the input; the rules (placement in the tree, roles per unit, the last
administrator) live in the services, whose errors the views put on the field they name.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet
from django.forms.models import ModelChoiceIterator
from django.utils.translation import gettext_lazy as _

from leitplanke.common.errors import DomainError
from leitplanke.common.forms import DomainErrorForm
from leitplanke.common.widgets import FastSelect

from . import importing
from .models import OrgUnit, Role, UnitKind
from .selectors import people_visible_to, unit_option_label, unit_options, units_visible_to
from .services import person_password_check


class _TreeOrderIterator(ModelChoiceIterator):
    """Offer units as the org chart shows them: parents before children, siblings by name."""

    def __iter__(self) -> Iterator[Any]:
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        yield from unit_options(self.queryset)


class UnitChoiceField(forms.ModelChoiceField):
    """A unit, shown indented by its depth in the tree, with its code (``unit_option_label``).

    The options come from ``unit_options``, kept until the org chart changes; the chosen unit is
    still looked up in the field's queryset, so validation always sees the current units.
    """

    iterator = _TreeOrderIterator
    widget = FastSelect

    def label_from_instance(self, obj: OrgUnit) -> str:
        return unit_option_label(obj)


class PersonField(forms.CharField):
    """A person given by user name or e-mail address (scales to any number of people, unlike a list)."""

    def __init__(self, *, people: QuerySet[Any], **kwargs: Any) -> None:
        kwargs.setdefault("help_text", _("User name or e-mail address."))
        super().__init__(**kwargs)
        self.people = people

    def prepare_value(self, value: Any) -> Any:
        return getattr(value, "username", value)

    def clean(self, value: Any) -> Any:
        text = super().clean(value)
        if not text:
            return None
        found = list(self.people.filter(Q(username__iexact=text) | Q(email__iexact=text))[:2])
        if len(found) != 1:
            raise forms.ValidationError(_("Nobody with this user name or e-mail address was found."), code="unknown")
        return found[0]


class UnitForm(DomainErrorForm):
    """Name, code, kind, place in the tree, lead and deputy of a unit."""

    name = forms.CharField(label=_("Name"), max_length=200)
    code = forms.SlugField(
        label=_("Code"),
        max_length=50,
        help_text=_("A short, stable key such as “fin-buha”, used by imports: letters, digits, - and _."),
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=UnitKind.choices)
    parent = UnitChoiceField(
        label=_("Parent unit"),
        queryset=OrgUnit.objects.none(),
        required=False,
        empty_label=_("— none (a company) —"),
    )
    lead = PersonField(label=_("Lead"), people=get_user_model().objects.none(), required=False)
    deputy = PersonField(label=_("Deputy"), people=get_user_model().objects.none(), required=False)
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, viewer: Any, unit: OrgUnit | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        units = units_visible_to(viewer).order_by("path")
        if unit is None:
            del self.fields["version"]
        else:
            units = units.exclude(path__startswith=unit.path)  # not below itself
        self.fields["parent"].queryset = units  # type: ignore[attr-defined]
        for name in ("lead", "deputy"):
            self.fields[name].people = people_visible_to(viewer).filter(is_active=True)  # type: ignore[attr-defined]


class PersonForm(DomainErrorForm):
    """A person's account; the user name is fixed once created, the password only set on creation."""

    username = forms.CharField(
        label=_("User name"),
        max_length=150,
        help_text=_("Used to sign in; cannot be changed later. Letters, digits and @ . + - _ only."),
    )
    display_name = forms.CharField(label=_("Display name"), max_length=150, required=False)
    email = forms.EmailField(label=_("E-mail"), required=False)
    preferred_language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)
    password = forms.CharField(
        label=_("Initial password"),
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("Optional. Without one, the person signs in through single sign-on or gets one later."),
    )

    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, creating: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if creating:
            del self.fields["version"]
        else:
            del self.fields["username"]
            del self.fields["password"]

    def clean_password(self) -> str:
        """Django's password rules, as on every other page that sets a password."""
        password = self.cleaned_data.get("password", "")
        if password:
            try:
                person_password_check(
                    password=password,
                    username=self.data.get("username", ""),
                    email=self.data.get("email", ""),
                    display_name=self.data.get("display_name", ""),
                )
            except DomainError as exc:
                raise forms.ValidationError(str(exc.message), code=exc.code) from exc
        return password


class MembershipForm(forms.Form):
    """Add a person to a unit."""

    unit = UnitChoiceField(label=_("Unit"), queryset=OrgUnit.objects.none(), empty_label=_("— choose a unit —"))

    def __init__(self, *args: Any, viewer: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units_visible_to(viewer).order_by("path")  # type: ignore[attr-defined]


class RoleForm(DomainErrorForm):
    """Give a person a role, for the whole company or one unit and its sub-units."""

    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)
    unit = UnitChoiceField(
        label=_("For unit"),
        queryset=OrgUnit.objects.none(),
        required=False,
        empty_label=_("— the whole company —"),
        help_text=_("The role then also counts for every unit below it."),
    )

    def __init__(self, *args: Any, viewer: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units_visible_to(viewer).order_by("path")  # type: ignore[attr-defined]


class ImportForm(forms.Form):
    """A CSV file of units or people, and whether only to check it."""

    kind = forms.ChoiceField(label=_("What the file contains"), choices=importing.KIND_CHOICES)
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_("UTF-8 or Windows-1252, separated by commas, semicolons or tabs; at most 5 MB."),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.txt,text/csv,text/plain"}),
    )
    dry_run = forms.BooleanField(label=_("Only check the file, import nothing"), required=False)

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > importing.MAX_BYTES:
            raise forms.ValidationError(
                _("The file is larger than %(max)d MB. Split it into smaller files.")
                % {"max": importing.MAX_BYTES // (1024 * 1024)},
                code="too_large",
            )
        return upload
