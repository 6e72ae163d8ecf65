"""The OpenAPI document as the API really answers: problems are ``application/problem+json``, and
every operation with a body may answer 400 for a body that is not JSON and 413 for one too large,
and every changing one 503 when the database is busy.

Ninja documents every response as ``application/json``; our error responses are RFC 9457 problem
documents with their own media type, and a client (or Schemathesis) checking content types must
find that in the schema.
"""

from __future__ import annotations

from typing import Any

from ninja import NinjaAPI

from .errors import PROBLEM_CONTENT_TYPE

PROBLEM_REF = "#/components/schemas/ProblemOut"


def _problem_media_types(schema: dict[str, Any]) -> None:
    for operations in schema.get("paths", {}).values():
        for operation in operations.values():
            # Ninja keeps the routers' status codes as numbers; JSON needs strings, one per status
            # (a number and a string of the same status would be the same key twice in the JSON).
            responses: dict[str, Any] = {}
            for status, response in operation.get("responses", {}).items():
                responses.setdefault(str(status), response)
            operation["responses"] = responses
            if "requestBody" in operation:
                # Refused before any schema applies: a body that is not JSON, or one over the size limit.
                for status, description in (("400", "The body is not valid JSON."), ("413", "The body is too large.")):
                    operation["responses"].setdefault(
                        status,
                        {
                            "description": description,
                            "content": {"application/json": {"schema": {"$ref": PROBLEM_REF}}},
                        },
                    )
        for method, operation in operations.items():
            if method in ("post", "put", "patch", "delete"):
                # A write that waited longer than the lock timeout for the database (see errors._database).
                operation["responses"].setdefault(
                    "503",
                    {
                        "description": "The database is busy; send the request again after Retry-After seconds.",
                        "headers": {"Retry-After": {"schema": {"type": "integer"}}},
                        "content": {"application/json": {"schema": {"$ref": PROBLEM_REF}}},
                    },
                )
            for response in operation.get("responses", {}).values():
                content = response.get("content", {})
                body = content.get("application/json", {}).get("schema", {})
                if body.get("$ref") == PROBLEM_REF:
                    content[PROBLEM_CONTENT_TYPE] = content.pop("application/json")


class LeitplankeAPI(NinjaAPI):
    """Ninja's API with the problem media type in its OpenAPI document."""

    def get_openapi_schema(self, *, path_prefix: str | None = None, path_params: dict[str, Any] | None = None) -> Any:
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        _problem_media_types(schema)
        return schema
