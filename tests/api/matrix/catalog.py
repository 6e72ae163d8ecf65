"""Matrix rows of ``/api/v1/tools`` and ``/api/v1/tool-requests``.

Everyone signed in reads the catalogue; AI governance (company-wide) and administrators maintain
it and decide requests (``catalog.selectors.can_maintain_catalog``). A request is seen by the person
who asked, by those who decide and by auditors; everybody else hears 404.
"""

from __future__ import annotations

from typing import Any

from leitplanke.catalog import services

from . import Call, Operation, everyone

#: Catalogue maintenance: AI governance and administrators; everybody else may see the tool.
MAINTAINERS = everyone(403, ai_governance=200, administrator=200)

#: A request of the Buchhaltung member: who sees it (the others hear 404).
REQUEST_READERS = everyone(404, unit_member=200, ai_governance=200, auditor=200, administrator=200)


def _tool_path(world: Any) -> str:
    return f"/api/v1/tools/{world.tools['Enterprise-Chat'].pk}"


def _member_request(world: Any) -> Any:
    return services.tool_request_create(
        actor=world.org.member, name="Whisper", vendor="OpenAI", reason="Besprechungen protokollieren."
    )


OPERATIONS = [
    Operation("GET", "/api/v1/tools", everyone(200), lambda world: Call("/api/v1/tools")),
    Operation("GET", "/api/v1/tools/{tool_id}", everyone(200), lambda world: Call(_tool_path(world))),
    Operation("GET", "/api/v1/tools/{tool_id}", everyone(404), lambda world: Call("/api/v1/tools/999999")),
    Operation(
        "POST",
        "/api/v1/tools",
        everyone(403, ai_governance=201, administrator=201),
        lambda world: Call(
            "/api/v1/tools",
            {"name": "Übersetzer", "hosting_region": "eu", "status": "in_evaluation", "max_classification": "internal"},
        ),
    ),
    Operation(
        "PATCH",
        "/api/v1/tools/{tool_id}",
        MAINTAINERS,
        lambda world: Call(
            _tool_path(world), {"contact": "it-service@example.com"}, {"If-Match": world.etag(_tool_path(world))}
        ),
    ),
    Operation("GET", "/api/v1/tool-requests", everyone(200), lambda world: Call("/api/v1/tool-requests")),
    Operation(
        "GET",
        "/api/v1/tool-requests/{request_id}",
        REQUEST_READERS,
        lambda world: Call(f"/api/v1/tool-requests/{_member_request(world).pk}"),
    ),
    Operation(
        "POST",
        "/api/v1/tool-requests",
        everyone(201),
        lambda world: Call("/api/v1/tool-requests", {"name": "Whisper", "reason": "Besprechungen protokollieren."}),
    ),
    Operation(
        "POST",
        "/api/v1/tool-requests/{request_id}/decision",
        # Visible but not theirs to decide: 403 for the requester and the auditor; hidden: 404.
        REQUEST_READERS | {"unit_member": 403, "auditor": 403},
        lambda world: Call(
            f"/api/v1/tool-requests/{_member_request(world).pk}/decision",
            {"decision": "reject", "comment": "Der Enterprise-Chat kann das schon."},
        ),
    ),
]
