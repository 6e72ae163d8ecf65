"""Evaluating inputs: the contract is enforced, the verdict is deterministic, the speed-ups change nothing."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from leitplanke.guardrails.engine import Evaluator, InputInvalid, contract, normalise_input, parse_bundle

from ..profiles import examples
from .support import OFFICE, case, default_evaluator, tool
from .test_engine_bundle import bundle, rule


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"facts": {"purpose": ["recruiting"]}}, "unknown fact 'purpose'"),
        ({"facts": {"purposes": ["flying"]}}, "unknown answer 'flying' for 'purposes'"),
        ({"facts": {"personal_data": "some"}}, "unknown answer 'some' for 'personal_data'"),
        ({"facts": {"purposes": "recruiting"}}, "'purposes' takes a list of answers"),
        ({"facts": {"personal_data": ["personal"]}}, "unknown answer"),
        ({"facts": {"purposes": [["recruiting"]]}}, "unknown answer"),
        ({"unit": 7}, "'unit' must be a text"),
        ({"facts": [], "tools": []}, "'facts' must be an object"),
        ({"facts": {}, "color": "red"}, "unknown key 'color'"),
        ({"tools": [{**OFFICE, "colour": "red"}]}, "tool 1 has the unknown field 'colour'"),
        ({"tools": {"name": "x"}}, "'tools' must be a list"),
        ({"tools": [{**OFFICE, "status": "great"}]}, "tool 1: unknown status 'great'"),
        ({"tools": [{**OFFICE, "dpa_signed": "yes"}]}, "tool 1: 'dpa_signed' must be true or false"),
        ({"tools": [OFFICE] * 51}, "at most 50 tools"),
        ({"stage": "beta"}, "unknown stage 'beta'"),
        ([1, 2], "the input must be a JSON object"),
    ],
)
def test_an_input_that_breaks_the_contract_is_refused_with_the_reason(data: Any, message: str) -> None:
    with pytest.raises(InputInvalid, match=message.replace("(", r"\(")):
        default_evaluator().evaluate(data)


def test_a_tool_missing_a_field_is_refused() -> None:
    incomplete = {key: value for key, value in OFFICE.items() if key != "dpa_signed"}
    with pytest.raises(InputInvalid, match="lacks the field 'dpa_signed'"):
        normalise_input({"tools": [incomplete]})


def test_unanswered_questions_count_as_unsure_and_are_named() -> None:
    verdict = default_evaluator().evaluate({"facts": {"purposes": ["productivity"]}, "tools": [OFFICE]})
    assert "interacts_with_people" in verdict.unanswered
    warning = verdict.warnings("en")[-1]
    assert warning.startswith("Not answered yet") and "personal_data" in warning
    assert "information_security" in verdict.reviews  # an unknown classification goes to information security


def test_the_verdict_has_the_contract_shape_in_both_languages() -> None:
    data = case(purposes=["customer_interaction"], affected_people=["consumers"], interacts_with_people="external")
    for lang in ("de", "en"):
        verdict = default_evaluator().evaluate(data).as_dict(lang)
        assert set(verdict) == {"risk_class", "decision", "reviews", "obligations", "warnings", "fired", "bundle"}
        assert verdict["risk_class"] in contract.RISK_CLASSES and verdict["decision"] in contract.DECISIONS
        assert set(verdict["reviews"]) <= set(contract.REVIEW_ROLES)
        assert {"id", "title", "due_days", "blocking"} <= set(verdict["obligations"][0])
        assert {"rule", "effect", "reason", "reference"} == set(verdict["fired"][0])
        assert verdict["bundle"] == {"id": "leitplanke-default", "version": default_evaluator().bundle.version}
    german = default_evaluator().evaluate(data).as_dict("de")["fired"][0]["reason"]
    english = default_evaluator().evaluate(data).as_dict("en")["fired"][0]["reason"]
    assert german != english


def test_the_same_input_always_gives_the_same_verdict() -> None:
    data = case(
        purposes=["recruiting"], affected_people=["applicants"], personal_data="personal", decision_role="prepares"
    )
    first = Evaluator(default_evaluator().bundle).evaluate(data).as_dict("en")
    assert all(Evaluator(default_evaluator().bundle).evaluate(data).as_dict("en") == first for _ in range(3))


def test_answer_order_and_repetition_do_not_matter() -> None:
    a = default_evaluator().evaluate(case(purposes=["analytics", "recruiting"], decision_role="prepares"))
    b = default_evaluator().evaluate(case(purposes=["recruiting", "analytics", "recruiting"], decision_role="prepares"))
    assert a.summary() == b.summary()


def test_a_rule_that_fails_on_an_input_sends_the_use_case_to_ai_governance() -> None:
    # Given a rule that fails only when a use case has no tool (it was published with tools present)
    loaded = parse_bundle(bundle(rule(when='tools[0].status == "approved"', effect="review: legal")))
    # when a use case without tools is evaluated
    verdict = Evaluator(loaded).evaluate({"facts": {}, "tools": []})
    # then the verdict does not guess: AI governance looks at it, and the warning says why
    assert verdict.decision == "review" and verdict.reviews == ("ai_governance",)
    assert verdict.failures and verdict.failures[0][0] == "r-one"
    assert "could not be evaluated" in verdict.warnings("en")[0]


def test_prohibited_always_blocks_even_without_a_block_effect() -> None:
    loaded = parse_bundle(bundle(rule(when="true", effect="risk_class: prohibited")))
    verdict = Evaluator(loaded).evaluate({})
    assert (verdict.risk_class, verdict.decision) == ("prohibited", "blocked")


def test_the_highest_risk_class_wins() -> None:
    files = bundle(
        rule("a", when="true", effect="risk_class: limited"), rule("b", when="true", effect="risk_class: high")
    )
    assert Evaluator(parse_bundle(files)).evaluate({}).risk_class == "high"


def test_obligations_appear_once_even_if_several_rules_require_them() -> None:
    data = case(
        purposes=["employee_decisions"],
        affected_people=["employees"],
        personal_data="special_categories",
        monitors_employees="yes",
        decision_role="decides",
    )
    obligations = default_evaluator().evaluate(data).summary()["obligations"]
    assert obligations.count("gdpr-art35-dpia") == 1


def test_one_evaluator_is_safe_to_share_between_threads() -> None:
    evaluator = Evaluator(default_evaluator().bundle)
    purposes = contract.FACTS_BY_NAME["purposes"].codes
    inputs = [case(purposes=[purpose], decision_role="prepares") for purpose in purposes]
    expected = [Evaluator(evaluator.bundle, memo=False).evaluate(data).summary() for data in inputs]
    errors: list[str] = []

    def work() -> None:
        for _ in range(20):
            for data, want in zip(inputs, expected, strict=True):
                if evaluator.evaluate(data).summary() != want:
                    errors.append("mismatch")

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []


def _facts() -> st.SearchStrategy[dict[str, Any]]:
    entries = {}
    for spec in contract.FACT_SPECS:
        if spec.multiple:
            entries[spec.name] = st.lists(st.sampled_from(spec.codes), max_size=4)
        else:
            entries[spec.name] = st.sampled_from(sorted(spec.accepted))
    return st.fixed_dictionaries({}, optional=entries)


_TOOLS = st.lists(
    st.builds(
        tool,
        st.sampled_from(["A", "B", "C"]),
        st.sampled_from(contract.TOOL_STATUSES),
        hosting_region=st.sampled_from(contract.HOSTING_REGIONS),
        max_classification=st.sampled_from(contract.CLASSIFICATIONS),
        personal_data_allowed=st.booleans(),
        dpa_signed=st.booleans(),
        trains_on_inputs=st.booleans(),
    ),
    max_size=3,
)

_FAST = Evaluator(default_evaluator().bundle)
_PLAIN = Evaluator(default_evaluator().bundle, memo=False)


@settings(max_examples=examples(300), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(facts=_facts(), tools=_TOOLS, stage=st.sampled_from(contract.STAGES))
def test_the_speed_ups_never_change_a_verdict(facts: dict[str, Any], tools: list[dict[str, Any]], stage: str) -> None:
    # Given any valid input, the engine with its memory gives exactly the verdict of evaluating
    # every rule afresh
    data = {"facts": facts, "tools": tools, "unit": "team", "stage": stage}
    assert _FAST.evaluate(data).as_dict("en") == _PLAIN.evaluate(data).as_dict("en")
    # and so does asking twice (the second answer comes from memory)
    assert _FAST.evaluate(data).as_dict("de") == _PLAIN.evaluate(data).as_dict("de")
