"""Matrix rows of ``/api/v1/usecases``.

Reading follows ``UseCase.objects.visible_to``: everyone signed in reads a use case, a confidential
one only the owning unit, AI governance and auditors (and the reviewers it was routed to).
Changing follows ``usecases.selectors.can_edit``: the owning unit (member, lead), the owner and the
contributors; everybody else who sees the use case hears 403. Registering needs a unit the
caller works in; approving needs the qualified lead the guardrails name.
"""

from __future__ import annotations

from typing import Any

from ...decisions.conftest import qualify
from ...usecases.conftest import COMPLETE_FACTS
from . import Call, Operation, everyone

BASE = "/api/v1/usecases"
#: Who sees a confidential use case of Buchhaltung but may not change it (the others do not see it).
HIDDEN = {"other_unit": 404, "other_lead": 404, "data_protection": 404, "administrator": 404}
#: Only the owning unit changes a use case; others who see it hear 403.
EDITORS = everyone(403, unit_member=200, unit_lead=200)


def _if_match(world: Any, path: str) -> dict[str, str]:
    return {"If-Match": world.etag(path)}


def _approved(world: Any, **fields: Any) -> Any:
    """A use case with an approved tool that the qualified lead of Buchhaltung approved for a pilot."""
    from leitplanke.decisions import services as decisions

    qualify(world.org.lead)
    usecase = world.usecase(tools=[world.tools["Enterprise-Chat"]], **fields)
    return decisions.usecase_approve(actor=world.org.lead, usecase=usecase, scope="pilot")


def _awaiting_approval(world: Any) -> Any:
    qualify(world.org.lead)
    return world.usecase()


def _patch(world: Any, **fields: Any) -> Call:
    path = f"{BASE}/{world.usecase(**fields).pk}"
    return Call(path, {"title": "Rechnungen vorkontieren"}, _if_match(world, path))


def _put_facts(world: Any, **fields: Any) -> Call:
    path = f"{BASE}/{world.usecase(**fields).pk}/facts"
    return Call(path, {**COMPLETE_FACTS, "scale": "medium"}, _if_match(world, path))


OPERATIONS = [
    Operation("GET", BASE, everyone(200), lambda world: Call(BASE)),
    Operation(
        "POST",
        BASE,
        everyone(403, unit_member=201, unit_lead=201),
        lambda world: Call(BASE, {"title": "Mahnungen formulieren", "unit": "fin-buha"}),
    ),
    Operation("GET", f"{BASE}/{{usecase_id}}", everyone(200), lambda world: Call(f"{BASE}/{world.usecase().pk}")),
    Operation(
        "GET",
        f"{BASE}/{{usecase_id}}",
        everyone(200, **HIDDEN),
        lambda world: Call(f"{BASE}/{world.usecase(confidential=True).pk}"),
    ),
    Operation("PATCH", f"{BASE}/{{usecase_id}}", EDITORS, _patch),
    Operation("PATCH", f"{BASE}/{{usecase_id}}", EDITORS | HIDDEN, lambda world: _patch(world, confidential=True)),
    Operation(
        "POST",
        f"{BASE}/{{usecase_id}}/submit",
        EDITORS,
        lambda world: Call(f"{BASE}/{world.usecase(status='draft').pk}/submit"),
    ),
    Operation(
        "GET", f"{BASE}/{{usecase_id}}/facts", everyone(200), lambda world: Call(f"{BASE}/{world.usecase().pk}/facts")
    ),
    Operation(
        "GET",
        f"{BASE}/{{usecase_id}}/facts",
        everyone(200, **HIDDEN),
        lambda world: Call(f"{BASE}/{world.usecase(confidential=True).pk}/facts"),
    ),
    Operation("PUT", f"{BASE}/{{usecase_id}}/facts", EDITORS, _put_facts),
    Operation(
        "PUT", f"{BASE}/{{usecase_id}}/facts", EDITORS | HIDDEN, lambda world: _put_facts(world, confidential=True)
    ),
    Operation(
        "GET",
        f"{BASE}/{{usecase_id}}/verdict",
        everyone(200),
        lambda world: Call(f"{BASE}/{world.usecase().pk}/verdict"),
    ),
    Operation(
        "GET",
        f"{BASE}/{{usecase_id}}/verdict",
        everyone(200, **HIDDEN),
        lambda world: Call(f"{BASE}/{world.usecase(confidential=True).pk}/verdict"),
    ),
    Operation(
        "GET",
        f"{BASE}/{{usecase_id}}/history",
        everyone(200),
        lambda world: Call(f"{BASE}/{world.usecase().pk}/history"),
    ),
    Operation(
        "GET",
        f"{BASE}/{{usecase_id}}/history",
        everyone(200, **HIDDEN),
        lambda world: Call(f"{BASE}/{world.usecase(confidential=True).pk}/history"),
    ),
    Operation(
        "POST",
        f"{BASE}/{{usecase_id}}/approve",
        everyone(403, unit_lead=200),
        lambda world: Call(f"{BASE}/{_awaiting_approval(world).pk}/approve", {"scope": "pilot"}),
    ),
    Operation(
        "POST",
        f"{BASE}/{{usecase_id}}/stage",
        EDITORS,
        lambda world: Call(f"{BASE}/{_approved(world).pk}/stage", {"stage": "pilot"}),
    ),
    Operation(
        "POST",
        f"{BASE}/{{usecase_id}}/submit-production",
        EDITORS,
        lambda world: Call(f"{BASE}/{_approved(world).pk}/submit-production"),
    ),
]
