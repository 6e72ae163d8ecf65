"""How a verdict reads to people: a plain-language headline, the duties, and the reasons rule by rule."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import get_language
from django.utils.translation import gettext as _

from leitplanke.org.models import Role
from leitplanke.usecases.facts import FACTS_BY_NAME

from . import evaluators
from .engine import Bundle, Effect, Evaluator, Rule
from .engine import Verdict as EngineVerdict
from .models import DecisionPath, RiskClass

_ROLE_LABELS = dict(Role.choices)
#: Changes a what-if lists (the publish page, the API); the counts always cover all.
WHATIF_LISTED = 200


def language() -> str:
    """The active language as the engine knows it ("de" or "en")."""
    return "en" if (get_language() or "de").startswith("en") else "de"


def role_label(code: str) -> str:
    """The readable name of a review role."""
    return str(_ROLE_LABELS.get(code, code))


def effect_label(effect: Effect, bundle: Bundle, lang: str) -> str:
    """What one effect of a rule does, in a few words."""
    if effect.kind == "block":
        return _("blocks the use case")
    if effect.kind == "review":
        return _("review by %(role)s") % {"role": role_label(effect.role or "")}
    if effect.kind == "risk_class":
        return _("risk class: %(risk)s") % {"risk": RiskClass(effect.risk_class or "minimal").label}
    if effect.kind == "obligation" and effect.obligation in bundle.obligations:
        return _("obligation: %(title)s") % {"title": bundle.obligations[effect.obligation].title.get(lang)}
    return _("warning")


def rules_by_file(bundle: Bundle) -> list[dict[str, Any]]:
    """The rules and tests of a bundle grouped by the file they are written in (the bundle page, the API)."""
    lang = language()
    groups: dict[str, dict[str, Any]] = {}
    for rule in bundle.rules:
        title = bundle.file_titles.get(rule.file)
        group = groups.setdefault(
            rule.file, {"file": rule.file, "title": title.get(lang) if title else "", "rules": [], "tests": []}
        )
        group["rules"].append(
            {
                "rule": rule,
                "title": rule.title.get(lang),
                "reason": rule.reason.get(lang),
                "rationale": rule.rationale.get(lang),
                "reference": rule.reference.get(lang),
                "effects": [effect_label(effect, bundle, lang) for effect in rule.effects],
            }
        )
    for test in bundle.tests:
        groups.setdefault(test.file, {"file": test.file, "title": "", "rules": [], "tests": []})["tests"].append(test)
    return list(groups.values())


@dataclass(frozen=True)
class Reason:
    """One rule that fired: what it says, why, where it comes from, what it does."""

    rule_id: str
    title: str
    reason: str
    rationale: str
    reference: str
    effects: list[str]
    blocks: bool


@dataclass(frozen=True)
class Duty:
    """An obligation of the verdict, as people read it."""

    id: str
    title: str
    description: str
    due_days: int
    blocking: bool
    reference: str
    applies_from: dt.date | None


@dataclass
class Explanation:
    """A verdict explained: headline, reviews, duties, warnings and reasons, in the active language."""

    risk_class: str
    risk_label: str
    decision: str
    decision_label: str
    headline: str
    reviews: list[tuple[str, str]]
    duties: list[Duty]
    warnings: list[str]
    reasons: list[Reason]
    bundle_id: str
    bundle_version: str
    unanswered: list[str] = field(default_factory=list)
    evaluated_at: Any = None


def explain(verdict: EngineVerdict, bundle: Bundle, *, unit_name: str = "") -> Explanation:
    """Turn an engine verdict into what the profile and the intake show."""
    lang = language()
    reviews = [(code, role_label(code)) for code in verdict.reviews]
    if verdict.decision == DecisionPath.BLOCKED:
        headline = _(
            "Blocked: the rules do not allow this use case as described. The reasons below say what to change."
        )
    elif verdict.decision == DecisionPath.REVIEW:
        headline = _("Needs a review by: %(roles)s. The team lead confirms afterwards.") % {
            "roles": ", ".join(label for _code, label in reviews)
        }
    elif unit_name:
        headline = _("Inside the guardrails: the lead of %(unit)s decides, no review is needed.") % {"unit": unit_name}
    else:
        headline = _("Inside the guardrails: the team lead decides, no review is needed.")
    reasons: dict[str, Reason] = {}
    for firing in verdict.firings:
        rule: Rule = firing.rule
        if rule.id not in reasons:
            reasons[rule.id] = Reason(
                rule.id,
                rule.title.get(lang),
                rule.reason.get(lang),
                rule.rationale.get(lang),
                rule.reference.get(lang),
                [],
                False,
            )
        reasons[rule.id].effects.append(effect_label(firing.effect, bundle, lang))
        if firing.effect.kind == "block":
            reasons[rule.id] = Reason(**{**reasons[rule.id].__dict__, "blocks": True})
    duties = [
        Duty(
            obligation.id,
            obligation.title.get(lang),
            obligation.description.get(lang),
            obligation.due_days,
            obligation.blocking,
            obligation.reference,
            bundle.dates[obligation.applies_from].date if obligation.applies_from else None,
        )
        for obligation in verdict.obligations
    ]
    ordered = sorted(reasons.values(), key=lambda reason: (not reason.blocks, reason.title))
    return Explanation(
        risk_class=verdict.risk_class,
        risk_label=str(RiskClass(verdict.risk_class).label),
        decision=verdict.decision,
        decision_label=str(DecisionPath(verdict.decision).label),
        headline=headline,
        reviews=reviews,
        duties=duties,
        warnings=verdict.warnings(lang, unanswered=False),
        reasons=ordered,
        bundle_id=verdict.bundle_id,
        bundle_version=verdict.bundle_version,
        unanswered=[str(FACTS_BY_NAME[name].question) for name in verdict.unanswered if name in FACTS_BY_NAME],
    )


def explain_stored(stored: Any, evaluator: Evaluator, *, unit_name: str = "") -> Explanation:
    """The stored verdict of a use case, explained: its exact input evaluated again under its bundle.

    A verdict a limit stopped is shown as it was stored (evaluating it again would only wait for the
    limit once more); any other is evaluated where its bundle runs (see ``evaluators``).
    """
    summary = stored.summary or {}
    if summary.get("stopped"):
        verdict = evaluator.stopped_verdict(summary.get("failed") or (), summary["stopped"])
    else:
        verdict = evaluators.evaluate_or_stop(evaluator, stored.input)
    explanation = explain(verdict, evaluator.bundle, unit_name=unit_name)
    explanation.evaluated_at = stored.evaluated_at
    return explanation


def explanation_for(usecase: Any) -> Explanation | None:
    """The stored verdict of a use case explained, or None if it was not evaluated yet.

    The caller has checked that the viewer may see the use case.
    """
    from . import selectors

    stored = selectors.verdict_of(usecase)
    if stored is None:
        return None
    return explain_stored(stored, selectors.evaluator_for(stored.bundle), unit_name=usecase.unit.name)
