"""Obligations through the API: as visible as their use case, completed with evidence by the owning unit."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from leitplanke.api.models import Scope
from leitplanke.audit.models import Event
from leitplanke.decisions import services as decisions
from leitplanke.decisions.models import Obligation, ObligationStatus

from ..decisions.conftest import qualify
from .conftest import problem

pytestmark = pytest.mark.django_db

BASE = "/api/v1/obligations"
PDF = b"%PDF-1.4\n% Schulungsnachweis\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def complete(client: Any, obligation: Obligation, body: dict[str, Any], **headers: str) -> Any:
    return client.post(
        f"{BASE}/{obligation.pk}/complete", data=json.dumps(body), content_type="application/json", headers=headers
    )


def field_of(response: Any) -> str:
    """The field of a validation problem."""
    [error] = problem(response, 422)["errors"]
    return str(error["field"])


@pytest.fixture
def media(settings, tmp_path) -> Path:
    """Uploaded files go to a fresh folder of this test."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def approved(org, make_usecase, tools) -> Any:
    """A use case the qualified lead approved; ``confidential`` makes it confidential."""
    qualify(org.lead)

    def make(**fields: Any) -> Any:
        usecase = make_usecase(tools=[tools["Enterprise-Chat"]], **fields)
        return decisions.usecase_approve(actor=org.lead, usecase=usecase, scope="pilot")

    return make


@pytest.fixture
def obligation(approved) -> Obligation:
    """An open obligation (the AI-literacy duty comes with every use case)."""
    return Obligation.objects.get(usecase=approved(), code="ai-act-art4-literacy")


def test_the_list_shows_the_obligations_of_visible_use_cases(org, approved, api_for) -> None:
    open_one = approved()
    secret = approved(title="Gehälter", confidential=True)

    def usecases(person: Any, query: str = "") -> set[int]:
        response = api_for(person).get(f"{BASE}?{query}")
        assert response.status_code == 200, response.content
        return {item["usecase"]["id"] for item in response.json()["items"]}

    assert usecases(org.member) == {open_one.pk, secret.pk}
    assert usecases(org.outsider) == {open_one.pk}
    assert usecases(org.viewer("auditor")) == {open_one.pk, secret.pk}
    assert usecases(org.member, "due_for_me=true") == {open_one.pk, secret.pk}
    assert usecases(org.outsider, "due_for_me=true") == set()
    assert usecases(org.member, f"usecase={secret.pk}") == {secret.pk}
    assert usecases(org.member, "status=done") == set()


def test_the_list_is_ordered_by_due_date_and_pages(org, approved, api_for) -> None:
    approved()
    approved(title="Zweiter Fall")
    client = api_for(org.member)

    everything = client.get(BASE).json()
    first = client.get(f"{BASE}?limit=2").json()
    rest = client.get(f"{BASE}?limit=2&offset=2").json()

    items = everything["items"]
    assert everything["count"] == len(items) >= 3
    assert [(item["due_on"], item["id"]) for item in items] == sorted((item["due_on"], item["id"]) for item in items)
    assert [item["id"] for item in first["items"] + rest["items"]] == [item["id"] for item in items[:4]]


def test_overdue_obligations_are_marked_and_filtered(org, obligation, api_for) -> None:
    Obligation.objects.filter(pk=obligation.pk).update(due_on=dt.date(2020, 1, 1))

    [item] = api_for(org.member).get(f"{BASE}?overdue=true").json()["items"]

    assert (item["id"], item["overdue"]) == (obligation.pk, True)


def test_an_obligation_reads_with_an_etag_in_the_callers_language(org, obligation, api_for) -> None:
    response = api_for(org.member).get(f"{BASE}/{obligation.pk}")

    assert response.status_code == 200
    body = response.json()
    assert (body["title"], body["status"], body["can_complete"]) == (obligation.title_de, "open", True)
    assert body["owner"]["username"] == "max.member"
    again = api_for(org.member).get(f"{BASE}/{obligation.pk}", headers={"If-None-Match": response["ETag"]})
    assert again.status_code == 304
    assert api_for(org.outsider).get(f"{BASE}/{obligation.pk}").json()["can_complete"] is False


def test_an_obligation_of_a_hidden_use_case_is_not_found(org, approved, api_for) -> None:
    hidden = Obligation.objects.filter(usecase=approved(confidential=True)).first()

    problem(api_for(org.outsider).get(f"{BASE}/{hidden.pk}"), 404)
    problem(complete(api_for(org.outsider, scope=Scope.READ_WRITE), hidden, {"evidence": "Erledigt."}), 404)
    hidden.refresh_from_db()
    assert hidden.status == ObligationStatus.OPEN


def test_the_owner_completes_an_obligation_with_evidence(org, obligation, api_for) -> None:
    client = api_for(org.member, scope=Scope.READ_WRITE)
    etag = client.get(f"{BASE}/{obligation.pk}")["ETag"]

    response = complete(
        client,
        obligation,
        {"evidence": "Schulung am 1.12.", "evidence_link": "https://wiki.example.com/schulung"},
        **{"If-Match": etag},
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["status"], body["completed_by"]["username"], body["can_complete"]) == ("done", "max.member", False)
    assert response["ETag"] != etag
    obligation.refresh_from_db()
    assert (obligation.status, obligation.evidence_link) == (ObligationStatus.DONE, "https://wiki.example.com/schulung")
    assert Event.objects.filter(action="decisions.obligation.completed", object_id=str(obligation.usecase_id)).exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"evidence": "  "}, "body.evidence"),
        ({"evidence_link": "kein link"}, "body.evidence_link"),
        ({"evidence": "x" * 20_001}, "body.evidence"),
    ],
)
def test_evidence_that_is_missing_or_invalid_names_the_field(org, obligation, api_for, body, field) -> None:
    response = complete(api_for(org.member, scope=Scope.READ_WRITE), obligation, body)

    assert field_of(response) == field
    obligation.refresh_from_db()
    assert obligation.status == ObligationStatus.OPEN


@pytest.mark.parametrize("viewer", ["other_unit", "ai_governance", "auditor", "data_protection"])
def test_only_the_owning_unit_completes_an_obligation(org, obligation, api_for, viewer) -> None:
    response = complete(api_for(org.viewer(viewer), scope=Scope.READ_WRITE), obligation, {"evidence": "Erledigt."})

    problem(response, 403)
    obligation.refresh_from_db()
    assert (obligation.status, obligation.version) == (ObligationStatus.OPEN, 1)


def test_a_done_obligation_is_not_completed_again(org, obligation, api_for) -> None:
    client = api_for(org.member, scope=Scope.READ_WRITE)
    complete(client, obligation, {"evidence": "Erledigt."})

    assert problem(complete(client, obligation, {"evidence": "Nochmal."}), 422)["reason"] == "closed"


def test_completing_with_a_stale_etag_changes_nothing(org, obligation, api_for) -> None:
    client = api_for(org.lead, scope=Scope.READ_WRITE)
    stale = client.get(f"{BASE}/{obligation.pk}")["ETag"]
    Obligation.objects.filter(pk=obligation.pk).update(due_on=obligation.due_on + dt.timedelta(days=1))

    problem(complete(client, obligation, {"evidence": "Erledigt."}, **{"If-Match": stale}), 412)
    obligation.refresh_from_db()
    assert obligation.status == ObligationStatus.OPEN


def test_a_read_token_cannot_complete(org, obligation, api_for) -> None:
    assert problem(complete(api_for(org.member), obligation, {"evidence": "x"}), 403)["code"] == "insufficient_scope"


def test_a_file_is_attached_as_evidence_with_a_multipart_request(org, obligation, api_for, media) -> None:
    upload = SimpleUploadedFile("Nachweis Schulung.pdf", PDF, content_type="application/pdf")

    response = api_for(org.member, scope=Scope.READ_WRITE).post(
        f"{BASE}/{obligation.pk}/complete-with-file", {"evidence": "Teilnehmerliste", "evidence_file": upload}
    )

    assert response.status_code == 200, response.content
    assert response.json()["evidence_file_name"] == "Nachweis Schulung.pdf"
    obligation.refresh_from_db()
    assert obligation.status == ObligationStatus.DONE
    assert Path(obligation.evidence_file.path).read_bytes() == PDF


def test_a_file_of_a_refused_type_names_the_field_and_nothing_is_stored(org, obligation, api_for, media) -> None:
    upload = SimpleUploadedFile("tool.exe", b"MZ\x90\x00", content_type="application/octet-stream")

    response = api_for(org.member, scope=Scope.READ_WRITE).post(
        f"{BASE}/{obligation.pk}/complete-with-file", {"evidence_file": upload}
    )

    assert field_of(response) == "body.evidence_file"
    obligation.refresh_from_db()
    assert obligation.status == ObligationStatus.OPEN
    assert not media.exists() or not any(media.rglob("*.*"))


def test_a_use_case_filter_beyond_what_the_database_holds_is_a_field_error(org, api_for) -> None:
    [error] = problem(api_for(org.member).get(f"{BASE}?usecase={10**25}"), 422)["errors"]

    assert error["field"] == "query.usecase"
