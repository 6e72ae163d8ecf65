"""Evaluating a use case: check the input against the contract, run the rules, compose the verdict.

Speed: the engine (1) puts all rules that read the same inputs into one CEL program that returns a
list of booleans, (2) hands each input to CEL once per evaluation, in a context per thread that
holds the bundle's constants already converted, and (3) remembers each group's outcome for the
values it read, and each verdict for the whole input. CEL conditions are pure functions of their
inputs, so a remembered outcome is exactly what the program would give: the verdict is the same
with or without the memory (``Evaluator(bundle, memo=False)``), only faster.
"""

from __future__ import annotations

import copy
import operator
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import cel

from . import contract
from .bundle import Bundle, Effect, Obligation, Rule, Text

#: Called with each group of rules just before it runs (the evaluator processes record which rules
#: were running when a time limit stopped them); None in the web process.
on_group: Callable[[Any], None] | None = None
#: Entries a group remembers before it starts afresh (bounded memory, no eviction bookkeeping).
MEMO_LIMIT = 50_000
#: CEL contexts (one per combination of tools) a thread keeps before it starts afresh.
CONTEXTS_KEPT = 4096
_RISK_RANK = {risk: rank for rank, risk in enumerate(reversed(contract.RISK_CLASSES))}
_REVIEW_ORDER = {role: index for index, role in enumerate(contract.REVIEW_ROLES)}

#: The engine's own texts (the rules bring theirs).
_MESSAGES = {
    "rule_failed": Text(
        "Die Regel „{rule}“ konnte nicht ausgewertet werden ({error}); die KI-Governance prüft den Anwendungsfall.",
        "The rule “{rule}” could not be evaluated ({error}); AI governance reviews the use case.",
    ),
    "rule_stopped": Text(
        "Die Auswertung wurde angehalten, weil die Regel „{rule}“ die Zeit- oder Speichergrenze überschritt; "
        "die KI-Governance prüft den Anwendungsfall, bis die Regel korrigiert ist.",
        "The evaluation was stopped because the rule “{rule}” exceeded the time or memory limit; "
        "AI governance reviews the use case until the rule is fixed.",
    ),
    "unanswered": Text(
        "Noch nicht beantwortet (zählt als „unsicher“): {facts}.",
        "Not answered yet (counted as “unsure”): {facts}.",
    ),
}


def stopped_reason(lang: str, rule: str) -> str:
    """Why a verdict that a limit stopped asks AI governance to review (``lang`` "de" or "en")."""
    return _MESSAGES["rule_stopped"].get(lang).format(rule=rule)


class InputInvalid(ValueError):
    """An evaluation input that breaks the contract (unknown fact, unknown code, wrong shape)."""


@dataclass(frozen=True)
class EvalInput:
    """A checked input: the plain data in contract form, and the facts that were not answered."""

    raw: dict[str, Any]
    unanswered: tuple[str, ...]


def merge_input(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    """``override`` over ``base``: facts merged one by one, tools, unit and stage replaced."""
    if not isinstance(override, Mapping):
        raise InputInvalid("the input must be a JSON object with 'facts', 'tools', 'unit' and 'stage'")
    merged = copy.deepcopy(dict(base))
    for key, value in override.items():
        if key == "facts" and isinstance(value, Mapping) and isinstance(merged.get("facts"), Mapping):
            merged["facts"] = {**merged["facts"], **value}
        else:
            merged[key] = copy.deepcopy(value)
    return merged


_SINGLE = tuple((spec.name, spec.accepted) for spec in contract.FACT_SPECS if not spec.multiple)
_MULTIPLE = tuple((spec.name, spec.accepted, spec.order) for spec in contract.FACT_SPECS if spec.multiple)
_INPUT_KEYS = frozenset({"facts", "tools", "unit", "stage"})
_FACT_NAMES = frozenset(contract.FACTS_BY_NAME)


def _is_mapping(value: Any) -> bool:
    return value.__class__ is dict or isinstance(value, Mapping)


def normalise_input(data: Any) -> EvalInput:
    """Check an input against the contract and fill what is missing.

    A single-choice fact that is missing counts as ``unsure`` (and is named in ``unanswered``); a
    missing multi-choice fact is an empty list; no tools, no unit and the stage ``idea`` are the
    defaults. Anything unknown is refused with :class:`InputInvalid`.
    """
    if not _is_mapping(data):
        raise InputInvalid("the input must be a JSON object with 'facts', 'tools', 'unit' and 'stage'")
    if not data.keys() <= _INPUT_KEYS:
        unknown = sorted(set(data) - _INPUT_KEYS)
        raise InputInvalid(f"unknown key '{unknown[0]}' (allowed: facts, tools, unit, stage)")
    facts_in = data.get("facts")
    facts_in = {} if facts_in is None else facts_in
    if not _is_mapping(facts_in):
        raise InputInvalid("'facts' must be an object of fact name to answer")
    if not facts_in.keys() <= _FACT_NAMES:
        unknown = sorted(set(facts_in) - _FACT_NAMES)
        raise InputInvalid(f"unknown fact '{unknown[0]}' (facts: {', '.join(contract.FACTS_BY_NAME)})")
    facts: dict[str, Any] = {}
    unanswered = []
    for name, accepted, order in _MULTIPLE:
        value = facts_in.get(name)
        if not value:
            if value is not None and not isinstance(value, list | tuple):
                raise InputInvalid(f"'{name}' takes a list of answers")
            facts[name] = []
            continue
        if not isinstance(value, list | tuple):
            raise InputInvalid(f"'{name}' takes a list of answers")
        answers = set(value) if all(code.__class__ is str for code in value) else {repr(code) for code in value}
        if not answers <= accepted:
            code = sorted(answers - accepted)[0]
            raise InputInvalid(f"unknown answer '{code}' for '{name}' (answers: {', '.join(order)})")
        facts[name] = sorted(answers, key=order.__getitem__) if len(answers) > 1 else list(answers)
    for name, accepted in _SINGLE:
        value = facts_in.get(name)
        if value.__class__ is str and value in accepted:
            facts[name] = value
        elif value is None or value == "":
            unanswered.append(name)
            facts[name] = contract.UNSURE
        else:
            raise InputInvalid(f"unknown answer '{value}' for '{name}' (answers: {', '.join(sorted(accepted))})")
    facts = {spec.name: facts[spec.name] for spec in contract.FACT_SPECS}
    tools_in = data.get("tools")
    tools_in = [] if tools_in is None else tools_in
    if not isinstance(tools_in, list | tuple):
        raise InputInvalid("'tools' must be a list of tool objects")
    if len(tools_in) > contract.MAX_TOOLS:
        raise InputInvalid(f"at most {contract.MAX_TOOLS} tools per use case")
    tools = [_tool(index, tool) for index, tool in enumerate(tools_in)]
    unit = data.get("unit") or ""
    stage = data.get("stage") or "idea"
    if unit.__class__ is not str or len(unit) > contract.MAX_TEXT:
        raise InputInvalid(f"'unit' must be a text of at most {contract.MAX_TEXT} characters")
    if stage not in contract.STAGES:
        raise InputInvalid(f"unknown stage '{stage}' (stages: {', '.join(contract.STAGES)})")
    return EvalInput({"facts": facts, "tools": tools, "unit": unit, "stage": stage}, tuple(unanswered))


_TOOL_FIELD_SET = frozenset(contract.TOOL_FIELDS)
_TOOL_CODES = {name: frozenset(kind) for name, kind in contract.TOOL_FIELDS.items() if isinstance(kind, tuple)}


def _tool(index: int, tool: Any) -> dict[str, Any]:
    if not _is_mapping(tool):
        raise InputInvalid(f"tool {index + 1} must be an object with {', '.join(contract.TOOL_FIELDS)}")
    if tool.keys() != _TOOL_FIELD_SET:
        unknown = sorted(set(tool) - _TOOL_FIELD_SET)
        if unknown:
            raise InputInvalid(f"tool {index + 1} has the unknown field '{unknown[0]}'")
        missing = [name for name in contract.TOOL_FIELDS if name not in tool]
        raise InputInvalid(f"tool {index + 1} lacks the field '{missing[0]}'")
    clean: dict[str, Any] = {}
    for name, kind in contract.TOOL_FIELDS.items():
        value = tool[name]
        if kind is bool:
            if value is not True and value is not False:
                raise InputInvalid(f"tool {index + 1}: '{name}' must be true or false")
        elif kind is str:
            if not isinstance(value, str) or len(value) > contract.MAX_TEXT:
                raise InputInvalid(
                    f"tool {index + 1}: '{name}' must be a text of at most {contract.MAX_TEXT} characters"
                )
        elif not isinstance(value, str) or value not in _TOOL_CODES[name]:
            raise InputInvalid(f"tool {index + 1}: unknown {name} '{value}' (allowed: {', '.join(kind)})")  # type: ignore[arg-type]
        clean[name] = value
    return clean


@dataclass(frozen=True)
class Firing:
    """One effect of one rule whose condition held."""

    rule: Rule
    effect: Effect


@dataclass(frozen=True)
class Verdict:
    """What the rules say about one use case: risk class, decision path, reviews, duties, reasons."""

    risk_class: str
    decision: str
    reviews: tuple[str, ...]
    obligations: tuple[Obligation, ...]
    firings: tuple[Firing, ...]
    failures: tuple[tuple[str, str], ...]  # (rule id, error) of rules that could not be evaluated
    unanswered: tuple[str, ...]
    bundle_id: str
    bundle_version: str
    dates: Mapping[str, Any]
    #: Set when the evaluation was stopped by a limit ("time" or "memory"): ``failures`` name the rules.
    stopped: str | None = None

    @property
    def fired_rules(self) -> tuple[str, ...]:
        """Ids of the rules that fired, in bundle order, each once."""
        return tuple(dict.fromkeys(firing.rule.id for firing in self.firings))

    def warnings(self, lang: str, *, unanswered: bool = True) -> list[str]:
        """The warnings in ``lang``: from ``warn`` effects, failed rules and (unless told not to)
        the questions not answered yet."""
        texts = [firing.effect.warning.get(lang) for firing in self.firings if firing.effect.warning]
        titles = {firing.rule.id: firing.rule.title.get(lang) for firing in self.firings}
        for rule_id, error in self.failures:
            if self.stopped:
                texts.append(_MESSAGES["rule_stopped"].get(lang).format(rule=rule_id))
                continue
            texts.append(_MESSAGES["rule_failed"].get(lang).format(rule=titles.get(rule_id, rule_id), error=error))
        if self.unanswered and unanswered:
            texts.append(_MESSAGES["unanswered"].get(lang).format(facts=", ".join(self.unanswered)))
        return texts

    def as_dict(self, lang: str = "de") -> dict[str, Any]:
        """The verdict as the contract's JSON, its texts in ``lang``."""
        return {
            "risk_class": self.risk_class,
            "decision": self.decision,
            "reviews": list(self.reviews),
            "obligations": [
                {
                    "id": obligation.id,
                    "title": obligation.title.get(lang),
                    "due_days": obligation.due_days,
                    "blocking": obligation.blocking,
                    "reference": obligation.reference,
                    "applies_from": self.dates[obligation.applies_from].date.isoformat()
                    if obligation.applies_from
                    else None,
                }
                for obligation in self.obligations
            ],
            "warnings": self.warnings(lang),
            "fired": [
                {
                    "rule": firing.rule.id,
                    "effect": firing.effect.describe(),
                    "reason": firing.rule.reason.get(lang),
                    "reference": firing.rule.reference.get(lang),
                }
                for firing in self.firings
            ],
            "bundle": {"id": self.bundle_id, "version": self.bundle_version},
        }

    def summary(self) -> dict[str, Any]:
        """The verdict without texts: what is stored, compared in a what-if and recorded in the audit trail."""
        found = {
            "risk_class": self.risk_class,
            "decision": self.decision,
            "reviews": list(self.reviews),
            "obligations": [obligation.id for obligation in self.obligations],
            "fired": list(self.fired_rules),
            "failed": [rule_id for rule_id, _error in self.failures],
        }
        if self.stopped:
            found["stopped"] = self.stopped
        return found


def _freeze(value: Any) -> Any:
    """A hashable form of a checked input value: lists become tuples, a tool map the tuple of its
    fields (``normalise_input`` writes them in the contract's order)."""
    if isinstance(value, list):
        if value and isinstance(value[0], dict):
            return tuple(tuple(tool.values()) for tool in value)
        return tuple(value)
    return value


class _Outcome:
    """What one group's rules contributed to a verdict, for one set of input values."""

    __slots__ = ("blocked", "failures", "fired", "reviews", "risk")

    def __init__(
        self,
        fired: tuple[int, ...] = (),
        failures: tuple[tuple[int, str], ...] = (),
        summaries: list[tuple[int, bool, frozenset[str]]] | None = None,
    ) -> None:
        self.fired = fired  # positions in the bundle of the rules that fired
        self.failures = failures
        chosen = [summaries[position] for position in fired] if summaries else []
        self.risk = max((risk for risk, _blocks, _roles in chosen), default=0)
        self.blocked = any(blocks for _risk, blocks, _roles in chosen)
        self.reviews = frozenset().union(*(roles for _risk, _blocks, roles in chosen)) | (
            {"ai_governance"} if failures else frozenset()
        )


#: The outcome of a group none of whose rules fired (most groups, most of the time).
_NOTHING = _Outcome()


def _rule_summary(rule: Rule) -> tuple[int, bool, frozenset[str]]:
    """What a rule does to a verdict when it fires: its risk rank, whether it blocks, the reviews."""
    risk = max((_RISK_RANK[e.risk_class] for e in rule.effects if e.kind == "risk_class" and e.risk_class), default=0)
    blocks = any(effect.kind == "block" for effect in rule.effects)
    return risk, blocks, frozenset(e.role for e in rule.effects if e.kind == "review" and e.role)


class _Group:
    """The rules that read the same inputs: one CEL program for all of them, and their memory."""

    def __init__(self, names: tuple[str, ...], positions: list[int], bundle: Bundle) -> None:
        self.names = names
        self.key = operator.itemgetter(*names) if names else (lambda frozen: ())
        self.positions = tuple(positions)
        self.summaries = [_rule_summary(rule) for rule in bundle.rules]
        rules = [bundle.rules[position] for position in positions]
        self.rule_ids = tuple(rule.id for rule in rules)
        sources = [rule.condition for rule in rules]
        self.program = cel.compile("[" + ", ".join(f"({source})" for source in sources) + "]")
        self.singles = tuple(cel.compile(source) for source in sources)
        self.memo: dict[Any, _Outcome] = {}

    def run(self, context: cel.Context | dict[str, Any]) -> _Outcome:
        """Evaluate the group's rules in ``context``; a rule that fails is recorded, never raised."""
        try:
            results = self.program.execute(context)
        except Exception:  # noqa: BLE001 (find out which rule failed, one by one)
            results = [self._run_single(program, context) for program in self.singles]
        if True not in results and all(result is False for result in results):
            return _NOTHING
        fired = []
        failures = []
        for position, result in zip(self.positions, results, strict=True):
            if result is True:
                fired.append(position)
            elif result is not False:
                failures.append((position, result if isinstance(result, str) else _not_boolean(result)))
        return _Outcome(tuple(fired), tuple(failures), self.summaries)

    @staticmethod
    def _run_single(program: cel.Program, context: cel.Context | dict[str, Any]) -> Any:
        try:
            result = program.execute(context)
        except Exception as exc:  # noqa: BLE001 (any failure of a rule is reported, never raised)
            return f"{type(exc).__name__}: {exc}"[:300]
        return result if isinstance(result, bool) else _not_boolean(result)


def _not_boolean(result: Any) -> str:
    return f"the condition gave {type(result).__name__} instead of true/false"


_NAMES = (*contract.FACTS_BY_NAME, *contract.CONTEXT_NAMES)
_LIST_FACTS = tuple(spec.name for spec in contract.FACT_SPECS if spec.multiple)


class Evaluator:
    """A compiled bundle ready to evaluate inputs; safe to share between threads."""

    def __init__(self, bundle: Bundle, *, memo: bool = True) -> None:
        """``memo`` remembers outcomes per group of rules; it only makes evaluation faster, the
        verdicts are the same without it."""
        self.bundle = bundle
        self.memo = memo
        by_names: dict[tuple[str, ...], list[int]] = {}
        for position, rule in enumerate(bundle.rules):
            by_names.setdefault(rule.names, []).append(position)
        self.groups = [_Group(names, positions, bundle) for names, positions in by_names.items()]
        self._firings = [tuple(Firing(rule, effect) for effect in rule.effects) for rule in bundle.rules]
        self._verdicts: dict[Any, Verdict] = {}
        self._composed: dict[Any, Verdict] = {}
        self._summaries: dict[Any, dict[str, Any]] = {}
        self._positions = {rule.id: position for position, rule in enumerate(bundle.rules)}
        self._rule_summaries = [_rule_summary(rule) for rule in bundle.rules]
        self._local = threading.local()
        # The inputs any rule reads: a verdict is remembered by these (a unit no rule reads does not count).
        read = sorted({name for group in self.groups for name in group.names})
        self._read = operator.itemgetter(*read) if read else (lambda frozen: ())
        # No rule can tell tools apart by the other fields, so CEL gets (and memory keys hold) just these.
        self._project_tools = self.bundle.tool_fields != tuple(contract.TOOL_FIELDS)

    def evaluate(self, data: Any) -> Verdict:
        """Check ``data`` against the contract and evaluate it (:class:`InputInvalid` if it breaks it)."""
        return self.evaluate_checked(normalise_input(data))

    def _context(self, tools_key: Any, tools: list[dict[str, Any]]) -> cel.Context:
        """A CEL context of this thread holding the bundle's constants and the given tools.

        Converting values to CEL costs more than evaluating, and the same few combinations of
        tools recur across a portfolio: each combination gets a context of its own in which the
        constants and the tools are converted once. Each run then sets the answers its rules read,
        so what an earlier evaluation left in the context is never read.
        """
        contexts = getattr(self._local, "contexts", None)
        if contexts is None:
            contexts = self._local.contexts = {}
        context = contexts.get(tools_key)
        if context is None:
            if len(contexts) >= CONTEXTS_KEPT:
                contexts.clear()
            context = contexts[tools_key] = cel.Context(variables={**self.bundle.constants, "tools": tools})
        return context

    def summary_of(self, fired: Iterable[str], failed: Iterable[str] = ()) -> dict[str, Any]:
        """The verdict summary when exactly the rules ``fired`` fired (and ``failed`` failed).

        The result is remembered per combination and shared: do not change it.
        """
        positions = tuple(sorted({self._positions[rule_id] for rule_id in fired}))
        errors = tuple(sorted({self._positions[rule_id] for rule_id in failed}))
        key = (positions, errors)
        found = self._summaries.get(key)
        if found is None:
            outcome = _Outcome(positions, tuple((position, "") for position in errors), self._rule_summaries)
            found = self._compose([outcome], ()).summary()
            if len(self._summaries) >= MEMO_LIMIT:
                self._summaries.clear()
            self._summaries[key] = found
        return found

    def verdict_of(
        self, fired: Iterable[str], failures: Iterable[tuple[str, str]], unanswered: Iterable[str] = ()
    ) -> Verdict:
        """The verdict when exactly the rules ``fired`` fired and ``failures`` (rule id, error) failed.

        Composed without evaluating anything: an evaluator process sends back just these.
        """
        positions = tuple(sorted({self._positions[rule_id] for rule_id in fired}))
        errors = tuple(sorted((self._positions[rule_id], error) for rule_id, error in failures))
        outcome = _Outcome(positions, errors, self._rule_summaries)
        return self._compose([outcome], tuple(unanswered))

    def stopped_verdict(self, rules: Iterable[str], limit: str, unanswered: Iterable[str] = ()) -> Verdict:
        """The verdict of an evaluation a limit stopped: AI governance reviews it, as high risk until then.

        Nothing the rules would have said is known, so no rule fired; ``rules`` (those that were
        running) are named as failed, and the risk class is the riskier answer, as for "unsure".
        """
        named = tuple(rule for rule in rules if rule in self._positions) or ("?",)
        return Verdict(
            risk_class="high",
            decision="review",
            reviews=("ai_governance",),
            obligations=(),
            firings=(),
            failures=tuple((rule, limit) for rule in named),
            unanswered=tuple(unanswered),
            bundle_id=self.bundle.id,
            bundle_version=self.bundle.version,
            dates=self.bundle.dates,
            stopped=limit,
        )

    def evaluate_many(self, inputs: Iterable[Any]) -> list[Verdict]:
        """Evaluate several inputs (the what-if and the bulk refresh use this)."""
        return [self.evaluate(data) for data in inputs]

    def evaluate_checked(self, checked: EvalInput) -> Verdict:
        """Evaluate an input that :func:`normalise_input` already checked."""
        raw = checked.raw
        facts = raw["facts"]
        tools = raw["tools"]
        if self._project_tools and tools:
            fields = self.bundle.tool_fields
            tools = [{name: tool[name] for name in fields} for tool in tools]
        variables = {**facts, "tools": tools, "unit": raw["unit"], "stage": raw["stage"]}
        # Hashable forms for the memory: answers are text already; lists become tuples.
        frozen = dict(variables)
        for name in _LIST_FACTS:
            frozen[name] = tuple(facts[name])
        frozen["tools"] = tuple(tuple(tool.values()) for tool in tools)
        memo = self.memo
        whole = None
        if memo:
            whole = (self._read(frozen), checked.unanswered)
            known = self._verdicts.get(whole)
            if known is not None:
                return known
        outcomes: list[_Outcome | None] = []
        missed: list[tuple[int, _Group, Any]] = []
        for index, group in enumerate(self.groups):
            key = group.key(frozen)
            outcome = group.memo.get(key) if memo else None
            if outcome is None:
                missed.append((index, group, key))
            outcomes.append(outcome)
        if missed:
            # One context for every group that has to run: each input is handed to CEL once.
            names = {name for _index, group, _key in missed for name in group.names}
            context = self._context(frozen["tools"], tools)
            names.discard("tools")
            context.update({name: variables[name] for name in names})
            hook = on_group
            for index, group, key in missed:
                if hook is not None:
                    hook(group)
                outcome = group.run(context)
                outcomes[index] = outcome
                if memo:
                    if len(group.memo) >= MEMO_LIMIT:
                        group.memo.clear()
                    group.memo[key] = outcome
        if not memo:
            return self._compose(outcomes, checked.unanswered)  # type: ignore[arg-type]
        # Many inputs end in the same outcomes: the verdict is composed once per combination. The
        # key holds the outcome objects themselves, so they stay alive and are never confused.
        combination = (tuple(outcomes), checked.unanswered)
        verdict = self._composed.get(combination)
        if verdict is None:
            verdict = self._compose(outcomes, checked.unanswered)  # type: ignore[arg-type]
            if len(self._composed) >= MEMO_LIMIT:
                self._composed.clear()
            self._composed[combination] = verdict
        if len(self._verdicts) >= MEMO_LIMIT:
            self._verdicts.clear()
        self._verdicts[whole] = verdict
        return verdict

    def _compose(self, outcomes: list[_Outcome], unanswered: tuple[str, ...]) -> Verdict:
        fired: list[int] = []
        failed: list[tuple[int, str]] = []
        risk_rank = 0
        blocked = False
        reviews: set[str] = set()
        for outcome in outcomes:
            if outcome is _NOTHING:
                continue
            fired.extend(outcome.fired)
            failed.extend(outcome.failures)
            risk_rank = max(risk_rank, outcome.risk)
            blocked = blocked or outcome.blocked
            reviews |= outcome.reviews
        fired.sort()
        risk = contract.RISK_CLASSES[len(contract.RISK_CLASSES) - 1 - risk_rank]
        blocked = blocked or risk == "prohibited"
        firings = tuple(firing for position in fired for firing in self._firings[position])
        obligations: dict[str, Obligation] = {}
        for firing in firings:
            if firing.effect.obligation:
                obligations.setdefault(firing.effect.obligation, self.bundle.obligations[firing.effect.obligation])
        rules = self.bundle.rules
        failures = tuple((rules[position].id, error) for position, error in sorted(failed))
        return Verdict(
            risk_class=risk,
            decision="blocked" if blocked else "review" if reviews else "team_lead",
            reviews=tuple(sorted(reviews, key=_REVIEW_ORDER.__getitem__)),
            obligations=tuple(obligations.values()),
            firings=firings,
            failures=failures,
            unanswered=unanswered,
            bundle_id=self.bundle.id,
            bundle_version=self.bundle.version,
            dates=self.bundle.dates,
        )
