"""Forms of the decision pages: a reviewer's decision and the team lead's approval."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from leitplanke.common.forms import DomainErrorForm

from .models import ApprovalScope, ReviewStatus

DECISION_CHOICES = [
    (ReviewStatus.APPROVED.value, _("Approve")),
    (ReviewStatus.APPROVED_WITH_CONDITIONS.value, _("Approve with conditions")),
    (ReviewStatus.CHANGES_REQUESTED.value, _("Request changes")),
    (ReviewStatus.REJECTED.value, _("Reject")),
]


class ReviewDecisionForm(DomainErrorForm):
    """A reviewer's decision with the reason the owner reads."""

    outcome = forms.ChoiceField(label=_("Decision"), choices=DECISION_CHOICES, widget=forms.RadioSelect)
    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Required when you request changes or reject: say what the owner should do."),
    )
    conditions = forms.CharField(
        label=_("Conditions"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required when you approve with conditions: what must be done, for example before the start."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class ApprovalForm(DomainErrorForm):
    """The team lead confirms responsibility for the use case under its verdict."""

    scope = forms.ChoiceField(
        label=_("The approval allows"),
        choices=ApprovalScope.choices,
        initial=ApprovalScope.PILOT,
        widget=forms.RadioSelect,
    )
    confirm = forms.BooleanField(
        label=_("I have read the verdict and its obligations and take responsibility for this use case."),
        error_messages={"required": _("Please confirm that you take responsibility.")},
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


#: The file types the service accepts as evidence, as the form names them to people.
EVIDENCE_FILE_TYPES = "PDF, PNG, JPG, TXT, CSV, DOCX, XLSX, PPTX, ODT, ODS, MD, EML, MSG, ZIP"


class ObligationDoneForm(DomainErrorForm):
    """Evidence that an obligation is fulfilled: a description, a link, a file, or several."""

    evidence = forms.CharField(
        label=_("Evidence"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What was done, by whom, when; for example “Record in the processing register, no. 112”."),
    )
    evidence_link = forms.URLField(label=_("Link to the evidence"), required=False, assume_scheme="https")
    evidence_file = forms.FileField(label=_("File with the evidence"), required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Built per request: the language is the reader's, the limit the one configured now.
        self.fields["evidence_file"].help_text = _(
            "For example a signed record or a screenshot. Allowed file types: %(types)s; at most %(max)s MB."
        ) % {"types": EVIDENCE_FILE_TYPES, "max": settings.EVIDENCE_MAX_MB}


class StageForm(forms.Form):
    """One of the moves of an approved use case (the buttons of its decision panel)."""

    action = forms.ChoiceField(
        choices=[
            ("pilot", _("Start the pilot")),
            ("production", _("Move to production")),
            ("submit_production", _("Submit for production")),
            ("retired", _("Retire")),
        ]
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
