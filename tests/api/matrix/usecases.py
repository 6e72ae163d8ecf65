"""Matrix rows of ``/api/v1/usecases``."""

from __future__ import annotations

from . import Call, Operation, everyone

OPERATIONS = [
    Operation("GET", "/api/v1/usecases", everyone(200), lambda world: Call("/api/v1/usecases")),
    Operation(
        "GET",
        "/api/v1/usecases/{usecase_id}",
        everyone(200),
        lambda world: Call(f"/api/v1/usecases/{world.usecase().pk}"),
    ),
    Operation(
        "GET",
        "/api/v1/usecases/{usecase_id}",
        everyone(200, other_unit=404, other_lead=404, data_protection=404, administrator=404),
        lambda world: Call(f"/api/v1/usecases/{world.usecase(confidential=True).pk}"),
    ),
]
