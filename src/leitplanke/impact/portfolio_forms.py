"""The portfolio's filters: a unit's subtree and a period."""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from leitplanke.org.models import OrgUnit
from leitplanke.org.selectors import unit_option_label

from .portfolio import DEFAULT_DAYS, Period

#: The longest period the portfolio compares (ten years).
MAX_DAYS = 3660


class PortfolioFilterForm(forms.Form):
    """``?unit=CODE&start=YYYY-MM-DD&end=YYYY-MM-DD``, each optional."""

    unit = forms.ChoiceField(label=_("Unit (with its sub-units)"), required=False)
    start = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    end = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )

    def __init__(self, *args: Any, today: dt.date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.today = today
        units = OrgUnit.objects.only("code", "name", "depth", "path").order_by("path")
        unit_field = cast(forms.ChoiceField, self.fields["unit"])
        unit_field.choices = [("", _("The whole company")), *((u.code, unit_option_label(u)) for u in units)]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        end = data.get("end") or self.today
        start = data.get("start") or (end - dt.timedelta(days=DEFAULT_DAYS - 1))
        if start > end:
            self.add_error("start", _("The period must begin before it ends."))
        elif (end - start).days >= MAX_DAYS:
            self.add_error("start", _("The period may span ten years at most."))
        data["period"] = Period(start, end)
        return data

    def chosen_unit(self) -> OrgUnit | None:
        code = self.cleaned_data.get("unit") if self.is_valid() else None
        return OrgUnit.objects.filter(code=code).first() if code else None

    def period(self) -> Period:
        if self.is_valid():
            period: Period = self.cleaned_data["period"]
            return period
        return Period.ending(self.today)
