"""The upload form of the generic CSV import."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from .importing import MAX_BYTES


class UsecaseImportForm(forms.Form):
    """A CSV file of use cases, and whether only to check it."""

    file = forms.FileField(
        label=_("CSV file"),
        help_text=_("UTF-8 or Windows-1252, separated by commas, semicolons or tabs; at most 20 MB."),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.txt,text/csv,text/plain"}),
    )
    dry_run = forms.BooleanField(label=_("Only check the file, import nothing"), required=False)

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_BYTES:
            raise forms.ValidationError(
                _("The file is larger than %(max)d MB. Split it into smaller files.")
                % {"max": MAX_BYTES // (1024 * 1024)},
                code="too_large",
            )
        return upload
