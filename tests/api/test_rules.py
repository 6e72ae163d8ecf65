"""``/api/v1/rules``: published bundles for everyone; checking, what-if and publishing for AI governance."""

from __future__ import annotations

import base64
import io
import json
import zipfile
from typing import Any

import pytest

from leitplanke.api.models import Scope
from leitplanke.audit.models import Event
from leitplanke.guardrails import services
from leitplanke.guardrails.archive import zip_files
from leitplanke.guardrails.engine import default_folder, read_folder
from leitplanke.guardrails.models import RuleBundle, Verdict

from .conftest import problem
from .matrix.rules import DEEPFAKE_RULES
from .matrix.rules import stricter_bundle as stricter

pytestmark = pytest.mark.django_db

BUNDLES = "/api/v1/rules/bundles"


def broken() -> dict[str, str]:
    """The stricter bundle with a CEL syntax error in the deepfake rule."""
    files = stricter("2026.12.3")
    old = "when: 'generated_content == \"deepfake\"'"
    assert old in files[DEEPFAKE_RULES]
    files[DEEPFAKE_RULES] = files[DEEPFAKE_RULES].replace(old, "when: 'generated_content == \"deepfake\" &&'")
    return files


def post(client, path: str, body: dict[str, Any]):
    return client.post(path, data=json.dumps(body), content_type="application/json")


@pytest.fixture
def portfolio(org, make_usecase) -> dict[str, Any]:
    """A deepfake campaign and an ordinary use case, evaluated under the shipped bundle."""
    return {
        "deepfake": make_usecase(title="Kampagnenvideo", purposes=["content_creation"], generated_content="deepfake"),
        "ordinary": make_usecase(title="Zusammenfassungen"),
    }


@pytest.fixture
def governance(org, api_for):
    return api_for(org.viewer("ai_governance"), scope=Scope.READ_WRITE)


def state() -> tuple[list[Any], list[Any], int]:
    bundles = list(RuleBundle.objects.order_by("pk").values_list("version", "active"))
    verdicts = list(Verdict.objects.order_by("pk").values_list("usecase_id", "decision", "bundle_id"))
    return bundles, verdicts, Event.objects.count()


# --- reading ----------------------------------------------------------------------------------------


def test_everybody_reads_the_active_bundle_with_its_rules_by_file(org, api_for, portfolio) -> None:
    client = api_for(org.outsider)

    active = client.get(f"{BUNDLES}/active", headers={"Accept-Language": "en"})

    assert active.status_code == 200, active.content
    body = active.json()
    row = RuleBundle.objects.get(active=True)
    assert (body["id"], body["version"], body["active"]) == (row.pk, row.version, True)
    files = {group["file"]: group for group in body["files"]}
    rule = next(rule for rule in files[DEEPFAKE_RULES]["rules"] if rule["id"] == "ai-act-art50-4-deepfake")
    assert "deepfake" in rule["condition"] and rule["line"] > 0
    assert {"kind": "review", "code": "review:legal"}.items() <= rule["effects"][-1].items()
    assert files[DEEPFAKE_RULES]["tests"]
    assert body["whatif"] is None
    assert client.get(f"{BUNDLES}/{row.pk}", headers={"If-None-Match": active["ETag"], "Accept-Language": "en"}
                      ).status_code == 304  # fmt: skip


def test_the_bundle_list_names_the_active_one_and_an_unknown_bundle_is_not_found(org, api_for, portfolio) -> None:
    client = api_for(org.member)

    listed = client.get(BUNDLES).json()

    assert listed["count"] == 1 and listed["items"][0]["active"] is True
    assert problem(client.get(f"{BUNDLES}/999999"), 404)["code"] == "not_found"


def test_a_bundle_downloads_as_the_archive_the_publish_page_takes(org, api_for, portfolio) -> None:
    row = RuleBundle.objects.get(active=True)

    response = api_for(org.member).get(f"{BUNDLES}/{row.pk}/archive")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    names = zipfile.ZipFile(io.BytesIO(response.content)).namelist()
    assert f"{row.bundle_id}-{row.version}/bundle.yaml" in names


# --- checking ---------------------------------------------------------------------------------------


def test_validate_locates_every_problem_of_a_broken_bundle_and_stores_nothing(governance, portfolio) -> None:
    before = state()

    response = post(governance, "/api/v1/rules/validate", {"files": broken()})

    assert response.status_code == 200, response.content
    report = response.json()
    assert report["ok"] is False
    places = {(problem["file"], problem["line"]) for problem in report["problems"]}
    assert any(file == DEEPFAKE_RULES and line > 1 for file, line in places), places
    assert state() == before


def test_validate_takes_the_zip_archive_of_the_publish_page(governance, portfolio) -> None:
    archive = base64.b64encode(zip_files(stricter(), "leitplanke-default-2026.12.2")).decode()

    report = post(governance, "/api/v1/rules/validate", {"archive": archive}).json()

    assert report["ok"] is True, report["problems"]
    assert report["bundle"]["version"] == "2026.12.2"
    assert report["tests"] and all(test["passed"] for test in report["tests"])


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"archive": "kein base64!"}, "body.archive"),
        ({"archive": base64.b64encode(b"not a zip").decode()}, "body.archive"),
        ({}, "body.payload"),
        ({"files": {"bundle.yaml": "id: x"}, "archive": "UEs="}, "body.payload"),
    ],
)
def test_an_unusable_candidate_is_a_field_error(governance, body, field) -> None:
    errors = problem(post(governance, "/api/v1/rules/validate", body), 422)["errors"]
    assert [error["field"] for error in errors] == [field]


def test_what_if_lists_the_use_case_whose_verdict_would_change(governance, portfolio) -> None:
    before = state()

    response = post(governance, "/api/v1/rules/what-if", {"files": stricter()})

    assert response.status_code == 200, response.content
    result = response.json()
    assert result["bundle"]["version"] == "2026.12.2"
    whatif = result["whatif"]
    assert (whatif["total"], whatif["changed"]) == (2, 1)
    change = whatif["changes"][0]
    assert (change["usecase_id"], change["title"]) == (portfolio["deepfake"].pk, "Kampagnenvideo")
    assert "decision:review→blocked" in change["kinds"]
    assert (change["before"]["decision"], change["after"]["decision"]) == ("review", "blocked")
    assert state() == before


def test_what_if_refuses_a_broken_bundle_with_its_problems(governance, portfolio) -> None:
    body = problem(post(governance, "/api/v1/rules/what-if", {"files": broken()}), 422)

    assert body["reason"] == "bundle_invalid"
    assert any(place["file"] == DEEPFAKE_RULES for place in body["problems"])


@pytest.mark.parametrize("viewer", ["unit_lead", "auditor", "administrator"])
@pytest.mark.parametrize("operation", ["validate", "what-if", "publish"])
def test_only_ai_governance_checks_compares_and_publishes(org, api_for, portfolio, viewer, operation) -> None:
    client = api_for(org.viewer(viewer), scope=Scope.READ_WRITE)
    before = state()

    response = post(client, f"/api/v1/rules/{operation}", {"files": stricter()})

    assert problem(response, 403)["code"] == "forbidden"
    assert state() == before


# --- publishing -------------------------------------------------------------------------------------


def test_publishing_makes_the_bundle_active_and_records_its_events(org, governance, portfolio) -> None:
    response = post(governance, "/api/v1/rules/publish", {"files": stricter()})

    assert response.status_code == 201, response.content
    body = response.json()
    active = RuleBundle.objects.get(active=True)
    assert (body["id"], body["version"], body["active"]) == (active.pk, "2026.12.2", True)
    assert body["published_by"]["username"] == org.viewer("ai_governance").username
    assert body["whatif"]["changed"] == 1
    assert Verdict.objects.get(usecase=portfolio["deepfake"]).decision == "blocked"
    published = Event.objects.filter(action="guardrails.bundle.published").last()
    assert (published.actor_id, published.after["version"]) == (org.viewer("ai_governance").pk, "2026.12.2")
    assert Event.objects.filter(action="guardrails.verdict.changed", object_id=str(portfolio["deepfake"].pk)).exists()


def test_a_refused_publication_changes_nothing(governance, portfolio) -> None:
    before = state()

    broken_answer = problem(post(governance, "/api/v1/rules/publish", {"files": broken()}), 422)
    services.bundle_ensure_active()
    same_answer = problem(post(governance, "/api/v1/rules/publish", {"files": read_folder(default_folder())}), 422)

    assert broken_answer["reason"] == "bundle_invalid" and broken_answer["problems"]
    assert same_answer["reason"] == "already_active"
    assert state() == before


def test_a_published_version_number_cannot_be_used_again(governance, portfolio) -> None:
    files = read_folder(default_folder())
    files["bundle.yaml"] += "\n# the same version, other files\n"

    body = problem(post(governance, "/api/v1/rules/publish", {"files": files}), 422)

    assert body["errors"][0]["field"] == "body.files"
    assert RuleBundle.objects.count() == 1
