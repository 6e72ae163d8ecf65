"""Forms of the AI literacy pages: a course, and recording a completion.

Forms check the shape of the input; the rules (unique codes, no completions in the future) live in
the services, whose errors the views put on the field they name.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from leitplanke.common.forms import DomainErrorForm, model_field
from leitplanke.org.forms import PersonField

from .models import Completion, Course


class CourseForm(DomainErrorForm):
    """What a course is called, its code for the rule bundles, and how long a completion counts."""

    title = model_field(Course, "title")
    code = model_field(Course, "code")
    description = model_field(Course, "description", widget=forms.Textarea(attrs={"rows": 4}))
    validity_months = model_field(Course, "validity_months")
    active = model_field(Course, "active")
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class CompletionForm(DomainErrorForm):
    """Who completed the course, on which day, and a note such as the certificate number."""

    person = PersonField(label=_("Person"), people=get_user_model().objects.filter(is_active=True))
    completed_on = model_field(Completion, "completed_on", widget=forms.DateInput(attrs={"type": "date"}))
    note = model_field(Completion, "note")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The queryset is evaluated per request, so people created later are found too.
        self.fields["person"].people = get_user_model().objects.filter(is_active=True)  # type: ignore[attr-defined]
