"""Loading and validating rule bundles: every broken bundle is refused with file, line and a clear reason."""

from __future__ import annotations

from pathlib import Path

import pytest

from leitplanke.guardrails.engine import BundleInvalid, check_files, check_isolated, parse_bundle, read_folder
from leitplanke.guardrails.engine.bundle import nesting_depth, tool_fields_needed

from .support import copy_default

MINIMAL_HEAD = """\
id: test-bundle
version: "1"
title: {de: Testregeln, en: Test rules}
"""

RULE = """\
rules:
  - id: {rule_id}
    title: {{de: Titel, en: Title}}
    reason: {{de: Grund, en: Reason}}
    rationale: {{de: Begründung, en: Rationale}}
    reference: Art. 1
    when: '{when}'
    effects:
      - {effect}
"""


def bundle(*rule_files: str, head: str = MINIMAL_HEAD) -> dict[str, str]:
    """A bundle made of ``bundle.yaml`` and one rule file per text."""
    files = {"bundle.yaml": head}
    for number, text in enumerate(rule_files, start=1):
        files[f"rules/r{number}.yaml"] = text
    return files


def rule(rule_id: str = "r-one", when: str = '"recruiting" in purposes', effect: str = "review: legal") -> str:
    return RULE.format(rule_id=rule_id, when=when, effect=effect)


def problems_of(files: dict[str, str]) -> list[str]:
    with pytest.raises(BundleInvalid) as refused:
        parse_bundle(files)
    return [str(problem) for problem in refused.value.problems]


def test_the_default_bundle_is_valid_and_its_own_tests_pass() -> None:
    report = check_files(read_folder(Path(__file__).parents[2] / "src/leitplanke/guardrails/policies/default"))
    assert report.ok, [str(problem) for problem in report.problems]
    assert report.bundle["rules"] >= 50
    assert report.tests and all(test["passed"] for test in report.tests)


def test_a_minimal_bundle_loads() -> None:
    loaded = parse_bundle(bundle(rule()))
    assert [r.id for r in loaded.rules] == ["r-one"]
    assert loaded.rules[0].names == ("purposes",)


def test_a_cel_syntax_error_names_file_line_and_column() -> None:
    problems = problems_of(bundle(rule(when='"recruiting" in purposes &&& true')))
    assert len(problems) == 1
    assert problems[0].startswith("rules/r1.yaml:7:")
    assert "CEL" in problems[0] and "Syntax error" in problems[0]


def test_a_cel_error_in_a_block_scalar_points_into_the_block() -> None:
    text = rule().replace(
        """    when: '"recruiting" in purposes'""",
        """    when: |
      "recruiting" in purposes
        && (decision_role == "none"
""",
    )
    problems = problems_of(bundle(text))
    assert problems[0].startswith("rules/r1.yaml:1") and "CEL" in problems[0]
    line = int(problems[0].split(":")[1])
    assert line in (8, 9, 10)


def test_an_unknown_fact_is_refused_with_a_hint() -> None:
    problems = problems_of(bundle(rule(when='"recruiting" in purpose')))
    assert problems[0].startswith("rules/r1.yaml:7:")
    assert "unknown fact 'purpose'" in problems[0] and "did you mean 'purposes'" in problems[0]


def test_an_unknown_effect_is_refused() -> None:
    problems = problems_of(bundle(rule(effect="escalate: legal")))
    assert problems == [
        "rules/r1.yaml:9:9: unknown effect 'escalate' (known: block, review, obligation, risk_class, warn)"
    ]


def test_an_unknown_review_role_and_risk_class_are_refused() -> None:
    assert "unknown review role 'hr'" in problems_of(bundle(rule(effect="review: hr")))[0]
    assert "unknown risk class 'severe'" in problems_of(bundle(rule(effect="risk_class: severe")))[0]


def test_a_duplicate_rule_id_is_refused_naming_the_first() -> None:
    problems = problems_of(bundle(rule("same"), rule("same")))
    assert problems == ["rules/r2.yaml:2:5: the rule id 'same' is already used in rules/r1.yaml:2"]


def test_an_unknown_key_is_refused() -> None:
    text = rule().replace("    reference: Art. 1\n", "    reference: Art. 1\n    severity: high\n")
    problems = problems_of(bundle(text))
    assert problems[0].startswith("rules/r1.yaml:7:5: unknown key 'severity'")


def test_the_bundle_names_the_course_a_team_lead_needs_to_approve() -> None:
    default = parse_bundle(read_folder(Path(__file__).parents[2] / "src/leitplanke/guardrails/policies/default"))
    assert default.approval_qualification == "ai-literacy-basics"
    assert parse_bundle(bundle(rule())).approval_qualification is None
    named = parse_bundle(bundle(rule(), head=MINIMAL_HEAD + "approval:\n  qualification: kurs-2027\n"))
    assert named.approval_qualification == "kurs-2027"


@pytest.mark.parametrize(
    ("approval", "below", "message"),
    [
        ("approval:\n  qualification: Kurs mit Leerzeichen\n", 1, "'qualification' is the code of a course"),
        ("approval:\n  course: kurs\n", 1, "unknown key 'course'"),
        ("approval: kurs\n", 0, "'approval' must be a mapping"),
    ],
)
def test_a_malformed_approval_qualification_is_refused_with_its_line(approval: str, below: int, message: str) -> None:
    head = MINIMAL_HEAD + approval
    line = head.count("\n", 0, head.index("approval")) + 1 + below
    problems = problems_of(bundle(rule(), head=head))
    assert any(p.startswith(f"bundle.yaml:{line}") and message in p for p in problems), problems


def test_a_key_written_twice_is_refused() -> None:
    text = rule().replace("    reference: Art. 1\n", "    reference: Art. 1\n    reference: Art. 2\n")
    problems = problems_of(bundle(text))
    assert problems == ["rules/r1.yaml:7:5: YAML: the key 'reference' appears twice (first in line 6)"]


def test_broken_yaml_is_refused_with_its_line() -> None:
    problems = problems_of(bundle("rules:\n  - id: x\n   title: [unclosed\n"))
    assert problems[0].startswith("rules/r1.yaml:3:") and "YAML" in problems[0]


def test_anchors_and_aliases_are_refused() -> None:
    text = rule().replace("    title: {de: Titel, en: Title}", "    title: &t {de: Titel, en: Title}")
    assert "anchors and aliases" in problems_of(bundle(text))[0]


def test_no_and_yes_stay_answer_codes_not_booleans() -> None:
    head = MINIMAL_HEAD + "test_input:\n  facts: {monitors_employees: no, interacts_with_people: no}\n"
    loaded = parse_bundle(bundle(rule(), head=head))
    assert loaded.baseline["facts"]["monitors_employees"] == "no"


def test_a_comma_inside_a_flow_text_gets_a_hint() -> None:
    text = rule().replace("{de: Titel, en: Title}", "{de: Titel, mit Komma, en: Title}")
    assert "put a text with commas in quotes" in problems_of(bundle(text))[0]


def test_a_missing_language_is_refused() -> None:
    text = rule().replace("{de: Grund, en: Reason}", "{de: Grund}")
    assert "'reason' has no English text ('en')" in problems_of(bundle(text))[0]


def test_an_expression_that_is_too_long_or_too_deep_is_refused() -> None:
    long_condition = " || ".join(['"recruiting" in purposes'] * 100)
    assert "longer than 2000 characters" in problems_of(bundle(rule(when=long_condition)))[0]
    deep = "(" * 20 + "true" + ")" * 20
    assert "deeper than 16 levels" in problems_of(bundle(rule(when=deep)))[0]
    assert nesting_depth('"((((" == "x"') == 0  # brackets inside strings do not count


def test_too_many_macros_are_refused() -> None:
    many = " || ".join(['purposes.exists(p, p == "x")'] * 5)
    assert "more than 4 macros" in problems_of(bundle(rule(when=many)))[0]


def test_a_macro_variable_may_not_hide_an_input() -> None:
    shadow = 'tools.exists(purposes, purposes.status == "approved")'
    assert "hides the input of the same name" in problems_of(bundle(rule(when=shadow)))[0]


def test_a_typo_in_a_tool_field_is_refused() -> None:
    problems = problems_of(bundle(rule(when='tools.exists(t, t.stauts == "approved")')))
    assert problems[0].startswith("rules/r1.yaml:7:") and "tools have no field 'stauts'" in problems[0]


def test_an_obligation_must_be_defined_and_dates_must_exist() -> None:
    assert "unknown obligation 'nope'" in problems_of(bundle(rule(effect="obligation: nope")))[0]
    obligations = """\
obligations:
  - id: duty
    title: {de: Pflicht, en: Duty}
    description: {de: Tun, en: Do}
    due_days: 10
    blocking: true
    applies_from: someday
"""
    assert (
        "'applies_from' must name one of the bundle's dates"
        in problems_of(bundle(obligations + rule(effect="obligation: duty")))[0]
    )


def test_a_constant_may_not_hide_a_fact() -> None:
    head = MINIMAL_HEAD + "constants:\n  purposes: [a]\n"
    assert "would hide the input" in problems_of(bundle(rule(), head=head))[0]


def test_a_missing_bundle_yaml_is_refused() -> None:
    assert problems_of({"rules/r1.yaml": rule()}) == ["bundle.yaml:1:1: bundle.yaml is missing"]


def test_all_problems_are_reported_at_once() -> None:
    problems = problems_of(bundle(rule("a", when="purpose"), rule("b", effect="nope: 1")))
    assert len(problems) == 2


def test_a_failing_own_test_refuses_the_bundle() -> None:
    text = (
        rule()
        + """\
tests:
  - name: recruiting goes to legal
    input: {facts: {purposes: [productivity]}}
    expect: {reviews: [legal]}
"""
    )
    report = check_files(bundle(text))
    assert not report.ok
    assert str(report.problems[0]).startswith("rules/r1.yaml:11:1: test 'recruiting goes to legal' failed: reviews:")


def test_a_test_naming_an_unknown_rule_or_fact_is_refused() -> None:
    text = (
        rule()
        + """\
tests:
  - name: bad
    input: {facts: {purposes: [flying]}}
    expect: {fired: [r-one]}
  - name: unknown rule
    input: {}
    expect: {fired: [r-two]}
"""
    )
    problems = problems_of(bundle(text))
    assert "unknown answer 'flying' for 'purposes'" in problems[0]
    assert "names the unknown rule 'r-two'" in problems[1]


def test_a_condition_that_fails_at_run_time_is_refused_before_publishing() -> None:
    # tools[0] does not exist when a use case has no tool: the trial evaluation finds it.
    report = check_files(bundle(rule(when='tools[0].status == "approved"')))
    assert not report.ok
    assert "fails when evaluated" in str(report.problems[0])


def test_a_condition_that_is_not_boolean_is_refused() -> None:
    report = check_files(bundle(rule(when="size(purposes)")))
    assert "instead of true/false" in str(report.problems[0])


def test_a_pathological_rule_is_stopped_by_the_time_limit() -> None:
    # Given a rule that needs 60^4 steps (about ten seconds), with the static limits that refuse it lifted
    numbers = "[" + ",".join(str(n) for n in range(60)) + "]"
    slow = f"{numbers}.exists(a, {numbers}.exists(b, {numbers}.exists(c, {numbers}.exists(d, a + b + c + d < 0))))"
    # when it is checked with a time limit of two seconds, the check stops and refuses the bundle
    report = check_isolated(bundle(rule(when=slow)), timeout=2, bounded=False)
    assert not report.ok and "took longer than 2 seconds" in str(report.problems[0])


def test_the_isolated_check_gives_the_same_report_as_in_process() -> None:
    files = bundle(rule(when="purpose"))
    assert [str(p) for p in check_isolated(files).problems] == [str(p) for p in check_files(files).problems]


def test_read_folder_reads_a_copy_of_the_default_bundle(tmp_path: Path) -> None:
    folder = copy_default(tmp_path / "bundle")
    files = read_folder(folder)
    assert "bundle.yaml" in files and any(path.startswith("rules/") for path in files)


@pytest.mark.parametrize(
    ("source", "fields"),
    [
        ('tools.exists(t, t.status == "x")', {"status"}),
        ("size(tools) == 0", set()),
        ('tools[0].name == "a"', {"name"}),
        ("tools == []", None),
        ("tools.exists(t, t in [])", None),
    ],
)
def test_tool_fields_needed_is_conservative(source: str, fields: set[str] | None) -> None:
    found = tool_fields_needed(source)
    assert (None if found is None else set(found)) == fields
