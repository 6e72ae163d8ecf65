"""Forms of the catalogue: a tool entry, a tool request, and the decision on a request.

Forms check the shape of the input; the rules (unique names, what a decision needs) live in the
services, whose errors the views put on the field they name.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from leitplanke.common.forms import DomainErrorForm, model_field

from .models import Tool, ToolRequest, ToolStatus


class ToolForm(DomainErrorForm):
    """A catalogue entry: what the tool is, where it runs, whether teams may use it, for which data."""

    name = model_field(Tool, "name")
    vendor = model_field(Tool, "vendor")
    kind = model_field(Tool, "kind")
    hosting_region = model_field(
        Tool, "hosting_region", help_text=_("Where the vendor processes the data that goes into the tool.")
    )
    status = model_field(Tool, "status")
    max_classification = model_field(
        Tool,
        "max_classification",
        help_text=_("Data up to this classification may go into the tool; anything more sensitive may not."),
    )
    personal_data_allowed = model_field(Tool, "personal_data_allowed")
    dpa_signed = model_field(
        Tool,
        "dpa_signed",
        help_text=_("A data-processing agreement (Art. 28 GDPR, “AVV”) with the vendor is in place."),
    )
    trains_on_inputs = model_field(
        Tool, "trains_on_inputs", help_text=_("The vendor may use what people enter to train its models.")
    )
    usage_guidelines = model_field(
        Tool,
        "usage_guidelines",
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("What people should and should not do with the tool, in plain language."),
    )
    contact = model_field(Tool, "contact", help_text=_("Whom to ask about the tool: a person, team or e-mail address."))
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, creating: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if creating:
            del self.fields["version"]


class ToolFilterForm(forms.Form):
    """Narrow the catalogue by status and by a word in name or vendor."""

    q = forms.CharField(label=_("Search tools"), required=False, max_length=200)
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("All statuses")), *ToolStatus.choices]
    )


class ToolRequestForm(DomainErrorForm):
    """Ask for a tool that is not in the catalogue."""

    name = model_field(ToolRequest, "name", help_text=_("The name of the tool or platform you would like to use."))
    vendor = model_field(ToolRequest, "vendor")
    url = model_field(ToolRequest, "url", help_text=_("Optional: the vendor's page about the tool."))
    reason = model_field(
        ToolRequest,
        "reason",
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("What you want to do with it and why the tools in the catalogue do not do the job."),
    )


class DecisionForm(DomainErrorForm):
    """Accept or reject a request; on acceptance, link an existing entry or create a new one."""

    ACCEPT = "accept"
    REJECT = "reject"
    NO_ENTRY = "none"
    LINK = "link"
    CREATE = "create"

    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[(ACCEPT, _("Accept")), (REJECT, _("Reject"))],
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("Comment to the requester"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Required when you reject. The requester reads it in the e-mail and in Leitplanke."),
    )
    catalogue = forms.ChoiceField(
        label=_("Catalogue entry"),
        choices=[
            (NO_ENTRY, _("Do not change the catalogue now")),
            (LINK, _("Link the existing entry chosen below")),
            (CREATE, _("Create a new entry with the details below")),
        ],
        initial=NO_ENTRY,
        widget=forms.RadioSelect,
        help_text=_("Only when you accept."),
    )
    tool = forms.ModelChoiceField(
        label=_("Existing entry"),
        queryset=Tool.objects.none(),
        required=False,
        empty_label=_("— choose a tool —"),
    )

    def __init__(self, *args: Any, tools: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["tool"].queryset = tools  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("decision") == self.ACCEPT and data.get("catalogue") == self.LINK and not data.get("tool"):
            self.add_error("tool", _("Choose the catalogue entry to link."))
        return data
