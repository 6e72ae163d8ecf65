"""Matrix rows of ``/api/v1/objectives``, ``/api/v1/usecases/{id}/objectives``, ``/api/v1/usecases/{id}/kpis``
and ``/api/v1/kpis``.

Every signed-in person reads the objectives. Leadership sets them: here Buchhaltung's lead holds the
leadership role for Buchhaltung, so sets objectives for it but not for the whole company; nobody
else of the matrix holds it (403). KPIs and measurements are read like their use case (a
confidential one is hidden: 404) and maintained by the owning unit (everyone else who sees them: 403).
Naming the objectives of a use case follows ``usecases.change_usecase``, which administrators hold
for their imports.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from leitplanke.common import clock
from leitplanke.impact import services
from leitplanke.org import services as org_services
from leitplanke.org.models import Role

from . import Call, Operation, everyone
from .usecases import EDITORS, HIDDEN


def _objective(world: Any, *, unit: Any = None) -> Any:
    return services.objective_create(
        actor=None,
        title="Durchlaufzeit halbieren",
        owner=world.org.lead,
        unit=unit,
        metric="Durchlaufzeit",
        metric_unit="Tage",
        baseline=Decimal("10"),
        target_value=Decimal("5"),
        target_date=dt.date(2027, 12, 31),
    )


def _team_leadership(world: Any) -> None:
    org_services.role_assign(actor=None, person=world.org.lead, role=Role.LEADERSHIP, unit=world.org.team)


def _kpi(world: Any, **fields: Any) -> Any:
    return services.kpi_create(
        actor=None,
        usecase=world.usecase(**fields),
        name="Stunden gespart",
        kind="hours_saved_per_month",
        baseline=Decimal("0"),
        target=Decimal("40"),
    )


def _kpi_path(world: Any, **fields: Any) -> str:
    return f"/api/v1/kpis/{_kpi(world, **fields).pk}"


def _new_objective(world: Any, unit: str | None) -> Call:
    _team_leadership(world)
    body = {"title": "Skonto nutzen", "metric": "Skontoquote", "target_value": 95, "target_date": "2027-06-30"}
    return Call("/api/v1/objectives", body | {"unit": unit})


def _patch_objective(world: Any) -> Call:
    _team_leadership(world)
    path = f"/api/v1/objectives/{_objective(world, unit=world.org.team).pk}"
    return Call(path, {"status": "achieved"}, {"If-Match": world.etag(path)})


def _links(world: Any, **fields: Any) -> Call:
    path = f"/api/v1/usecases/{world.usecase(**fields).pk}/objectives"
    return Call(path, {"objectives": [_objective(world).pk]}, {"If-Match": world.etag(path)})


def _kpi_write(world: Any, suffix: str = "", body: Any = None, **fields: Any) -> Call:
    path = _kpi_path(world, **fields)
    return Call(path + suffix, body, {"If-Match": world.etag(path)})


def _measurement(world: Any) -> Call:
    body = {"measured_on": clock.localdate().isoformat(), "value": 12.5}
    return _kpi_write(world, "/measurements", body)


OPERATIONS = [
    Operation("GET", "/api/v1/objectives", everyone(200), lambda world: Call("/api/v1/objectives")),
    Operation(
        "GET",
        "/api/v1/objectives/{objective_id}",
        everyone(200),
        lambda world: Call(f"/api/v1/objectives/{_objective(world).pk}"),
    ),
    Operation(
        "GET", "/api/v1/objectives/{objective_id}", everyone(404), lambda world: Call("/api/v1/objectives/999999")
    ),
    Operation(
        "POST", "/api/v1/objectives", everyone(403, unit_lead=201), lambda world: _new_objective(world, "fin-buha")
    ),
    # Leadership of a unit does not set objectives for the whole company.
    Operation("POST", "/api/v1/objectives", everyone(403), lambda world: _new_objective(world, None)),
    Operation("PATCH", "/api/v1/objectives/{objective_id}", everyone(403, unit_lead=200), _patch_objective),
    Operation(
        "GET",
        "/api/v1/usecases/{usecase_id}/objectives",
        everyone(200, **HIDDEN),
        lambda world: Call(f"/api/v1/usecases/{world.usecase(confidential=True).pk}/objectives"),
    ),
    Operation("PUT", "/api/v1/usecases/{usecase_id}/objectives", EDITORS | {"administrator": 200}, _links),
    Operation(
        "PUT",
        "/api/v1/usecases/{usecase_id}/objectives",
        EDITORS | HIDDEN,
        lambda world: _links(world, confidential=True),
    ),
    Operation(
        "GET",
        "/api/v1/usecases/{usecase_id}/kpis",
        everyone(200),
        lambda world: Call(f"/api/v1/usecases/{_kpi(world).usecase_id}/kpis"),
    ),
    Operation(
        "GET",
        "/api/v1/usecases/{usecase_id}/kpis",
        everyone(200, **HIDDEN),
        lambda world: Call(f"/api/v1/usecases/{_kpi(world, confidential=True).usecase_id}/kpis"),
    ),
    Operation(
        "POST",
        "/api/v1/usecases/{usecase_id}/kpis",
        everyone(403, unit_member=201, unit_lead=201),
        lambda world: Call(
            f"/api/v1/usecases/{world.usecase().pk}/kpis",
            {"name": "Fehlerquote", "kind": "quality_percent", "better_when": "lower", "baseline": 8},
        ),
    ),
    Operation("GET", "/api/v1/kpis/{kpi_id}", everyone(200), lambda world: Call(_kpi_path(world))),
    Operation(
        "GET", "/api/v1/kpis/{kpi_id}", everyone(200, **HIDDEN), lambda world: Call(_kpi_path(world, confidential=True))
    ),
    Operation("PATCH", "/api/v1/kpis/{kpi_id}", EDITORS, lambda world: _kpi_write(world, body={"target": 50})),
    Operation(
        "PATCH",
        "/api/v1/kpis/{kpi_id}",
        EDITORS | HIDDEN,
        lambda world: _kpi_write(world, body={"target": 50}, confidential=True),
    ),
    Operation("DELETE", "/api/v1/kpis/{kpi_id}", everyone(403, unit_member=204, unit_lead=204), _kpi_write),
    Operation(
        "GET",
        "/api/v1/kpis/{kpi_id}/measurements",
        everyone(200, **HIDDEN),
        lambda world: Call(_kpi_path(world, confidential=True) + "/measurements"),
    ),
    Operation(
        "POST", "/api/v1/kpis/{kpi_id}/measurements", everyone(403, unit_member=201, unit_lead=201), _measurement
    ),
]
