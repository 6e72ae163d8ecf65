"""The form of the token page: what a new personal access token is for, what it may do, how long it lasts.

The form checks the shape of the input; the rules (the expiry's range, active people only) live in
``services.token_create``, whose errors the view puts on the field they name.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from leitplanke.common.forms import DomainErrorForm, model_field

from .models import AccessToken, Scope
from .services import DEFAULT_EXPIRY_DAYS, MAX_EXPIRY_DAYS


class TokenCreateForm(DomainErrorForm):
    """A new token: its name, its scope (read unless chosen otherwise) and its lifetime in days."""

    name = model_field(AccessToken, "name")
    scope = forms.ChoiceField(
        label=_("Scope"),
        choices=Scope.choices,
        initial=Scope.READ,
        widget=forms.RadioSelect,
        help_text=_("A read token can only look things up; choose read and write only if the script changes data."),
    )
    expires_in_days = forms.IntegerField(
        label=_("Expires after (days)"),
        initial=DEFAULT_EXPIRY_DAYS,
        min_value=1,
        max_value=MAX_EXPIRY_DAYS,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Translated per request (a lazy string would be fixed in one language by the interpolation).
        self.fields["expires_in_days"].help_text = gettext(
            "At most %(days)d days. Create a new token before this one expires."
        ) % {"days": MAX_EXPIRY_DAYS}
