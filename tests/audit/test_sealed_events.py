"""The audit log follows the use case's visibility: an administrator reads the events of a confidential
use case they may not see sealed (who, what, when, without its content) on the page and in the API;
auditors read them in full."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.urls import reverse

from leitplanke.usecases.models import UseCase

from ..decisions.conftest import *  # noqa: F403 (the decision tests' company and its qualified lead)
from ..decisions.conftest import COMPLETE_FACTS

pytestmark = pytest.mark.django_db

TITLE = "Kündigungsrisiko vertraulich schätzen"
SUMMARY = "Schätzt, wer bald kündigt."
ANSWER = "Personalakten der Abteilung"


@pytest.fixture
def secret_and_open(make_usecase, qualified_lead) -> tuple[UseCase, UseCase]:
    """A confidential use case and an ordinary one of the team, both submitted and routed."""
    secret = make_usecase(title=TITLE, summary=SUMMARY, problem=ANSWER, confidential=True, **COMPLETE_FACTS)
    ordinary = make_usecase(title="Rechnungen vorkontieren")
    return secret, ordinary


def _events(client: Any, usecase: UseCase) -> tuple[str, dict[str, Any]]:
    """The API's events of ``usecase``: as text (non-ASCII unescaped, to search it) and as data."""
    response = client.get("/api/v1/audit/events", {"object_type": "usecases.usecase", "object_id": usecase.pk})
    assert response.status_code == 200
    page = json.loads(response.content)
    return json.dumps(page, ensure_ascii=False), page


def test_an_administrator_reads_the_events_of_a_confidential_use_case_sealed(secret_and_open, org, client_for) -> None:
    secret, ordinary = secret_and_open
    admin = client_for(org.viewer("administrator"))

    text, page = _events(admin, secret)
    log = admin.get(reverse("audit:log"), {"object_type": "usecases.usecase"}).content.decode()
    first = page["items"][-1]
    single = admin.get(f"/api/v1/audit/events/{first['seq']}")

    # The events are there (who, what, when, which object), without title, summary or answers
    assert page["count"] >= 2
    assert {item["sealed"] for item in page["items"]} == {True}
    assert {(item["object_label"], item["before"], item["after"]) for item in page["items"]} == {("", None, None)}
    for shown in (text, log, json.dumps(single.json(), ensure_ascii=False)):
        assert TITLE not in shown and SUMMARY not in shown and ANSWER not in shown
    assert single.json()["sealed"] is True
    # ... while the ordinary use case's events are read in full
    _, open_page = _events(admin, ordinary)
    assert {item["sealed"] for item in open_page["items"]} == {False}
    assert "Rechnungen vorkontieren" in log


def test_auditors_and_those_who_see_the_use_case_read_its_events_in_full(secret_and_open, org, client_for) -> None:
    secret, _ = secret_and_open

    text, page = _events(client_for(org.viewer("auditor")), secret)

    assert {item["sealed"] for item in page["items"]} == {False}
    assert {item["object_label"] for item in page["items"]} == {TITLE}
    assert ANSWER in text
    # The use case's own page shows its history to those who may see it, as before
    history = client_for(org.member).get(reverse("usecases:detail", args=[secret.pk]))
    assert history.status_code == 200 and TITLE in history.content.decode()
