"""Matrix rows of ``/api/v1/exports``: everyone signed in downloads the inventory of what they may see."""

from __future__ import annotations

from . import Call, Operation, everyone


def _inventory(world, fmt: str) -> Call:
    world.usecase()
    world.usecase(title="Gehaltsdaten auswerten", confidential=True)
    return Call(f"/api/v1/exports/inventory?format={fmt}")


OPERATIONS = [
    Operation("GET", "/api/v1/exports/inventory", everyone(200), lambda world, fmt=fmt: _inventory(world, fmt))
    for fmt in ("csv", "xlsx", "json")
]
