"""No GET writes: every page and every API read, asked by GET, leaves the database as it was.

The test walks every URL pattern of the site (the API's by its OpenAPI schema) with real objects
in its parameters, as a few kinds of signed-in people, on a new installation (no rule bundle
published yet) and on one with a use case under review and a notification. It fails on any
INSERT, UPDATE or DELETE but those of the session and of the sign-in lockout (django-axes).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import URLPattern, URLResolver, get_resolver

from leitplanke.api.main import api
from leitplanke.decisions.models import Review
from leitplanke.guardrails.models import RuleBundle
from leitplanke.notifications.models import Notification
from leitplanke.web.navigation import AREAS

from ..decisions.conftest import WORKS_COUNCIL_FACTS, make_usecase, org, reviewers, tools

__all__ = ["make_usecase", "org", "reviewers", "tools"]

pytestmark = pytest.mark.django_db

WRITE = re.compile(r"^\s*(INSERT|UPDATE|DELETE|REPLACE)\b", re.IGNORECASE)
ALLOWED_TABLES = ("django_session", "axes_")
VIEWERS = ("unit_member", "ai_governance", "administrator", "auditor")


def site_patterns(patterns: Any = None, prefix: str = "") -> Iterator[tuple[str, str]]:
    """Every page pattern outside the API: (route with its converters, namespace)."""
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            if not route.startswith("api/v1/"):
                yield from (
                    (path, namespace or entry.namespace or "")
                    for path, namespace in site_patterns(entry.url_patterns, route)
                )
        elif isinstance(entry, URLPattern):
            yield route, ""


def api_paths() -> list[str]:
    """Every GET operation of the API's schema, with ``{parameter}`` placeholders."""
    schema = api.get_openapi_schema(path_prefix="/api/v1/")
    return [path for path, operations in schema["paths"].items() if "get" in operations]


class World:
    """The objects whose ids and codes fill the parameters of the URLs."""

    def __init__(self, org: Any) -> None:
        self.org = org
        self.values: dict[str, Any] = {
            "code": org.team.code,
            "username": org.member.username,
            "key": AREAS[0].key,
            "step": "basics",
            "fmt": "csv",
            "course": "ai-literacy-basics",
            "seq": 1,
        }
        self.ids: dict[str, Any] = {}

    def refresh(self) -> None:
        """Read the ids of what exists now (a review, a notification, the bundle, a use case)."""
        review = Review.objects.first()
        notification = Notification.objects.first()
        bundle = RuleBundle.objects.first()
        usecase_id = review.usecase_id if review else 1
        self.ids = {
            "usecases": usecase_id,
            "decisions": review.pk if review else 1,
            "notifications": notification.pk if notification else 1,
            "guardrails": bundle.pk if bundle else 1,
            "org": self.org.team.pk,
            "catalog": 1,
            "usecase_id": usecase_id,
            "review_id": review.pk if review else 1,
            "bundle_id": bundle.pk if bundle else 1,
        }

    def fill(self, route: str, namespace: str) -> str:
        """The route with each parameter replaced by a real value (an id of 1 where nothing fits)."""

        def value(match: re.Match[str]) -> str:
            name = match.group("name")
            if name in self.values:
                return str(self.values[name])
            return str(self.ids.get(name, self.ids.get(namespace, 1)))

        path = re.sub(r"<(?:\w+:)?(?P<name>\w+)>", value, route)
        return "/" + re.sub(r"\{(?P<name>\w+)\}", value, path).lstrip("/")


def get(client: Client, path: str) -> tuple[int, list[str]]:
    """The status of ``GET path`` and the statements it wrote."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    assert response.status_code < 500, f"GET {path}: {response.status_code}"
    return response.status_code, [
        query["sql"]
        for query in queries.captured_queries
        if WRITE.match(query["sql"]) and not any(table in query["sql"] for table in ALLOWED_TABLES)
    ]


def walk(world: World, people: list[Any]) -> tuple[dict[str, list[str]], set[str]]:
    """GET every page and API read as each person: the writes found (by person and path), the paths
    that answered 200 to someone."""
    world.refresh()
    paths = [world.fill(route, namespace) for route, namespace in site_patterns()]
    paths += [world.fill(path, "") for path in api_paths()]
    found: dict[str, list[str]] = {}
    answered: set[str] = set()
    for person in people:
        client = Client()
        client.force_login(person)
        for path in paths:
            status, writes = get(client, path)
            if writes:
                found[f"{person.username} GET {path}"] = writes
            if status == 200:
                answered.add(path)
    return found, answered


def test_no_page_or_api_read_writes_on_a_new_installation(org) -> None:
    # Given a new installation: people and units, no use case, no rule bundle published yet
    world = World(org)
    # When every page and API read is asked by GET
    found, answered = walk(world, [org.viewer("ai_governance")])
    # Then nothing was written: the rule pages show the shipped bundle without publishing it
    assert found == {}
    assert not RuleBundle.objects.exists()
    assert {"/guardrails/", "/api/v1/rules/bundles/active", "/notifications/"} <= answered


def test_no_page_or_api_read_writes_with_a_use_case_under_review(
    org, make_usecase, reviewers, django_capture_on_commit_callbacks
) -> None:
    # Given a use case under review, with its verdict, its reviews and their notifications
    with django_capture_on_commit_callbacks(execute=True):
        make_usecase(**WORKS_COUNCIL_FACTS)
    assert Review.objects.exists() and Notification.objects.exists()
    # When every page and API read is asked by GET, as people of several roles and the reviewer
    world = World(org)
    found, answered = walk(world, [*(org.viewer(viewer) for viewer in VIEWERS), reviewers.works_council])
    # Then nothing was written, though the pages of the use case, its review and its notification answered
    assert found == {}
    ids = world.ids
    assert {
        f"/usecases/{ids['usecases']}/",
        f"/reviews/{ids['decisions']}/",
        f"/api/v1/usecases/{ids['usecases']}",
        f"/api/v1/reviews/{ids['decisions']}",
        f"/guardrails/bundles/{ids['guardrails']}/",
    } <= answered
    assert len(answered) > 50, sorted(answered)  # the walk reached the pages, not only their 404s
