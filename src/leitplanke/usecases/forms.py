"""Forms of the registry: the intake steps (which together make the edit form) and the library filters.

Forms check the shape of the input; completeness on submit and the allowed answers are the
services' rules, whose errors the views put on the field they name.
"""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import NON_FIELD_ERRORS
from django.db.models import Q, QuerySet
from django.forms.utils import ErrorDict
from django.utils.formats import get_format
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from leitplanke.catalog.models import Tool
from leitplanke.common.forms import DomainErrorForm
from leitplanke.common.widgets import FastSelect
from leitplanke.guardrails.models import DecisionPath, RiskClass
from leitplanke.org.forms import UnitChoiceField
from leitplanke.org.models import OrgUnit
from leitplanke.org.selectors import people_visible_to, units_visible_to

from .facts import FACTS
from .models import Stage, Status
from .selectors import units_user_works_in

#: The intake steps in order: code, title, and the form fields each step asks for.
BASICS, TOOLS, RISK, REVIEW = "basics", "tools", "risk", "review"
STEP_FIELDS: dict[str, tuple[str, ...]] = {
    BASICS: ("title", "summary", "problem", "unit", "stage"),
    TOOLS: (
        "tools",
        "contributors",
        "expected_hours_per_month",
        "expected_euros_per_year",
        "expected_benefit",
        "confidential",
    ),
    RISK: tuple(fact.name for fact in FACTS),
}
STEP_TITLES = {
    BASICS: _("Basics"),
    TOOLS: _("Tools and people"),
    RISK: _("Risk questions"),
    REVIEW: _("Review and submit"),
}
STEPS: tuple[str, ...] = (BASICS, TOOLS, RISK, REVIEW)


def step_of_field(name: str) -> str:
    """The intake step that asks for ``name`` (the first step for anything else)."""
    for step, names in STEP_FIELDS.items():
        if name in names:
            return step
    return BASICS


class ToolChoiceField(forms.ModelMultipleChoiceField):
    """Catalogue tools as checkboxes; the template shows each tool's status and the data it allows."""

    widget = forms.CheckboxSelectMultiple

    def label_from_instance(self, obj: Tool) -> str:
        return obj.name


class PeopleField(forms.CharField):
    """Several people given by user name or e-mail address, separated by commas or new lines."""

    def __init__(self, *, people: QuerySet[Any], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.people = people

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, list | tuple | QuerySet):
            return ", ".join(getattr(person, "username", str(person)) for person in value)
        return value

    def clean(self, value: Any) -> list[Any]:
        text = super().clean(value) or ""
        found: list[Any] = []
        unknown: list[str] = []
        for token in (part.strip() for part in re.split(r"[,;\n]", text)):
            if not token:
                continue
            matches = list(self.people.filter(Q(username__iexact=token) | Q(email__iexact=token))[:2])
            if len(matches) != 1:
                unknown.append(token)
            elif matches[0] not in found:
                found.append(matches[0])
        if unknown:
            raise forms.ValidationError(
                _("Nobody with this user name or e-mail address was found: %(names)s"),
                code="unknown",
                params={"names": ", ".join(unknown)},
            )
        return found


class AmountField(forms.DecimalField):
    """A number as people type it in their language, thousands grouped or not ("1.500,50", "1500,5")."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("localize", True)
        kwargs.setdefault("widget", forms.TextInput(attrs={"inputmode": "decimal"}))
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> Any:
        if isinstance(value, str):
            thousands = re.escape(get_format("THOUSAND_SEPARATOR"))
            decimal = re.escape(get_format("DECIMAL_SEPARATOR"))
            text = value.strip()
            if re.fullmatch(rf"\d{{1,3}}({thousands}\d{{3}})+({decimal}\d+)?", text):
                value = re.sub(thousands, "", text)
        return super().to_python(value)


class UseCaseForm(DomainErrorForm):
    """The Steckbrief; ``step`` keeps only the fields of one intake step, none keeps them all (edit)."""

    title = forms.CharField(
        label=_("Title"),
        max_length=300,
        help_text=_("A short name that colleagues will recognise, for example “Classify incoming invoices”."),
    )
    summary = forms.CharField(
        label=_("Summary"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Two or three sentences: what does the AI do, and for whom?"),
    )
    problem = forms.CharField(
        label=_("Problem and goal"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What is slow, error-prone or tedious today, and what should be better afterwards?"),
    )
    unit = UnitChoiceField(
        label=_("Owning unit"),
        queryset=OrgUnit.objects.none(),
        empty_label=_("— choose a unit —"),
        help_text=_("The unit that runs the use case and answers for it. You can choose the units you work in."),
    )
    stage = forms.ChoiceField(
        label=_("Stage"),
        choices=Stage.choices,
        initial=Stage.IDEA,
        help_text=_(
            "Idea: not started yet. Pilot: a few people try it. Production: part of daily work. "
            "Retired: no longer used."
        ),
    )
    tools = ToolChoiceField(
        label=_("Tools from the catalogue"),
        queryset=Tool.objects.none(),
        required=False,
        help_text=_(
            "Tick the tools the use case uses. Each tool shows whether it is approved and which data it may "
            "receive. Tools marked “not allowed” must not be used."
        ),
    )
    contributors = PeopleField(
        label=_("Contributors"),
        people=get_user_model().objects.none(),
        required=False,
        help_text=_(
            "Other people who work on it and may edit it: user names or e-mail addresses, separated by commas."
        ),
    )
    expected_hours_per_month = AmountField(
        label=_("Hours saved per month"),
        required=False,
        min_value=0,
        max_digits=10,
        decimal_places=1,
        help_text=_("A rough estimate for the whole team is enough. Leave it empty if you do not know yet."),
    )
    expected_euros_per_year = AmountField(
        label=_("Value in euros per year"),
        required=False,
        min_value=0,
        max_digits=14,
        decimal_places=2,
        help_text=_("Money saved or earned per year, roughly. Leave it empty if you do not know yet."),
    )
    expected_benefit = forms.CharField(
        label=_("Other benefit"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Benefits that are not hours or euros, for example quality, speed or satisfaction."),
    )
    confidential = forms.BooleanField(
        label=_("Confidential"),
        required=False,
        help_text=_(
            "Only the owning unit, AI governance, the assigned reviewers and auditors can then see it. Use this "
            "only when the use case itself must not be known across the company."
        ),
    )
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(
        self,
        *args: Any,
        viewer: Any,
        step: str | None = None,
        current_unit: OrgUnit | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        for fact in FACTS:
            self.fields[fact.name] = _fact_field(fact)
        # The units the person works in, and the current one (a contributor may edit without moving it).
        units = OrgUnit.objects.filter(
            Q(pk__in=units_user_works_in(viewer).values("pk")) | Q(pk=current_unit.pk if current_unit else None)
        )
        self.fields["unit"].queryset = units.order_by("path")  # type: ignore[attr-defined]
        if not self.initial.get("unit"):
            only = list(units.values_list("pk", flat=True)[:2])
            if len(only) == 1:  # someone who works in one unit need not choose it
                self.initial["unit"] = only[0]
        self.fields["tools"].queryset = Tool.objects.order_by("name")  # type: ignore[attr-defined]
        self.fields["contributors"].people = people_visible_to(viewer).filter(is_active=True)  # type: ignore[attr-defined]
        if step is not None:
            keep = {*STEP_FIELDS.get(step, ()), "version"}
            for name in list(self.fields):
                if name not in keep:
                    del self.fields[name]

    def changes(self) -> dict[str, Any]:
        """The cleaned input as keyword arguments of the services (without the version)."""
        data = dict(self.cleaned_data)
        data.pop("version", None)
        return data

    def show_errors(self, errors: dict[str, str]) -> None:
        """Errors found elsewhere (submitting checks the stored draft) shown on an unbound form's fields."""
        shown = ErrorDict()
        for name, message in errors.items():
            shown[name if name in self.fields else NON_FIELD_ERRORS] = self.error_class([message])
        self._errors = shown

    def fact_fields(self) -> list[forms.BoundField]:
        """The risk questions of this form, in the order of the facts."""
        return [self[fact.name] for fact in FACTS if fact.name in self.fields]


def _fact_field(fact: Any) -> forms.Field:
    """A risk question: checkboxes when several answers apply, else radio buttons with "I am not sure"."""
    if fact.multiple:
        return forms.MultipleChoiceField(
            label=fact.question,
            help_text=fact.help,
            choices=fact.all_choices,
            required=False,
            widget=forms.CheckboxSelectMultiple,
        )
    return forms.ChoiceField(
        label=fact.question,
        help_text=fact.help,
        choices=fact.all_choices,
        required=False,
        widget=forms.RadioSelect,
    )


def initial_for(usecase: Any) -> dict[str, Any]:
    """The stored values of a use case as the form's initial data."""
    initial: dict[str, Any] = {
        "title": usecase.title,
        "summary": usecase.summary,
        "problem": usecase.problem,
        "unit": usecase.unit_id,
        "stage": usecase.stage,
        "tools": list(usecase.tools.all()),
        "contributors": list(usecase.contributors.order_by("username")),
        "expected_hours_per_month": usecase.expected_hours_per_month,
        "expected_euros_per_year": usecase.expected_euros_per_year,
        "expected_benefit": usecase.expected_benefit,
        "confidential": usecase.confidential,
        "version": usecase.version,
    }
    initial.update(usecase.facts())
    return initial


class LibraryFilterForm(forms.Form):
    """Filters and sorting of the library; anything invalid is ignored rather than refused."""

    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    unit = UnitChoiceField(
        label=_("Unit"),
        queryset=OrgUnit.objects.none(),
        required=False,
        empty_label=_("All units"),
        help_text=_("Includes its sub-units."),
    )
    stage = forms.ChoiceField(
        label=_("Stage"), required=False, choices=[("", _("All stages")), *Stage.choices], widget=FastSelect
    )
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("All")), *Status.choices], widget=FastSelect
    )
    tool = forms.ModelChoiceField(
        label=_("Tool"), queryset=Tool.objects.none(), required=False, empty_label=_("All tools"), widget=FastSelect
    )
    risk_class = forms.ChoiceField(
        label=_("Risk class"),
        required=False,
        choices=[("", _("All risk classes")), *RiskClass.choices],
        widget=FastSelect,
    )
    decision = forms.ChoiceField(
        label=_("Decision path"),
        required=False,
        choices=[("", _("All decision paths")), *DecisionPath.choices],
        widget=FastSelect,
    )
    mine = forms.BooleanField(label=_("Only mine"), required=False)
    sort = forms.ChoiceField(
        label=_("Sort by"),
        required=False,
        choices=[
            # A search sorts by relevance (title matches first); without one, this is last changed.
            ("relevance", _("Relevance")),
            ("-updated", _("Last changed")),
            ("title", pgettext_lazy("sort", "Title")),
            ("stage", pgettext_lazy("sort", "Stage")),
        ],
        widget=FastSelect,
    )

    def __init__(self, *args: Any, viewer: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The unit options are kept until the org chart changes (``org.selectors.unit_options``).
        self.fields["unit"].queryset = units_visible_to(viewer)  # type: ignore[attr-defined]
        self.fields["tool"].queryset = Tool.objects.only("name").order_by("name")  # type: ignore[attr-defined]

    def filters(self) -> dict[str, Any]:
        """The valid filters (invalid ones dropped, so a stale bookmark still shows a list)."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {name: data.get(name) for name in self.fields if name not in self.errors}
