"""Matrix rows of ``/api/v1/obligations``.

An obligation is as visible as its use case; the owning unit (member, lead), the owner and the
contributors complete it, everybody else who sees it hears 403.
"""

from __future__ import annotations

from typing import Any

from . import Call, Operation, everyone
from .usecases import EDITORS, HIDDEN, _approved

BASE = "/api/v1/obligations"


def _obligation(world: Any, **fields: Any) -> Any:
    from leitplanke.decisions.models import Obligation

    return Obligation.objects.filter(usecase=_approved(world, **fields)).order_by("pk").first()


def _complete(world: Any, **fields: Any) -> Call:
    return Call(f"{BASE}/{_obligation(world, **fields).pk}/complete", {"evidence": "Schulung am 1.12. für alle."})


OPERATIONS = [
    Operation("GET", BASE, everyone(200), lambda world: Call(BASE)),
    Operation("GET", f"{BASE}/{{obligation_id}}", everyone(200), lambda world: Call(f"{BASE}/{_obligation(world).pk}")),
    Operation(
        "GET",
        f"{BASE}/{{obligation_id}}",
        everyone(200, **HIDDEN),
        lambda world: Call(f"{BASE}/{_obligation(world, confidential=True).pk}"),
    ),
    Operation("POST", f"{BASE}/{{obligation_id}}/complete", EDITORS, _complete),
    Operation(
        "POST",
        f"{BASE}/{{obligation_id}}/complete",
        EDITORS | HIDDEN,
        lambda world: _complete(world, confidential=True),
    ),
    # The matrix sends no file: the owning unit gets past the permission check to the missing evidence.
    Operation(
        "POST",
        f"{BASE}/{{obligation_id}}/complete-with-file",
        everyone(403, unit_member=422, unit_lead=422),
        lambda world: Call(f"{BASE}/{_obligation(world).pk}/complete-with-file"),
    ),
]
