"""Publishing a rule bundle: checked, compared with the portfolio, made active; refused without a trace."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from leitplanke.audit.models import Event
from leitplanke.common.errors import DomainError, PermissionDenied
from leitplanke.guardrails import services
from leitplanke.guardrails.archive import read_archive
from leitplanke.guardrails.engine import default_folder, read_folder
from leitplanke.guardrails.models import RuleBundle, Verdict

pytestmark = pytest.mark.django_db

DEEPFAKE_RULES = "rules/30-ai-act-transparency.yaml"


def stricter_bundle(version: str = "2026.12.2") -> dict[str, str]:
    """The default bundle with deepfakes blocked instead of reviewed by legal."""
    files = read_folder(default_folder())
    files[DEEPFAKE_RULES] = (
        files[DEEPFAKE_RULES]
        .replace(
            "      - obligation: ai-act-art50-4-disclose-deepfake\n      - review: legal",
            "      - obligation: ai-act-art50-4-disclose-deepfake\n      - block: true",
        )
        .replace(
            "    expect: {risk_class: limited, decision: review, reviews: [legal], fired: [ai-act-art50-4-deepfake]}",
            "    expect: {risk_class: limited, decision: blocked, fired: [ai-act-art50-4-deepfake]}",
        )
    )
    files["bundle.yaml"] = files["bundle.yaml"].replace('version: "2026.12.1"', f'version: "{version}"')
    return files


def broken_bundle(
    old: str = "when: 'generated_content == \"deepfake\"'", new: str = "when: 'generated_content == \"deepfake\" &&'"
) -> dict[str, str]:
    """The stricter bundle with one mistake in the deepfake rule (by default a CEL syntax error)."""
    files = stricter_bundle("2026.12.3")
    assert old in files[DEEPFAKE_RULES]
    files[DEEPFAKE_RULES] = files[DEEPFAKE_RULES].replace(old, new)
    return files


@pytest.fixture
def portfolio(org, make_usecase) -> dict[str, Any]:
    """A deepfake campaign and an ordinary use case, both evaluated under the shipped bundle."""
    deepfake = make_usecase(title="Kampagnenvideo", purposes=["content_creation"], generated_content="deepfake")
    ordinary = make_usecase(title="Zusammenfassungen")
    return {"deepfake": deepfake, "ordinary": ordinary, "governance": org.role_holders["ai_governance"]}


def _state() -> tuple[list[Any], list[Any], int]:
    bundles = list(RuleBundle.objects.order_by("pk").values_list("version", "active"))
    verdicts = list(Verdict.objects.order_by("pk").values_list("usecase_id", "decision", "bundle_id"))
    return bundles, verdicts, Event.objects.count()


def test_publishing_makes_the_bundle_active_and_changes_the_verdicts_it_should(portfolio) -> None:
    governance = portfolio["governance"]
    publication = services.bundle_publish(actor=governance, files=stricter_bundle())
    active = RuleBundle.objects.get(active=True)
    assert (active.version, active.published_by) == ("2026.12.2", governance)
    assert RuleBundle.objects.filter(active=False).values_list("version", flat=True).get() == "2026.12.1"
    assert [change.key for change in publication.whatif.changes] == [portfolio["deepfake"].pk]
    assert Verdict.objects.get(usecase=portfolio["deepfake"]).decision == "blocked"
    assert Verdict.objects.get(usecase=portfolio["ordinary"]).decision == "team_lead"
    assert set(Verdict.objects.values_list("bundle_id", flat=True)) == {active.pk}
    published = Event.objects.filter(action="guardrails.bundle.published").last()
    assert published.actor_id == governance.pk and published.after["version"] == "2026.12.2"
    assert published.before["version"] == "2026.12.1" and published.after["changed_verdicts"] == 1
    changed = Event.objects.get(action="guardrails.verdict.changed", object_id=str(portfolio["deepfake"].pk))
    assert (changed.before["decision"], changed.after["decision"]) == ("review", "blocked")
    assert active.whatif["changed"] == 1


@pytest.mark.parametrize(
    ("files", "code"),
    [
        (broken_bundle, "bundle_invalid"),
        (lambda: broken_bundle("generated_content ==", "generated_contents =="), "bundle_invalid"),
        (lambda: broken_bundle("      - block: true", "      - forbid: true"), "bundle_invalid"),
        (lambda: broken_bundle("id: ai-act-art50-4-deepfake", "id: ai-act-art50-1-chatbot"), "bundle_invalid"),
        (lambda: read_folder(default_folder()), "already_active"),
        (lambda: stricter_bundle("2026.12.1"), "version_exists"),
    ],
    ids=["syntax error", "unknown fact", "unknown effect", "duplicate id", "already active", "version reused"],
)
def test_a_refused_bundle_changes_nothing(portfolio, files, code) -> None:
    before = _state()
    with pytest.raises(DomainError) as refused:
        services.bundle_publish(actor=portfolio["governance"], files=files())
    assert refused.value.code == code
    assert _state() == before


def test_a_refused_bundle_names_the_file_and_line(portfolio) -> None:
    with pytest.raises(services.BundleRefused) as refused:
        services.bundle_publish(actor=None, files=broken_bundle())
    problem = refused.value.report.problems[0]
    assert problem.file == DEEPFAKE_RULES and problem.line > 1 and "CEL" in problem.message


def test_a_bundle_whose_own_test_fails_is_refused(portfolio) -> None:
    files = stricter_bundle("2026.12.4")
    files[DEEPFAKE_RULES] = files[DEEPFAKE_RULES].replace(
        "decision: blocked, fired: [ai-act-art50-4-deepfake]", "decision: team_lead, fired: [ai-act-art50-4-deepfake]"
    )
    before = _state()
    with pytest.raises(services.BundleRefused) as refused:
        services.bundle_publish(actor=None, files=files)
    assert "test 'a deepfake is disclosed and goes to legal' failed" in refused.value.report.problems[0].message
    assert _state() == before


@pytest.mark.parametrize("role", ["data_protection", "administrator", "auditor"])
def test_only_ai_governance_publishes(org, portfolio, role) -> None:
    before = _state()
    with pytest.raises(PermissionDenied):
        services.bundle_publish(actor=org.role_holders[role], files=stricter_bundle())
    assert _state() == before


def _zip(files: dict[str, str], folder: str = "bundle") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path, text in files.items():
            archive.writestr(f"{folder}/{path}", text)
    return SimpleUploadedFile("bundle.zip", buffer.getvalue(), content_type="application/zip")


def test_governance_checks_a_bundle_sees_the_what_if_and_publishes_it(portfolio, client_for) -> None:
    client = client_for(portfolio["governance"])
    response = client.post(reverse("guardrails:publish"), {"archive": _zip(stricter_bundle())})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="whatif"' in html and "Kampagnenvideo" in html
    assert RuleBundle.objects.get(active=True).version == "2026.12.1"  # nothing changed yet
    digest = response.context["digest"]
    response = client.post(reverse("guardrails:publish"), {"confirm": "1", "digest": digest})
    assert response.status_code == 302
    assert RuleBundle.objects.get(active=True).version == "2026.12.2"


def test_an_uploaded_broken_bundle_lists_its_problems_and_changes_nothing(portfolio, client_for) -> None:
    before = _state()
    client = client_for(portfolio["governance"])
    response = client.post(reverse("guardrails:publish"), {"archive": _zip(broken_bundle())})
    assert response.status_code == 422
    assert f"{DEEPFAKE_RULES}:" in response.content.decode()
    assert _state() == before


def test_an_upload_that_is_no_zip_gets_a_field_error(portfolio, client_for) -> None:
    upload = SimpleUploadedFile("rules.zip", b"not a zip", content_type="application/zip")
    response = client_for(portfolio["governance"]).post(reverse("guardrails:publish"), {"archive": upload})
    assert response.status_code == 200
    assert response.context["form"].errors["archive"]


def test_publishing_a_stale_candidate_is_refused(portfolio, client_for) -> None:
    response = client_for(portfolio["governance"]).post(reverse("guardrails:publish"), {"confirm": "1", "digest": "x"})
    assert response.status_code == 302
    assert RuleBundle.objects.get(active=True).version == "2026.12.1"


@pytest.mark.parametrize("viewer", ["unit_member", "unit_lead", "data_protection", "administrator", "auditor"])
def test_the_publish_page_is_not_found_for_everyone_else(org, portfolio, client_for, viewer) -> None:
    client = client_for(org.viewer(viewer))
    before = _state()
    assert client.get(reverse("guardrails:publish")).status_code == 404
    assert client.post(reverse("guardrails:publish"), {"archive": _zip(stricter_bundle())}).status_code == 404
    assert _state() == before


@pytest.mark.parametrize("viewer", ["unit_member", "other_unit", "data_protection", "auditor", "ai_governance"])
def test_everyone_signed_in_reads_the_rules_and_downloads_them(org, portfolio, client_for, viewer) -> None:
    client = client_for(org.viewer(viewer))
    response = client.get(reverse("guardrails:overview"))
    assert response.status_code == 200
    assert "ai-act-art5-1a-manipulation" in response.content.decode()
    active = RuleBundle.objects.get(active=True)
    assert client.get(reverse("guardrails:bundle", args=[active.pk])).status_code == 200
    download = client.get(reverse("guardrails:download", args=[active.pk]))
    assert download["Content-Type"] == "application/zip"
    assert read_archive(download.content) == read_folder(default_folder())


def test_the_rule_pages_are_for_signed_in_people_only(portfolio, client_for) -> None:
    assert client_for(None).get(reverse("guardrails:overview")).status_code == 302


def test_a_downloaded_bundle_can_be_uploaded_again(tmp_path: Path) -> None:
    from leitplanke.guardrails.archive import zip_files

    files = read_folder(default_folder())
    assert read_archive(zip_files(files, "leitplanke-default-2026.12.1")) == files
