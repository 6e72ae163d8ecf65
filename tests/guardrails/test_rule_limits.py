"""Rule conditions are read as CEL reads them, and refused when their cost cannot be bounded."""

from __future__ import annotations

import cel
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from leitplanke.guardrails.engine import BundleInvalid, Evaluator, celsyntax, parse_bundle, read_folder
from leitplanke.guardrails.engine.bundle import MAX_COST, default_folder, strip_strings
from leitplanke.guardrails.engine.sandbox import Pool, Stopped
from leitplanke.guardrails.engine.testing import smoke_inputs

from ..profiles import examples
from .hostile import GUARDED_EXPONENTIAL, HOSTILE, RAW_STRING_BYPASS, RULE_ID, hostile_bundle
from .test_engine_bundle import MINIMAL_HEAD, bundle, problems_of, rule

_PREFIXES = ["", "r", "R", "b", "B", "br", "bR", "BR", "rb", "Rb"]
_QUOTES = ['"', "'", '"""', "'''"]
_BODY = st.lists(
    st.sampled_from(["a", '"', "'", "\\", "n", "x", "u", "4", "0", "1", "7", "f", " ", "\n", "?", "`", "q", '"""']),
    max_size=12,
).map("".join)


@settings(max_examples=examples(400), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from(_PREFIXES),
    st.sampled_from(_QUOTES),
    _BODY,
    st.sampled_from(_QUOTES),
    st.sampled_from(["", " + 'z'", " == x", "\\", '"', " || true"]),
)
def test_the_reader_ends_every_string_where_cel_does(prefix, opening, body, closing, tail) -> None:
    # Given text made of a string literal in any form, with quotes, backslashes and escapes inside
    source = prefix + opening + body + closing + tail
    # when both the reader and CEL's own parser read it
    try:
        tree = celsyntax.parse(source)
    except celsyntax.SyntaxProblem:
        tree = None
    try:
        cel.compile(source)
        accepted = True
    except Exception:  # noqa: BLE001 (the library raises several kinds)
        accepted = False
    # then they accept and refuse the same texts, and a lone literal has the value CEL gives it
    assert (tree is not None) == accepted, source
    if tree is not None and tree.kind == "literal":
        assert tree.value == cel.evaluate(source), source


def test_a_raw_string_ending_in_a_backslash_hides_no_code() -> None:
    code = strip_strings(RAW_STRING_BYPASS)
    assert code.count(".all(") == 5 and '"mkt"' not in code and "unit ==" in code


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_each_hostile_rule_is_refused_at_validation(name) -> None:
    with pytest.raises(BundleInvalid) as refused:
        parse_bundle(hostile_bundle(HOSTILE[name]))
    [problem] = refused.value.problems
    assert problem.file == "rules/99-hostile.yaml" and problem.line == 7
    expected = {
        "guarded-exponential": "nests macros",
        "raw-string-bypass": "more than 4 macros",
        "deep-nesting": "nests brackets deeper than 16",
    }[name]
    assert expected in problem.message


def test_a_macro_over_a_list_built_by_another_macro_is_refused_by_its_cost() -> None:
    # Given two macros, one over the lists the other builds by concatenation: within the macro limits
    head = MINIMAL_HEAD + "constants:\n  big: [" + ", ".join(str(n) for n in range(150)) + "]\n"
    when = f"big.map(a, {' + '.join(['big'] * 10)}).exists(l, l.exists(x, x < 0))"
    # then its cost bound, not the macro count, refuses it, with the bound and the limit named
    [problem] = problems_of(bundle(rule(when=when), head=head))
    assert "steps on the largest input" in problem and f"{MAX_COST:,}" in problem


def test_the_shipped_bundle_is_far_within_the_cost_bound() -> None:
    bundle_ = parse_bundle(read_folder(default_folder()))
    costs = [celsyntax.analyse(r.condition, bundle_.constants).cost for r in bundle_.rules]
    assert max(costs) * 10 < MAX_COST


def test_the_static_limits_can_be_lifted_but_never_the_bracket_nesting() -> None:
    assert parse_bundle(hostile_bundle(GUARDED_EXPONENTIAL), bounded=False).rules[-1].id == RULE_ID
    with pytest.raises(BundleInvalid, match="deeper than 16"):
        parse_bundle(hostile_bundle(HOSTILE["deep-nesting"]), bounded=False)


@pytest.fixture(scope="module")
def pool():
    found = Pool(processes=1)
    yield found
    found.close()


def test_the_evaluator_processes_give_the_verdicts_of_this_process(pool) -> None:
    # Given a bundle that is not the shipped one, and inputs covering every answer code
    files = hostile_bundle(GUARDED_EXPONENTIAL)
    evaluator = Evaluator(parse_bundle(files, bounded=False))
    inputs = smoke_inputs()
    # when an evaluator process evaluates them, the verdicts are those of an evaluation here
    outcomes = pool.outcomes(files, evaluator.bundle.digest, inputs, timeout=30)
    assert [o.verdict(evaluator).summary() for o in outcomes] == [evaluator.evaluate(d).summary() for d in inputs]


def test_a_runaway_rule_is_stopped_named_and_its_process_replaced(pool) -> None:
    files = hostile_bundle(GUARDED_EXPONENTIAL)
    digest = Evaluator(parse_bundle(files, bounded=False)).bundle.digest
    with pytest.raises(Stopped) as stopped:
        pool.outcomes(files, digest, [{"unit": "mkt"}], timeout=1.0)
    assert stopped.value.reason == "time" and stopped.value.rules == (RULE_ID,)
    # the next request is served by a new process
    [outcome] = pool.outcomes(files, digest, [{"unit": "fin"}], timeout=30)
    assert outcome.invalid is None and RULE_ID not in outcome.fired


def test_a_long_chain_of_operators_is_refused_with_a_hint_to_use_a_list() -> None:
    chain = " || ".join(f'unit == "u{n}"' for n in range(70))
    [problem] = problems_of(bundle(rule(when=chain)))
    assert "71 levels deep (at most 64)" in problem and "'in'" in problem
    assert parse_bundle(bundle(rule(when=chain)), bounded=False).rules[0].id == "r-one"
