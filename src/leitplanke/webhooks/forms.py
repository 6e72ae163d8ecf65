"""The endpoint form: address, description and the events it receives.

The form checks the shape of the input; the rules (http/https only, no credentials in the address,
at least one event) live in the services, whose errors the views put on the field they name.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from leitplanke.common.forms import DomainErrorForm, model_field

from .models import Endpoint, EventType


class EndpointForm(DomainErrorForm):
    """A webhook endpoint as AI governance configures it (the secret is made by Leitplanke)."""

    url = model_field(Endpoint, "url", assume_scheme="https")
    description = model_field(
        Endpoint, "description", help_text=_("What receives the events, for whoever looks after this endpoint later.")
    )
    event_types = forms.MultipleChoiceField(
        label=_("Events"),
        choices=EventType.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("The endpoint receives only the events chosen here."),
        error_messages={"required": _("Choose at least one event.")},
    )
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, creating: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if creating:
            del self.fields["version"]


class RotateSecretForm(DomainErrorForm):
    """The confirmation of a new secret; the version the person saw makes a rotation by someone else a conflict."""

    version = forms.IntegerField(required=False, widget=forms.HiddenInput)
