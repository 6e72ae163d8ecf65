"""The evaluation contract: which inputs a rule may read, which answers they take, what a verdict holds.

These names and codes are shared with the intake form, the API, imports and outside tools; never
rename one. The module is plain Python so that the engine runs without Django.
"""

from __future__ import annotations

from dataclasses import dataclass, field

UNSURE = "unsure"


@dataclass(frozen=True)
class FactSpec:
    """One risk question as the rules see it: its name, its answer codes, one answer or several."""

    name: str
    codes: tuple[str, ...]
    multiple: bool = False
    #: Every code the input may carry (``unsure`` too for a single-choice fact).
    accepted: frozenset[str] = field(init=False)
    #: The position of each code, to put several answers in a fixed order.
    order: dict[str, int] = field(init=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "accepted", frozenset(self.codes if self.multiple else (*self.codes, UNSURE)))
        object.__setattr__(self, "order", {code: index for index, code in enumerate(self.codes)})


FACT_SPECS: tuple[FactSpec, ...] = (
    FactSpec(
        "purposes",
        (
            "productivity", "content_creation", "customer_interaction", "software_development", "analytics",
            "recruiting", "employee_decisions", "credit_scoring", "insurance_pricing", "public_services",
            "education", "biometric_identification", "emotion_recognition", "critical_infrastructure",
            "law_enforcement", "migration_border", "justice_democracy",
        ),
        multiple=True,
    ),
    FactSpec(
        "affected_people",
        ("none", "employees", "applicants", "consumers", "business_customers", "public", "vulnerable_groups"),
        multiple=True,
    ),
    FactSpec("interacts_with_people", ("no", "staff", "external")),
    FactSpec("generated_content", ("none", "text", "media", "deepfake")),
    FactSpec("personal_data", ("none", "pseudonymised", "personal", "special_categories")),
    FactSpec("data_classification", ("public", "internal", "confidential", "strictly_confidential")),
    FactSpec("monitors_employees", ("no", "yes")),
    FactSpec("decision_role", ("none", "prepares", "decides")),
    FactSpec("human_review", ("always", "sampling", "never")),
    FactSpec("scale", ("small", "medium", "large")),
    FactSpec(
        "prohibited_practices",
        (
            "manipulation", "exploit_vulnerabilities", "social_scoring", "crime_prediction", "facial_scraping",
            "biometric_categorisation", "emotion_recognition_work_education",
        ),
        multiple=True,
    ),
)  # fmt: skip
FACTS_BY_NAME: dict[str, FactSpec] = {spec.name: spec for spec in FACT_SPECS}

TOOL_STATUSES = ("approved", "approved_with_conditions", "in_evaluation", "not_allowed")
HOSTING_REGIONS = ("eu", "non_eu", "on_premises")
CLASSIFICATIONS = ("public", "internal", "confidential", "strictly_confidential")
#: A tool's fields as the rules read them (``tools`` is a list of such maps), with their kind.
TOOL_FIELDS: dict[str, tuple[str, ...] | type] = {
    "name": str,
    "status": TOOL_STATUSES,
    "hosting_region": HOSTING_REGIONS,
    "max_classification": CLASSIFICATIONS,
    "personal_data_allowed": bool,
    "dpa_signed": bool,
    "trains_on_inputs": bool,
}
STAGES = ("idea", "pilot", "production", "retired")

#: Names an expression may read besides the facts and the bundle's constants.
CONTEXT_NAMES = ("tools", "unit", "stage")

#: Risk classes of the EU AI Act, from the highest down: a verdict takes the highest one that fired.
RISK_CLASSES = ("prohibited", "high", "limited", "minimal")
DECISIONS = ("blocked", "review", "team_lead")
#: The roles a rule can ask for a review, in the order a verdict lists them.
REVIEW_ROLES = ("data_protection", "information_security", "works_council", "legal", "ai_governance")
#: What a rule can do when its condition holds.
EFFECT_KINDS = ("block", "review", "obligation", "risk_class", "warn")
LANGUAGES = ("de", "en")

#: Bounds on what one evaluation reads, so that no input can make a rule run long.
MAX_TOOLS = 50
MAX_TEXT = 200
