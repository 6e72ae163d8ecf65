"""The plain-language risk questions ("facts") of a use case: names, answer codes, labels, help.

The names and codes are a contract between the intake form, the API, imports and the guardrail
rules; never rename one. Every single-choice fact also accepts ``unsure``, which the rules treat
as the riskier answer. A fact that is not answered yet is empty (a draft).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from leitplanke.common.errors import DomainError

UNSURE = "unsure"


@dataclass(frozen=True)
class Fact:
    """One question: its name, the answers it allows, and how it is put to a team lead."""

    name: str
    question: Promise
    help: Promise
    choices: tuple[tuple[str, Promise], ...]
    multiple: bool = False

    @property
    def codes(self) -> frozenset[str]:
        """Every answer code this fact accepts (with ``unsure`` for single-choice facts)."""
        return frozenset(code for code, _label in self.all_choices)

    @property
    def all_choices(self) -> tuple[tuple[str, Promise], ...]:
        """The answers offered in forms, ``unsure`` last for single-choice facts."""
        if self.multiple:
            return self.choices
        return (*self.choices, (UNSURE, _("I am not sure")))


FACTS: tuple[Fact, ...] = (
    Fact(
        "purposes",
        _("What does the system help with?"),
        _(
            "Tick everything that applies. Some purposes are high-risk under the EU AI Act, for example "
            "recruiting, decisions about employees or creditworthiness."
        ),
        (
            ("productivity", _("General productivity (summaries, drafting, search)")),
            ("content_creation", _("Content creation (texts, images, campaigns)")),
            ("customer_interaction", _("Customer interaction (chat, e-mail, hotline)")),
            ("software_development", _("Software development")),
            ("analytics", _("Analytics and forecasting")),
            ("recruiting", _("Recruiting and candidate selection")),
            (
                "employee_decisions",
                _("Decisions about employees (promotion, termination, task allocation, performance evaluation)"),
            ),
            ("credit_scoring", _("Creditworthiness of private persons")),
            ("insurance_pricing", _("Pricing or risk of life and health insurance")),
            ("public_services", _("Access to public benefits or essential services")),
            ("education", _("Admission, grading or proctoring in education")),
            ("biometric_identification", _("Biometric identification or categorisation of people")),
            ("emotion_recognition", _("Emotion recognition")),
            ("critical_infrastructure", _("Safety component of critical infrastructure")),
            ("law_enforcement", _("Law enforcement")),
            ("migration_border", _("Migration, asylum or border control")),
            ("justice_democracy", _("Justice or elections")),
        ),
        multiple=True,
    ),
    Fact(
        "affected_people",
        _("Whose data or life does it touch?"),
        _("Everyone whose data goes into the system or who is affected by its results."),
        (
            ("none", _("Nobody (no data about people)")),
            ("employees", _("Employees")),
            ("applicants", _("Applicants")),
            ("consumers", _("Customers (consumers)")),
            ("business_customers", _("Business customers")),
            ("public", _("The public")),
            ("vulnerable_groups", _("Children or vulnerable groups")),
        ),
        multiple=True,
    ),
    Fact(
        "interacts_with_people",
        _("Does it talk to people directly?"),
        _("For example a chatbot or a voice assistant. People must be told that they talk to an AI."),
        (("no", _("No")), ("staff", _("Only with our staff")), ("external", _("With external people"))),
    ),
    Fact(
        "generated_content",
        _("Does it create content that leaves the team?"),
        _("Generated texts, images, audio or video that others outside the team will see."),
        (
            ("none", _("No")),
            ("text", _("Text")),
            ("media", _("Images, audio or video")),
            ("deepfake", _("Realistic images, audio or video of real people, places or events")),
        ),
    ),
    Fact(
        "personal_data",
        _("Which personal data does it process?"),
        _(
            "Personal data is anything that relates to an identifiable person, such as names, e-mail "
            "addresses or customer numbers."
        ),
        (
            ("none", _("None")),
            ("pseudonymised", _("Pseudonymised")),
            ("personal", _("Personal data")),
            (
                "special_categories",
                _(
                    "Special categories (health, religion, ethnic origin, union membership, "
                    "biometric data, sexual orientation, political opinion)"
                ),
            ),
        ),
    ),
    Fact(
        "data_classification",
        _("What is the highest classification of data that goes into it?"),
        _("Use the classification of your information-security policy."),
        (
            ("public", _("Public")),
            ("internal", _("Internal")),
            ("confidential", _("Confidential")),
            ("strictly_confidential", _("Strictly confidential")),
        ),
    ),
    Fact(
        "monitors_employees",
        _("Could it be used to observe the behaviour or performance of employees?"),
        _("It only has to be able to, not meant to (German co-determination, BetrVG §87(1) no. 6)."),
        (("no", _("No")), ("yes", _("Yes"))),
    ),
    Fact(
        "decision_role",
        _("How does its output affect decisions about individual people?"),
        _("For example who is invited to an interview, who gets a loan, which shift someone works."),
        (
            ("none", _("No such decisions")),
            ("prepares", _("It prepares a decision a person makes")),
            ("decides", _("It decides automatically")),
        ),
    ),
    Fact(
        "human_review",
        _("Does a person check each output before it takes effect?"),
        _("A human in the loop who can change or stop the result."),
        (("always", _("Always")), ("sampling", _("By sampling")), ("never", _("Never"))),
    ),
    Fact(
        "scale",
        _("How many people does it affect?"),
        _("Count everyone whose data is processed or who is affected by the results."),
        (("small", _("Fewer than 100")), ("medium", _("100 to 10,000")), ("large", _("More than 10,000"))),
    ),
    Fact(
        "prohibited_practices",
        _("Does it do any of these?"),
        _("These practices are prohibited by Art. 5 of the EU AI Act. Leave all unticked if none applies."),
        (
            ("manipulation", _("Influence people below their awareness")),
            ("exploit_vulnerabilities", _("Exploit age, disability or economic situation")),
            ("social_scoring", _("Social scoring")),
            ("crime_prediction", _("Predict crimes from personality traits")),
            ("facial_scraping", _("Scrape facial images from the internet or CCTV")),
            (
                "biometric_categorisation",
                _("Infer race, religion, politics, union membership or sexuality from biometric data"),
            ),
            ("emotion_recognition_work_education", _("Emotion recognition at work or in education")),
        ),
        multiple=True,
    ),
)

FACTS_BY_NAME: dict[str, Fact] = {fact.name: fact for fact in FACTS}
FACT_NAMES: tuple[str, ...] = tuple(fact.name for fact in FACTS)


def check_fact_names(names: Iterable[str]) -> None:
    """Refuse answers to questions that do not exist, naming them all: a misspelt fact must not
    be dropped silently, or the rules judge a use case without the answer its team gave."""
    unknown = sorted(set(names) - set(FACT_NAMES))
    if unknown:
        raise DomainError(
            gettext("There is no question or field named %(names)s.") % {"names": ", ".join(unknown)},
            field="facts",
            code="unknown_fact",
        )
