"""The guardrail engine: rule bundles in YAML with CEL conditions, evaluated to verdicts.

Plain Python without Django, so that it can be tested, benchmarked and run on its own (also in the
child process that checks a candidate bundle). The Django side (published bundles, stored verdicts,
pages) lives one level up in ``leitplanke.guardrails``.
"""

from .bundle import (
    Bundle,
    BundleInvalid,
    Effect,
    Obligation,
    Problem,
    Rule,
    Text,
    default_folder,
    files_digest,
    parse_bundle,
    read_folder,
)
from .check import CheckReport, check_files, check_isolated
from .evaluation import EvalInput, Evaluator, InputInvalid, Verdict, merge_input, normalise_input
from .testing import run_tests
from .whatif import Shortcut, WhatIfItem, WhatIfReport, input_digest, shortcut, summary_digest, what_if

__all__ = [
    "Bundle",
    "BundleInvalid",
    "CheckReport",
    "Effect",
    "EvalInput",
    "Evaluator",
    "InputInvalid",
    "Obligation",
    "Problem",
    "Rule",
    "Shortcut",
    "Text",
    "Verdict",
    "WhatIfItem",
    "WhatIfReport",
    "check_files",
    "check_isolated",
    "default_folder",
    "files_digest",
    "input_digest",
    "merge_input",
    "normalise_input",
    "parse_bundle",
    "read_folder",
    "run_tests",
    "shortcut",
    "summary_digest",
    "what_if",
]
