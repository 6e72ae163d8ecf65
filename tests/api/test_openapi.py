"""The OpenAPI document and the interactive docs, served by the site itself (no CDN, no inline script)."""

from __future__ import annotations

import json
import re

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_the_openapi_document_is_valid_json_with_the_operations(db) -> None:
    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.1")
    assert {"/api/v1/usecases", "/api/v1/usecases/{usecase_id}"} <= schema["paths"].keys()
    assert {"TokenAuth", "SessionAuth"} <= schema["components"]["securitySchemes"].keys()


def test_every_operation_documents_its_problems(db) -> None:
    schema = Client().get("/api/v1/openapi.json").json()
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            assert "401" in operation["responses"], f"{method.upper()} {path}"


def test_the_docs_page_loads_its_assets_from_the_site_and_runs_no_inline_script(org, client_for) -> None:
    response = client_for(org.member).get("/api/v1/docs")
    html = response.content.decode()

    assert response.status_code == 200
    sources = re.findall(r'<(?:script|link)[^>]+(?:src|href)="([^"]+)"', html)
    assert sources and all(source.startswith("/static/") for source in sources), sources
    inline = re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>", html)
    assert all('type="application/json"' in attributes for attributes in inline), inline  # data, not code
    policy = response["Content-Security-Policy"]
    assert "'unsafe-inline'" not in policy.split("script-src")[1].split(";")[0]


def test_the_openapi_document_names_each_key_once(db) -> None:
    """Browsers parse the document with a YAML parser that refuses a key given twice."""
    duplicated: list[str] = []

    def pairs(items: list[tuple[str, object]]) -> dict[str, object]:
        keys = [key for key, _value in items]
        duplicated.extend(key for key in set(keys) if keys.count(key) > 1)
        return dict(items)

    json.loads(Client().get("/api/v1/openapi.json").content, object_pairs_hook=pairs)
    assert duplicated == []
