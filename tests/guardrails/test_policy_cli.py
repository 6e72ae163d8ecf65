"""``leitplanke policy``: eval, test, validate, whatif, publish and export as operators use them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from leitplanke.guardrails.engine import default_folder
from leitplanke.guardrails.models import RuleBundle

from .support import case, copy_default

CANDIDATE = {
    "facts": {
        "purposes": ["recruiting"],
        "affected_people": ["applicants"],
        "personal_data": "personal",
        "decision_role": "prepares",
    },
    "tools": [],
}


def _policy(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    """Run the real command line, as an operator would (the bundle is given, so no database is needed)."""
    env = {**os.environ, "LEITPLANKE_MODE": "development"}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    return subprocess.run(
        [sys.executable, "-m", "leitplanke.config.cli", "policy", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=120,
    )


def test_eval_prints_the_verdict_and_exits_zero(tmp_path: Path) -> None:
    source = tmp_path / "input.json"
    source.write_text(json.dumps(CANDIDATE), encoding="utf-8")
    done = _policy("eval", "--bundle", str(default_folder()), "--lang", "en", str(source))
    assert done.returncode == 0, done.stderr
    verdict = json.loads(done.stdout)
    assert (verdict["risk_class"], verdict["decision"]) == ("high", "review")
    assert verdict["bundle"]["id"] == "leitplanke-default"
    assert any("high-risk area" in fired["reason"] for fired in verdict["fired"])


def test_eval_reads_standard_input_and_speaks_german_by_default() -> None:
    done = _policy("eval", "--bundle", str(default_folder()), "-", stdin=json.dumps(case()))
    assert done.returncode == 0, done.stderr
    verdict = json.loads(done.stdout)
    assert verdict["decision"] == "team_lead"
    assert verdict["obligations"][0]["title"].startswith("KI-Kompetenz")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"facts": {"purpose": []}}', "unknown fact 'purpose'"),
        ('{"facts": {"scale": "huge"}}', "unknown answer 'huge' for 'scale'"),
        ('{"facts": {', "invalid JSON"),
        ("[]", "the input must be a JSON object"),
    ],
)
def test_eval_refuses_invalid_input_with_exit_code_two(text: str, message: str) -> None:
    done = _policy("eval", "--bundle", str(default_folder()), "-", stdin=text)
    assert done.returncode == 2
    assert message in done.stderr and done.stdout == ""


def test_eval_says_when_the_file_is_missing(tmp_path: Path) -> None:
    done = _policy("eval", "--bundle", str(default_folder()), str(tmp_path / "nope.json"))
    assert done.returncode == 2 and "cannot read" in done.stderr


def test_policy_test_runs_the_bundles_own_tests(tmp_path: Path) -> None:
    done = _policy("test", str(default_folder()))
    assert done.returncode == 0, done.stdout
    assert "0 failed" in done.stdout


def test_policy_test_reports_a_failing_test_with_file_and_line(tmp_path: Path) -> None:
    folder = copy_default(tmp_path / "bundle")
    rules = folder / "rules/50-betrvg.yaml"
    rules.write_text(
        rules.read_text(encoding="utf-8").replace(
            "expect: {reviews: [works_council], fired: [betrvg-87-1-6-monitoring]}",
            "expect: {reviews: [legal], fired: [betrvg-87-1-6-monitoring]}",
        ),
        encoding="utf-8",
    )
    done = _policy("test", str(folder))
    assert done.returncode == 1
    assert "FAIL rules/50-betrvg.yaml:" in done.stdout and "unsure about monitoring counts as yes" in done.stdout
    assert "1 failed" in done.stderr


def test_policy_validate_names_file_line_and_reason(tmp_path: Path) -> None:
    folder = copy_default(tmp_path / "bundle")
    rules = folder / "rules/60-security.yaml"
    rules.write_text(
        rules.read_text(encoding="utf-8").replace("      - block: true", "      - forbid: true", 1), encoding="utf-8"
    )
    done = _policy("validate", str(folder))
    assert done.returncode == 2
    assert "rules/60-security.yaml:" in done.stderr and "unknown effect 'forbid'" in done.stderr
    assert _policy("validate", str(default_folder())).returncode == 0


@pytest.mark.django_db
def test_whatif_publish_and_export_through_the_command(tmp_path: Path, make_usecase) -> None:
    make_usecase(title="Kampagnenvideo", purposes=["content_creation"], generated_content="deepfake")
    folder = copy_default(tmp_path / "candidate")
    rules = folder / "rules/30-ai-act-transparency.yaml"
    rules.write_text(
        rules.read_text(encoding="utf-8")
        .replace(
            "      - obligation: ai-act-art50-4-disclose-deepfake\n      - review: legal",
            "      - obligation: ai-act-art50-4-disclose-deepfake\n      - review: legal"
            "\n      - review: ai_governance",
        )
        .replace("reviews: [legal], fired: [ai-act-art50-4-deepfake]", "reviews: [legal, ai_governance]"),
        encoding="utf-8",
    )
    (folder / "bundle.yaml").write_text(
        (folder / "bundle.yaml").read_text(encoding="utf-8").replace('version: "2026.12.1"', 'version: "2026.12.9"'),
        encoding="utf-8",
    )

    out = StringIO()
    call_command("policy", "whatif", str(folder), stdout=out)
    assert "1 would change" in out.getvalue() and "review_added:ai_governance" in out.getvalue()
    assert RuleBundle.objects.get(active=True).version == "2026.12.1"

    out = StringIO()
    call_command("policy", "publish", str(folder), stdout=out)
    assert "published leitplanke-default 2026.12.9" in out.getvalue()
    with pytest.raises(CommandError, match="already the active one") as again:
        call_command("policy", "publish", str(folder))
    assert again.value.returncode == 2

    target = tmp_path / "exported"
    call_command("policy", "export", str(target), stdout=StringIO())
    assert 'version: "2026.12.9"' in (target / "bundle.yaml").read_text(encoding="utf-8")
    with pytest.raises(CommandError, match="is not empty"):
        call_command("policy", "export", str(target))


@pytest.mark.django_db
def test_refresh_evaluates_every_use_case_again(make_usecase) -> None:
    make_usecase()
    out = StringIO()
    call_command("policy", "refresh", stdout=out)
    assert "0 verdicts changed" in out.getvalue()
