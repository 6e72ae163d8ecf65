"""The hostile rules of the reliability report: each passes the old text checks and the trial run.

Each is guarded by ``unit == "mkt"`` (Marketing in the test company), so the trial run on the smoke
inputs never reaches its costly part; only a use case of that unit does.
"""

from __future__ import annotations

from leitplanke.guardrails.engine import default_folder, read_folder

_N = "[" + ",".join(str(n) for n in range(60)) + "]"

#: 60^4 steps behind a guard: about ten seconds for one use case of the unit.
GUARDED_EXPONENTIAL = (
    f'unit == "mkt" && {_N}.exists(a, {_N}.exists(b, {_N}.exists(c, {_N}.exists(d, a + b + c + d < 0))))'
)
#: Five nested macros hidden from the old text scan by a raw string ending in a backslash.
RAW_STRING_BYPASS = (
    f'r"\\" == "" || unit == "mkt" && {_N}.all(a, {_N}.all(b, {_N}.all(c, {_N}.all(d, '
    f'{_N}.all(e, a + b + c + d + e >= 0))))) || unit == "x"'
)
#: 300 nested brackets hidden the same way (deep enough to exhaust a parser's stack).
DEEP_NESTING = 'r"\\" == "" || unit == "mkt" && ' + "(" * 300 + "true" + ")" * 300 + ' || unit == "x"'

HOSTILE = {
    "guarded-exponential": GUARDED_EXPONENTIAL,
    "raw-string-bypass": RAW_STRING_BYPASS,
    "deep-nesting": DEEP_NESTING,
}

RULE_ID = "hostile-rule"


def hostile_bundle(condition: str, version: str = "2026.12.9") -> dict[str, str]:
    """The shipped bundle, a new version, with one more rule whose condition is ``condition``."""
    files = read_folder(default_folder())
    files["bundle.yaml"] = files["bundle.yaml"].replace('version: "2026.12.1"', f'version: "{version}"')
    files["rules/99-hostile.yaml"] = f"""\
rules:
  - id: {RULE_ID}
    title: {{de: Feindselige Regel, en: Hostile rule}}
    reason: {{de: Grund, en: Reason}}
    rationale: {{de: Begründung, en: Rationale}}
    reference: Art. 1
    when: '{condition}'
    effects:
      - review: legal
"""
    return files
