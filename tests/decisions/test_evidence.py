"""Evidence files: the owning unit attaches one when it completes an obligation; whoever may read the
use case downloads it; a file of the wrong type or size is refused and nothing is written."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from leitplanke.audit.models import Event
from leitplanke.decisions import services as decisions
from leitplanke.decisions.models import Obligation, ObligationStatus

from .conftest import COMPLETE_FACTS

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n% Schulungsnachweis\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
#: Who downloads the evidence of a confidential use case: those who read it.
READS_CONFIDENTIAL = {"unit_member", "unit_lead", "ai_governance", "auditor"}
VIEWERS = ["unit_member", "unit_lead", "other_unit", "ai_governance", "auditor", "data_protection", "administrator"]


@pytest.fixture
def media(settings, tmp_path) -> Path:
    """Uploaded files go to a fresh folder of this test."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def open_obligation(make_usecase, qualified_lead) -> Any:
    """An open obligation of an approved use case; ``confidential`` makes the use case confidential."""

    def make(*, confidential: bool = False) -> Obligation:
        usecase = make_usecase(**COMPLETE_FACTS, confidential=confidential)
        decisions.usecase_approve(actor=qualified_lead, usecase=usecase)
        obligation = Obligation.objects.filter(usecase=usecase).first()
        assert obligation is not None  # the AI-literacy duty of Art. 4 comes with every use case
        return obligation

    return make


def _stored_files(media: Path) -> list[Path]:
    return [path for path in media.rglob("*") if path.is_file()] if media.exists() else []


def _post_evidence(client, obligation: Obligation, **data: Any):
    url = reverse("decisions:obligation_done", args=[obligation.pk])
    return client.post(url, {"evidence": "", "evidence_link": "", "version": obligation.version, **data})


def _download(client, obligation: Obligation):
    return client.get(reverse("decisions:evidence_download", args=[obligation.pk]))


def _complete_with_file(obligation: Obligation, actor: Any, name: str = "Schulungsnachweis März.pdf") -> Obligation:
    return decisions.obligation_complete(
        actor=actor, obligation=obligation, evidence_file=SimpleUploadedFile(name, PDF, "application/pdf")
    )


def test_a_member_completes_an_obligation_with_a_file(media, open_obligation, org, client_for) -> None:
    obligation = open_obligation()
    upload = SimpleUploadedFile("Schulungsnachweis März.pdf", PDF, content_type="application/pdf")

    response = _post_evidence(client_for(org.member), obligation, evidence_file=upload)

    assert response.status_code == 302
    obligation.refresh_from_db()
    assert obligation.status == ObligationStatus.DONE
    assert obligation.evidence_file_name == "Schulungsnachweis März.pdf"
    stored = _stored_files(media)
    assert [path.read_bytes() for path in stored] == [PDF]
    assert stored[0].name != "Schulungsnachweis März.pdf"  # stored under a random name, the extension kept
    assert stored[0].suffix == ".pdf"
    event = Event.objects.filter(action="decisions.obligation.completed", object_id=str(obligation.usecase_id)).get()
    assert event.before["evidence_file"] == ""
    assert event.after["evidence_file"] == "Schulungsnachweis März.pdf"


def test_the_download_returns_the_file_under_its_original_name(media, open_obligation, org, client_for) -> None:
    obligation = _complete_with_file(open_obligation(confidential=True), org.member)

    response = _download(client_for(org.member), obligation)

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Disposition"].startswith("attachment;")
    assert "filename*=utf-8''Schulungsnachweis%20M%C3%A4rz.pdf" in response["Content-Disposition"]
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_the_obligation_page_links_the_file_by_its_name(media, open_obligation, org, client_for) -> None:
    obligation = _complete_with_file(open_obligation(), org.member)

    response = client_for(org.outsider).get(reverse("decisions:obligation_done", args=[obligation.pk]))

    link = reverse("decisions:evidence_download", args=[obligation.pk])
    assert f'href="{link}"' in response.content.decode()
    assert "Schulungsnachweis März.pdf" in response.content.decode()


@pytest.mark.parametrize("viewer", VIEWERS)
def test_only_who_reads_a_confidential_use_case_downloads_its_evidence(
    viewer, media, open_obligation, org, client_for
) -> None:
    obligation = _complete_with_file(open_obligation(confidential=True), org.member)

    response = _download(client_for(org.viewer(viewer)), obligation)

    if viewer in READS_CONFIDENTIAL:
        assert response.status_code == 200
        assert b"".join(response.streaming_content) == PDF
    else:
        assert response.status_code == 404
        assert "Content-Disposition" not in response


def test_signed_out_people_are_sent_to_sign_in(media, open_obligation, org, client_for) -> None:
    obligation = _complete_with_file(open_obligation(), org.member)

    response = _download(client_for(None), obligation)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_an_obligation_without_a_file_has_no_download(media, open_obligation, org, client_for) -> None:
    obligation = decisions.obligation_complete(actor=org.member, obligation=open_obligation(), evidence="Erledigt")

    assert _download(client_for(org.member), obligation).status_code == 404


@pytest.mark.parametrize(
    ("name", "content", "max_mb", "message"),
    [
        ("nachweis.pdf", PDF, 0, "Die Datei ist zu groß: Erlaubt sind höchstens 0 MB."),
        ("nachweis.exe", b"MZ\x90\x00", 20, "Dateien dieses Typs können nicht angehängt werden."),
        ("nachweis", b"no extension", 20, "Dateien dieses Typs können nicht angehängt werden."),
    ],
    ids=["too-large", "executable", "no-extension"],
)
def test_a_file_of_the_wrong_size_or_type_is_refused_and_nothing_changes(
    name, content, max_mb, message, settings, media, open_obligation, org, client_for
) -> None:
    settings.EVIDENCE_MAX_MB = max_mb
    obligation = open_obligation()
    events = Event.objects.count()

    response = _post_evidence(
        client_for(org.member), obligation, evidence="Siehe Datei", evidence_file=SimpleUploadedFile(name, content)
    )

    assert response.status_code == 400
    assert [error[: len(message)] for error in response.context["form"].errors["evidence_file"]] == [message]
    stored = Obligation.objects.get(pk=obligation.pk)
    assert (stored.status, stored.version, stored.evidence, stored.evidence_file.name) == (
        ObligationStatus.OPEN,
        obligation.version,
        "",
        "",
    )
    assert Event.objects.count() == events
    assert _stored_files(media) == []


def test_the_form_names_the_allowed_types_and_the_limit(settings, open_obligation, org, client_for) -> None:
    settings.EVIDENCE_MAX_MB = 7

    response = client_for(org.member).get(reverse("decisions:obligation_done", args=[open_obligation().pk]))

    help_text = response.context["form"]["evidence_file"].help_text
    assert "PDF" in help_text and "DOCX" in help_text and "7 MB" in help_text
    assert 'enctype="multipart/form-data"' in response.content.decode()


def test_completing_without_any_evidence_is_still_refused(media, open_obligation, org, client_for) -> None:
    obligation = open_obligation()

    response = _post_evidence(client_for(org.member), obligation)

    assert response.status_code == 400
    assert response.context["form"].errors["evidence"] == [  # German is the default language
        "Beschreiben oder verlinken Sie den Nachweis, dass die Auflage erfüllt ist, oder hängen Sie ihn als Datei an."
    ]
    assert Obligation.objects.get(pk=obligation.pk).status == ObligationStatus.OPEN


def test_only_the_base_name_of_the_upload_is_kept(media, open_obligation, org) -> None:
    obligation = _complete_with_file(open_obligation(), org.member, name="C:\\Users\\max\\..\\Nachweis\x07.PDF")

    assert obligation.evidence_file_name == "Nachweis.PDF"
    assert obligation.evidence_file.name.startswith(f"evidence/{obligation.usecase_id}/")
    assert Path(obligation.evidence_file.path).is_relative_to(media)


def test_a_failed_completion_leaves_no_file_behind(media, open_obligation, org, monkeypatch) -> None:
    obligation = open_obligation()

    def fail(**kwargs: Any) -> None:
        raise RuntimeError("audit log unavailable")

    monkeypatch.setattr(decisions, "event_record", fail)
    with pytest.raises(RuntimeError):
        _complete_with_file(obligation, org.member)

    assert Obligation.objects.get(pk=obligation.pk).status == ObligationStatus.OPEN
    assert _stored_files(media) == []
