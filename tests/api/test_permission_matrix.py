"""Every API operation × every kind of caller gets exactly the status of its matrix row.

A denied call changes nothing: no audit event is written (every write writes one). The matrix
rows live in ``tests/api/matrix/``, one module per domain; an operation of the OpenAPI schema
without a row fails :func:`test_every_operation_of_the_schema_has_a_row`.
"""

from __future__ import annotations

import importlib
import json
import pkgutil
from typing import Any

import pytest
from django.test import Client

from leitplanke.accounts.models import User
from leitplanke.api import services as api_services
from leitplanke.api.main import api
from leitplanke.api.models import Scope
from leitplanke.audit.models import Event
from leitplanke.org import services as org_services

from ..factories import PersonFactory
from . import matrix
from .conftest import Org

pytestmark = pytest.mark.django_db

HTTP_METHODS = {"get", "post", "put", "patch", "delete"}


def _rows() -> list[matrix.Operation]:
    rows: list[matrix.Operation] = []
    for module in pkgutil.iter_modules(matrix.__path__):
        rows.extend(importlib.import_module(f"{matrix.__name__}.{module.name}").OPERATIONS)
    return rows


ROWS = _rows()


def _schema_operations() -> set[tuple[str, str]]:
    schema = api.get_openapi_schema(path_prefix="/api/v1/")
    return {
        (method.upper(), path) for path, operations in schema["paths"].items()
        for method in operations if method in HTTP_METHODS
    }  # fmt: skip


def test_every_operation_of_the_schema_has_a_row() -> None:
    rows = {row.key for row in ROWS}
    missing = sorted(_schema_operations() - rows)
    stale = sorted(rows - _schema_operations())
    assert not missing, f"operations without a row in tests/api/matrix/: {missing}"
    assert not stale, f"rows for operations the schema does not have: {stale}"


class World:
    """The company of the matrix (the registry's ``Org``, plus a lead of Marketing) and its objects."""

    def __init__(self, org: Org, make_usecase: Any, tools: dict[str, Any], other_lead: Any) -> None:
        self.org = org
        self.tools = tools
        self._make_usecase = make_usecase
        self.other_lead = other_lead

    @staticmethod
    def add_other_lead(org: Org) -> Any:
        """Marketing's lead, who leads a unit but not the owning one."""
        other_lead = PersonFactory(username="mara.marketinglead", display_name="Mara Marketing")
        org.marketing.lead = other_lead
        org.marketing.save(update_fields=["lead"])
        org_services.membership_add(actor=None, person=other_lead, unit=org.marketing)
        return other_lead

    def person(self, viewer: str) -> Any:
        return self.other_lead if viewer == "other_lead" else self.org.viewer(viewer)

    def usecase(self, **fields: Any) -> Any:
        """A submitted use case of Buchhaltung, owned by its member."""
        return self._make_usecase(**fields)

    def client(self, viewer: str) -> Client:
        person = self.person(viewer)
        if person is None:
            return Client()
        plain = api_services.token_create(
            actor=person, user=person, name="Matrix", scope=Scope.READ_WRITE, expires_in_days=1
        ).plain
        return Client(headers={"Authorization": f"Bearer {plain}"})

    def etag(self, path: str) -> str:
        """The current ETag of ``path``, read by AI governance (who may read every object)."""
        response = self.client("ai_governance").get(path)
        assert response.status_code == 200, response.content
        return str(response["ETag"])


@pytest.fixture(scope="module")
def _kept_other_lead(module_data, _kept_org) -> Any:
    """Marketing's lead, added once to the company that the module's tests share."""
    return module_data.keep(lambda: World.add_other_lead(_kept_org))


@pytest.fixture
def world(org, make_usecase, tools, _kept_other_lead) -> World:
    """The company (built once for the whole matrix); each row's call is rolled back after it."""
    if _kept_other_lead is None:
        return World(org, make_usecase, tools, World.add_other_lead(org))
    return World(org, make_usecase, tools, User.objects.get(pk=_kept_other_lead.pk))


def _call(client: Client, method: str, call: matrix.Call) -> Any:
    kwargs: dict[str, Any] = {"headers": call.headers}
    if call.body is not None:
        kwargs |= {"data": json.dumps(call.body), "content_type": "application/json"}
    return getattr(client, method.lower())(call.path, **kwargs)


CASES = [
    pytest.param(row, viewer, id=f"{row.method} {row.path} #{index} {viewer}")
    for index, row in enumerate(ROWS)
    for viewer in matrix.VIEWERS
]


@pytest.mark.parametrize(("row", "viewer"), CASES)
def test_the_operation_answers_the_viewer_as_its_row_says(world, row, viewer) -> None:
    call = row.arrange(world)
    client = world.client(viewer)  # creating the token writes its audit event before we count
    events_before = Event.objects.count()

    response = _call(client, row.method, call)

    assert response.status_code == row.expect[viewer], response.content[:500]
    if response.status_code >= 400:
        assert response["Content-Type"] == "application/problem+json"
        assert Event.objects.count() == events_before, "a refused call wrote an audit event"
