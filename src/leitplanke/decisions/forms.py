"""Forms of the decision pages: a reviewer's decision and the team lead's approval."""

from __future__ import annotations

from django import forms
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
        label=_("The approval allows"), choices=ApprovalScope.choices, initial=ApprovalScope.PILOT,
        widget=forms.RadioSelect,
    )
    confirm = forms.BooleanField(
        label=_("I have read the verdict and its obligations and take responsibility for this use case."),
        error_messages={"required": _("Please confirm that you take responsibility.")},
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class ObligationDoneForm(DomainErrorForm):
    """Evidence that an obligation is fulfilled: a description, a link, or both."""

    evidence = forms.CharField(
        label=_("Evidence"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What was done, by whom, when; for example “Record in the processing register, no. 112”."),
    )
    evidence_link = forms.URLField(label=_("Link to the evidence"), required=False, assume_scheme="https")
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
