"""Synthetic use-case answers for benchmarks, without Django.

Two distributions of evaluation inputs (the guardrail contract's JSON):

* ``portfolio``: what a company's register looks like. Each use case starts from one of about
  thirty archetypes (meeting summaries, a customer chatbot, candidate pre-screening, …), and each
  answer is changed at random with a small probability; tools come from a catalogue of 40, the
  popular ones far more often (Zipf), one to three per use case.
* ``uniform``: every answer drawn uniformly at random, including "unsure": the worst case for any
  cache, because hardly two inputs are alike.
"""

from __future__ import annotations

import random
from typing import Any

FACT_CODES: dict[str, tuple[str, ...]] = {
    "purposes": (
        "productivity", "content_creation", "customer_interaction", "software_development", "analytics",
        "recruiting", "employee_decisions", "credit_scoring", "insurance_pricing", "public_services", "education",
        "biometric_identification", "emotion_recognition", "critical_infrastructure", "law_enforcement",
        "migration_border", "justice_democracy",
    ),
    "affected_people": (
        "none", "employees", "applicants", "consumers", "business_customers", "public", "vulnerable_groups",
    ),
    "interacts_with_people": ("no", "staff", "external"),
    "generated_content": ("none", "text", "media", "deepfake"),
    "personal_data": ("none", "pseudonymised", "personal", "special_categories"),
    "data_classification": ("public", "internal", "confidential", "strictly_confidential"),
    "monitors_employees": ("no", "yes"),
    "decision_role": ("none", "prepares", "decides"),
    "human_review": ("always", "sampling", "never"),
    "scale": ("small", "medium", "large"),
    "prohibited_practices": (
        "manipulation", "exploit_vulnerabilities", "social_scoring", "crime_prediction", "facial_scraping",
        "biometric_categorisation", "emotion_recognition_work_education",
    ),
}  # fmt: skip
MULTIPLE = ("purposes", "affected_people", "prohibited_practices")

# purposes, affected, talks, content, personal, classification, monitors, decision, review, scale
ARCHETYPES: tuple[tuple[Any, ...], ...] = (
    (("productivity",), ("employees",), "staff", "text", "personal", "internal", "no", "none", "always", "medium"),
    (("productivity",), ("none",), "no", "none", "none", "internal", "no", "none", "always", "small"),
    (
        ("productivity", "analytics"),
        ("business_customers",),
        "no",
        "none",
        "personal",
        "confidential",
        "no",
        "none",
        "always",
        "small",
    ),
    (
        ("customer_interaction",),
        ("consumers",),
        "external",
        "text",
        "personal",
        "internal",
        "no",
        "none",
        "sampling",
        "large",
    ),
    (("software_development",), ("none",), "no", "none", "none", "confidential", "no", "none", "always", "small"),
    (("content_creation",), ("public",), "no", "media", "none", "public", "no", "none", "always", "large"),
    (("content_creation",), ("consumers",), "no", "text", "none", "internal", "no", "none", "always", "large"),
    (("recruiting",), ("applicants",), "no", "text", "personal", "confidential", "no", "prepares", "always", "medium"),
    (
        ("employee_decisions", "analytics"),
        ("employees",),
        "no",
        "none",
        "personal",
        "confidential",
        "yes",
        "prepares",
        "always",
        "medium",
    ),
    (
        ("analytics",),
        ("consumers",),
        "no",
        "none",
        "pseudonymised",
        "confidential",
        "no",
        "prepares",
        "sampling",
        "large",
    ),
    (
        ("credit_scoring",),
        ("consumers",),
        "no",
        "none",
        "personal",
        "strictly_confidential",
        "no",
        "decides",
        "sampling",
        "large",
    ),
    (("productivity",), ("employees",), "staff", "text", "personal", "internal", "unsure", "none", "always", "medium"),
    (
        ("customer_interaction", "productivity"),
        ("consumers", "employees"),
        "staff",
        "text",
        "personal",
        "internal",
        "no",
        "none",
        "always",
        "medium",
    ),
    (("analytics",), ("none",), "no", "none", "none", "internal", "no", "none", "always", "small"),
    (
        ("productivity",),
        ("business_customers",),
        "no",
        "text",
        "personal",
        "confidential",
        "no",
        "none",
        "always",
        "small",
    ),
    (
        ("emotion_recognition", "customer_interaction"),
        ("consumers", "employees"),
        "no",
        "none",
        "personal",
        "confidential",
        "yes",
        "prepares",
        "sampling",
        "large",
    ),
    (
        ("critical_infrastructure", "analytics"),
        ("public",),
        "no",
        "none",
        "none",
        "confidential",
        "no",
        "decides",
        "sampling",
        "large",
    ),
    (("education",), ("employees",), "staff", "text", "personal", "internal", "no", "prepares", "always", "medium"),
    (("content_creation",), ("public",), "no", "deepfake", "personal", "public", "no", "none", "always", "large"),
    (
        ("insurance_pricing",),
        ("consumers",),
        "no",
        "none",
        "special_categories",
        "strictly_confidential",
        "no",
        "prepares",
        "always",
        "large",
    ),
    (("productivity",), ("employees",), "staff", "text", "unsure", "unsure", "no", "none", "always", "medium"),
    (
        ("software_development", "productivity"),
        ("employees",),
        "staff",
        "text",
        "none",
        "confidential",
        "no",
        "none",
        "always",
        "medium",
    ),
    (
        ("analytics",),
        ("employees",),
        "no",
        "none",
        "pseudonymised",
        "confidential",
        "unsure",
        "none",
        "always",
        "medium",
    ),
    (
        ("customer_interaction",),
        ("business_customers",),
        "external",
        "text",
        "personal",
        "internal",
        "no",
        "none",
        "always",
        "medium",
    ),
    (
        ("productivity",),
        ("vulnerable_groups",),
        "external",
        "text",
        "personal",
        "confidential",
        "no",
        "none",
        "always",
        "small",
    ),
    (
        ("recruiting", "analytics"),
        ("applicants",),
        "no",
        "none",
        "pseudonymised",
        "internal",
        "no",
        "none",
        "always",
        "medium",
    ),
    (
        ("employee_decisions",),
        ("employees",),
        "no",
        "none",
        "personal",
        "confidential",
        "yes",
        "decides",
        "never",
        "medium",
    ),
    (("productivity",), ("public",), "external", "text", "none", "public", "no", "none", "sampling", "large"),
    (("analytics",), ("consumers",), "no", "none", "personal", "confidential", "no", "none", "always", "large"),
    (
        ("content_creation", "customer_interaction"),
        ("consumers",),
        "external",
        "media",
        "personal",
        "internal",
        "no",
        "none",
        "sampling",
        "large",
    ),
)
SINGLE_ORDER = (
    "interacts_with_people",
    "generated_content",
    "personal_data",
    "data_classification",
    "monitors_employees",
    "decision_role",
    "human_review",
    "scale",
)


def catalogue(rng: random.Random, count: int = 40) -> list[dict[str, Any]]:
    """A tool catalogue: mostly approved tools hosted in the EU, some with conditions, some not allowed."""
    tools = []
    for number in range(count):
        status = rng.choices(
            ("approved", "approved_with_conditions", "in_evaluation", "not_allowed"), weights=(55, 25, 12, 8)
        )[0]
        tools.append(
            {
                "name": f"Tool {number}",
                "status": status,
                "hosting_region": rng.choices(("eu", "on_premises", "non_eu"), weights=(70, 15, 15))[0],
                "max_classification": rng.choices(
                    ("public", "internal", "confidential", "strictly_confidential"), weights=(10, 35, 45, 10)
                )[0],
                "personal_data_allowed": rng.random() < 0.75,
                "dpa_signed": rng.random() < 0.85,
                "trains_on_inputs": status == "not_allowed" or rng.random() < 0.05,
            }
        )
    return tools


def _tools_for(rng: random.Random, tools: list[dict[str, Any]]) -> list[dict[str, Any]]:
    weights = [1 / (rank + 1) for rank in range(len(tools))]
    count = rng.choices((1, 2, 3), weights=(60, 30, 10))[0]
    chosen: list[dict[str, Any]] = []
    while len(chosen) < count:
        tool = rng.choices(tools, weights=weights)[0]
        if tool not in chosen:
            chosen.append(tool)
    return chosen


def portfolio_input(rng: random.Random, tools: list[dict[str, Any]], *, change: float = 0.12) -> dict[str, Any]:
    """One use case like those of a real register: an archetype with a few answers changed."""
    archetype = rng.choice(ARCHETYPES)
    facts: dict[str, Any] = {"purposes": list(archetype[0]), "affected_people": list(archetype[1])}
    for name, value in zip(SINGLE_ORDER, archetype[2:], strict=True):
        if rng.random() < change:
            value = rng.choice((*FACT_CODES[name], "unsure"))
        facts[name] = value
    for name in ("purposes", "affected_people"):
        if rng.random() < change:
            extra = rng.choice(FACT_CODES[name])
            if extra not in facts[name]:
                facts[name].append(extra)
    facts["prohibited_practices"] = [rng.choice(FACT_CODES["prohibited_practices"])] if rng.random() < 0.01 else []
    stage = rng.choices(("idea", "pilot", "production", "retired"), weights=(25, 30, 40, 5))[0]
    return {"facts": facts, "tools": _tools_for(rng, tools), "unit": f"team-{rng.randrange(280)}", "stage": stage}


def uniform_input(rng: random.Random, tools: list[dict[str, Any]]) -> dict[str, Any]:
    """One use case with every answer drawn at random: hardly two are alike."""
    facts: dict[str, Any] = {}
    for name, codes in FACT_CODES.items():
        if name in MULTIPLE:
            size = rng.choice((0, 1, 1, 2, 3)) if name != "prohibited_practices" else int(rng.random() < 0.05)
            facts[name] = rng.sample(codes, size)
        else:
            facts[name] = rng.choice((*codes, "unsure"))
    count = rng.choice((0, 1, 1, 2, 3))
    return {
        "facts": facts,
        "tools": rng.sample(tools, count),
        "unit": f"team-{rng.randrange(280)}",
        "stage": rng.choice(("idea", "pilot", "production", "retired")),
    }
