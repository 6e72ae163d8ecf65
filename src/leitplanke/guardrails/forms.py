"""Forms of the guardrail pages: uploading a candidate bundle as a ZIP archive."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .archive import MAX_ARCHIVE_BYTES, ArchiveInvalid, read_archive


class BundleUploadForm(forms.Form):
    """A rule bundle as a ZIP archive: ``bundle.yaml`` and ``rules/*.yaml``, at the top or in one folder."""

    archive = forms.FileField(
        label=_("Rule bundle (ZIP archive)"),
        help_text=_(
            "A ZIP archive with bundle.yaml and the folder rules/ – for example the active bundle downloaded "
            "from this page and changed. It is checked and compared with all use cases before anything changes."
        ),
    )

    def clean_archive(self) -> dict[str, str]:
        """The bundle's files (path → text), or a field error that says what is wrong with the archive."""
        upload = self.cleaned_data["archive"]
        if upload.size > MAX_ARCHIVE_BYTES:
            raise forms.ValidationError(_("The archive is larger than 5 MB."), code="too_large")
        try:
            return read_archive(upload.read())
        except ArchiveInvalid as exc:
            raise forms.ValidationError(str(exc), code="archive") from exc
