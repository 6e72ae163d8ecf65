"""Forms of the impact pages: an objective, the objectives a use case serves, a KPI, a measurement.

Forms check the shape of the input; the rules (who may scope an objective where, which objectives
cover a use case, no measurement in the future) live in the services.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from leitplanke.common.forms import DomainErrorForm, model_field
from leitplanke.org.forms import PersonField, UnitChoiceField
from leitplanke.org.models import OrgUnit

from .models import Kpi, Measurement, Objective

_DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ObjectiveForm(DomainErrorForm):
    """What leadership wants to achieve, for whom, measured how, by when."""

    title = model_field(Objective, "title")
    description = model_field(Objective, "description", widget=forms.Textarea(attrs={"rows": 3}))
    owner = PersonField(label=_("Owner"), people=get_user_model().objects.filter(is_active=True))
    unit = UnitChoiceField(
        label=_("Applies to"),
        queryset=OrgUnit.objects.none(),
        required=False,
        empty_label=_("The whole company"),
        help_text=_("The objective applies to this unit and its sub-units."),
    )
    metric = model_field(Objective, "metric")
    metric_unit = model_field(Objective, "metric_unit")
    baseline = model_field(Objective, "baseline")
    target_value = model_field(Objective, "target_value")
    target_date = model_field(Objective, "target_date", widget=_DATE)
    status = model_field(Objective, "status")
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, scopes: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = scopes  # type: ignore[attr-defined]
        self.fields["owner"].people = get_user_model().objects.filter(is_active=True)  # type: ignore[attr-defined]


class UseCaseObjectivesForm(DomainErrorForm):
    """The objectives a use case serves, among those whose scope covers it."""

    objectives = forms.ModelMultipleChoiceField(
        label=_("Objectives it serves"),
        queryset=Objective.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, choices: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["objectives"].queryset = choices  # type: ignore[attr-defined]


class KpiForm(DomainErrorForm):
    """A KPI of a use case: what is measured, in which direction it gets better, from where to where."""

    name = model_field(Kpi, "name")
    kind = model_field(Kpi, "kind")
    custom_unit = model_field(Kpi, "custom_unit")
    better_when = model_field(Kpi, "better_when")
    baseline = model_field(Kpi, "baseline")
    target = model_field(Kpi, "target")
    target_date = model_field(Kpi, "target_date", widget=_DATE)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class MeasurementForm(DomainErrorForm):
    """The value a KPI had on a day."""

    measured_on = model_field(Measurement, "measured_on", widget=_DATE)
    value = model_field(Measurement, "value")
    note = model_field(Measurement, "note")
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
