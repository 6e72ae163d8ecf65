"""Schemathesis against the OpenAPI schema: every operation, callers of several roles, no surprises.

For every operation of ``/api/v1/openapi.json`` Schemathesis sends the schema's examples and then
generated requests (valid and invalid ones) as each caller, through the real WSGI application and
database. Every answer must be no server error, a status and content type the schema documents,
a body and headers that match the schema, and invalid input must be refused with a 4xx.
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from leitplanke.api import services as api_services
from leitplanke.api.main import api
from leitplanke.api.models import Scope

from ..profiles import examples

pytestmark = pytest.mark.django_db

#: The examples and fuzzing phases; the coverage phase (every boundary of every parameter) would
#: multiply the suite's time for little more than fuzzing finds.
#: Invalid input must be refused with one of these (413: a body over the upload limit).
REFUSALS = [400, 401, 403, 404, 405, 406, 409, 412, 413, 415, 422, 428, 429]
CONFIG = schemathesis.Config.from_dict(
    {
        "phases": {"coverage": {"enabled": False}},
        "checks": {"negative_data_rejection": {"expected-statuses": REFUSALS}},
    }
)
schema = schemathesis.openapi.from_dict(api.get_openapi_schema(path_prefix="/api/v1/"), config=CONFIG)
schema.app = get_wsgi_application()

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
    negative_data_rejection,
]
#: Callers of several roles: the owning unit's lead, AI governance, an auditor and an outsider.
CALLERS = ("unit_lead", "ai_governance", "auditor", "other_unit")


@pytest.fixture(autouse=True)
def _keep_the_test_database_open():
    """Django closes the connection after each request; the test's transaction must outlive them.

    Django's own test client does the same while it calls the application.
    """
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture(params=CALLERS)
def caller_headers(request, org, make_usecase, tools) -> dict[str, str]:
    """The Authorization header of a read-write token of one caller, in a company with use cases."""
    make_usecase(title="Rechnungen klassifizieren", tools=[tools["Enterprise-Chat"]])
    make_usecase(title="Gehaltsdaten auswerten", confidential=True)
    person = org.viewer(request.param)
    plain = api_services.token_create(
        actor=person, user=person, name="Schemathesis", scope=Scope.READ_WRITE, expires_in_days=1
    ).plain
    return {"Authorization": f"Bearer {plain}"}


@schema.parametrize()
@settings(max_examples=examples(10), deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_the_api_keeps_its_schema(case: Any, caller_headers: dict[str, str]) -> None:
    case.call_and_validate(headers=caller_headers, checks=CHECKS)
