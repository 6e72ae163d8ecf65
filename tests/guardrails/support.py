"""Shared pieces of the guardrail tests: tools of a typical catalogue, inputs, a bundle folder to break."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from leitplanke.guardrails.engine import Evaluator, default_folder, parse_bundle, read_folder

_DEFAULT: Evaluator | None = None


def default_evaluator() -> Evaluator:
    """The shipped default bundle, compiled once for the whole test run."""
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = Evaluator(parse_bundle(read_folder(default_folder())))
    return _DEFAULT


def tool(name: str, status: str = "approved", **fields: Any) -> dict[str, Any]:
    """A catalogue tool as the rules read it: approved, in the EU, for confidential data with a DPA."""
    return {
        "name": name,
        "status": status,
        "hosting_region": fields.pop("hosting_region", "eu"),
        "max_classification": fields.pop("max_classification", "confidential"),
        "personal_data_allowed": fields.pop("personal_data_allowed", True),
        "dpa_signed": fields.pop("dpa_signed", True),
        "trains_on_inputs": fields.pop("trains_on_inputs", False),
        **fields,
    }


OFFICE = tool("Office-Assistent")
CHAT = tool("Chat-Assistent", max_classification="internal")
CODE = tool("Code-Assistent", "approved_with_conditions", personal_data_allowed=False)
MODEL_API = tool("Modell-API EU", max_classification="strictly_confidential")
INTERNAL_LLM = tool("Interne LLM-Plattform", hosting_region="on_premises", max_classification="strictly_confidential")
TRANSLATOR = tool("Übersetzungsdienst", max_classification="internal", personal_data_allowed=False, dpa_signed=False)
IMAGES = tool(
    "Bildgenerator", "in_evaluation", max_classification="public", personal_data_allowed=False, dpa_signed=False
)
FREE_CHATBOT = tool(
    "Gratis-Chatbot",
    "not_allowed",
    hosting_region="non_eu",
    max_classification="public",
    personal_data_allowed=False,
    dpa_signed=False,
    trains_on_inputs=True,
)
US_API = tool("US-Modell-API", hosting_region="non_eu", max_classification="confidential")

HARMLESS: dict[str, Any] = {
    "purposes": ["productivity"],
    "affected_people": ["none"],
    "interacts_with_people": "no",
    "generated_content": "none",
    "personal_data": "none",
    "data_classification": "internal",
    "monitors_employees": "no",
    "decision_role": "none",
    "human_review": "always",
    "scale": "small",
    "prohibited_practices": [],
}


def case(tools: list[dict[str, Any]] | None = None, stage: str = "pilot", **facts: Any) -> dict[str, Any]:
    """An evaluation input: harmless answers unless told otherwise."""
    return {
        "facts": {**HARMLESS, **facts},
        "tools": [OFFICE] if tools is None else tools,
        "unit": "team",
        "stage": stage,
    }


def copy_default(target: Path) -> Path:
    """A copy of the default bundle to change in a test."""
    shutil.copytree(default_folder(), target)
    return target
