"""How hard the property-based tests search: one profile for CI, one for every day, one thorough.

``HYPOTHESIS_PROFILE`` picks it: ``ci`` (the default under ``CI=true`` and in ``scripts/test``),
``dev`` (the default otherwise) or ``thorough``. A test states the number of examples it needs on an
ordinary day through :func:`examples`; the profile scales it. Schemathesis runs on Hypothesis and
follows the same profile.
"""

from __future__ import annotations

import os

from hypothesis import settings

#: How many of a test's everyday examples each profile runs.
SCALES = {"ci": 0.25, "dev": 1.0, "thorough": 10.0}

for _name in SCALES:
    # No example database: nothing is written into the working tree; no deadline: the tests run on a
    # real database on a shared machine.
    settings.register_profile(_name, database=None, deadline=None, print_blob=True)

PROFILE = os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") == "true" else "dev")
if PROFILE not in SCALES:
    raise RuntimeError(f"HYPOTHESIS_PROFILE={PROFILE!r} is unknown; use one of {', '.join(SCALES)}")
settings.load_profile(PROFILE)


def examples(everyday: int) -> int:
    """The number of examples to run of a test that needs ``everyday`` on an ordinary day."""
    return max(2, round(everyday * SCALES[PROFILE]))
