"""A multipart upload is judged before its body is read: who may not see the obligation hears 404,
who may not complete it 403, and a body longer than the limit 413, without one byte being parsed.

The requests here carry a body stream that fails the test if anything reads it.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from leitplanke.api.models import Scope
from leitplanke.decisions import services as decisions
from leitplanke.decisions.models import Obligation, ObligationStatus

from ..decisions.conftest import qualify

pytestmark = pytest.mark.django_db

BASE = "/api/v1/obligations"
GIGABYTE = 1024**3


class UnreadBody:
    """A request body that must stay unread."""

    def read(self, *args: Any) -> bytes:
        raise AssertionError("the body was read")

    readline = read


def _upload(client: Client, obligation: Obligation, **headers: str) -> Any:
    """A 1 GB multipart upload that nobody may read."""
    return client.post(
        f"{BASE}/{obligation.pk}/complete-with-file",
        content_type="multipart/form-data; boundary=xyz",
        headers=headers,
        **{"wsgi.input": UnreadBody(), "CONTENT_LENGTH": str(GIGABYTE)},
    )


@pytest.fixture
def approved(org, make_usecase, tools) -> Any:
    """An approved use case of Buchhaltung; ``confidential`` makes it confidential."""
    qualify(org.lead)

    def make(**fields: Any) -> Obligation:
        usecase = make_usecase(tools=[tools["Enterprise-Chat"]], **fields)
        decisions.usecase_approve(actor=org.lead, usecase=usecase, scope="pilot")
        return Obligation.objects.get(usecase=usecase, code="ai-act-art4-literacy")

    return make


@pytest.mark.parametrize(
    ("confidential", "status"), [(True, 404), (False, 403)], ids=["cannot-see", "may-not-complete"]
)
def test_a_caller_who_may_not_complete_is_refused_before_the_body_is_read(
    org, approved, api_for, confidential: bool, status: int
) -> None:
    obligation = approved(confidential=confidential)

    response = _upload(api_for(org.outsider, scope=Scope.READ_WRITE), obligation)

    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    obligation.refresh_from_db()
    assert obligation.status == ObligationStatus.OPEN


def test_a_body_over_the_limit_is_refused_by_its_length_before_it_is_read(org, approved, api_for) -> None:
    obligation = approved()

    response = _upload(api_for(org.member, scope=Scope.READ_WRITE), obligation)

    assert response.status_code == 413, response.content
    assert response.json()["code"] == "too_large"
    obligation.refresh_from_db()
    assert obligation.status == ObligationStatus.OPEN


def test_a_browser_session_is_refused_before_the_body_is_read_too(org, approved) -> None:
    """The session's CSRF token is taken from the header, so the CSRF check reads no body either."""
    obligation = approved()
    client = Client(enforce_csrf_checks=True)
    client.force_login(org.outsider)
    client.get(reverse("web:home"))  # sets the CSRF cookie, as a page does

    response = _upload(client, obligation, **{"X-CSRFToken": client.cookies["csrftoken"].value})

    assert response.status_code == 403, response.content
    assert response.json()["code"] == "forbidden"


def test_the_owning_unit_still_attaches_a_file_within_the_limit(org, approved, api_for, settings, tmp_path) -> None:
    settings.MEDIA_ROOT = tmp_path
    obligation = approved()
    upload = SimpleUploadedFile("Nachweis.pdf", b"%PDF-1.4\n%%EOF\n", content_type="application/pdf")

    response = api_for(org.member, scope=Scope.READ_WRITE).post(
        f"{BASE}/{obligation.pk}/complete-with-file",
        {"evidence_link": "https://intranet.example/kurs", "evidence_file": upload},
    )

    assert response.status_code == 200, response.content
    assert (response.json()["evidence_file_name"], response.json()["status"]) == ("Nachweis.pdf", "done")
