"""Matrix rows of ``/api/v1/rules``.

Everyone signed in reads every published bundle (``guardrails.selectors.can_read_rules``); checking
a candidate, its what-if and publishing are for AI governance (``can_publish``): the others may see
the rules, so they hear 403.
"""

from __future__ import annotations

from typing import Any

from leitplanke.guardrails import services
from leitplanke.guardrails.engine import default_folder, read_folder

from . import Call, Operation, everyone

BUNDLES = "/api/v1/rules/bundles"
DEEPFAKE_RULES = "rules/30-ai-act-transparency.yaml"

#: Candidates: AI governance only.
GOVERNANCE = everyone(403, ai_governance=200)


def stricter_bundle(version: str = "2026.12.2") -> dict[str, str]:
    """The shipped bundle with deepfakes blocked instead of reviewed by legal (and its test adjusted)."""
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


def _active(world: Any) -> str:
    return f"{BUNDLES}/{services.bundle_ensure_active().pk}"


def _candidate(world: Any, operation: str) -> Call:
    world.usecase(title="Kampagnenvideo", purposes=["content_creation"], generated_content="deepfake")
    return Call(f"/api/v1/rules/{operation}", {"files": stricter_bundle()})


OPERATIONS = [
    Operation("GET", BUNDLES, everyone(200), lambda world: Call(BUNDLES)),
    Operation("GET", f"{BUNDLES}/active", everyone(200), lambda world: Call(f"{BUNDLES}/active")),
    Operation("GET", f"{BUNDLES}/{{bundle_id}}", everyone(200), lambda world: Call(_active(world))),
    Operation("GET", f"{BUNDLES}/{{bundle_id}}", everyone(404), lambda world: Call(f"{BUNDLES}/999999")),
    Operation(
        "GET", f"{BUNDLES}/{{bundle_id}}/archive", everyone(200), lambda world: Call(f"{_active(world)}/archive")
    ),
    Operation("POST", "/api/v1/rules/validate", GOVERNANCE, lambda world: _candidate(world, "validate")),
    Operation("POST", "/api/v1/rules/what-if", GOVERNANCE, lambda world: _candidate(world, "what-if")),
    Operation(
        "POST", "/api/v1/rules/publish", everyone(403, ai_governance=201), lambda world: _candidate(world, "publish")
    ),
]
