"""Matrix rows of ``/api/v1/reviews``.

A review is seen and decided only by the reviewers it is routed to (``decisions.selectors.reviews_for``):
a use case whose personal data is unclear needs data protection, and with no coordinator for
Finanzen the review goes to the company-wide one. For everybody else it does not exist (404).
"""

from __future__ import annotations

from typing import Any

from ...usecases.conftest import COMPLETE_FACTS
from . import Call, Operation, everyone

BASE = "/api/v1/reviews"
ONLY_DATA_PROTECTION = everyone(404, data_protection=200)


def _review(world: Any) -> Any:
    from leitplanke.decisions.models import Review

    usecase = world.usecase(**{**COMPLETE_FACTS, "personal_data": "unsure"})
    return Review.objects.get(usecase=usecase, role="data_protection")


OPERATIONS = [
    Operation("GET", BASE, everyone(200), lambda world: Call(BASE)),
    Operation("GET", f"{BASE}/{{review_id}}", ONLY_DATA_PROTECTION, lambda world: Call(f"{BASE}/{_review(world).pk}")),
    Operation(
        "POST",
        f"{BASE}/{{review_id}}/decision",
        ONLY_DATA_PROTECTION,
        lambda world: Call(f"{BASE}/{_review(world).pk}/decision", {"outcome": "approved"}),
    ),
]
