"""Who may call the API: tokens (scope, revocation, expiry) and the browser session (with CSRF for changes)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from leitplanke.api import services
from leitplanke.api.models import AccessToken, Scope

from .conftest import problem

pytestmark = pytest.mark.django_db

LIST = "/api/v1/usecases"
#: The probe's changing operation (see ``probe_urls``): no real write operation exists yet.
CHANGE = "/probe/change"
UNSAFE = ["post", "put", "patch", "delete"]


def bearer(plain: str) -> Client:
    return Client(headers={"Authorization": f"Bearer {plain}"})


def test_a_valid_token_reads_as_its_person(org, make_usecase, token_for) -> None:
    make_usecase(title="Rechnungen klassifizieren")
    response = bearer(token_for(org.member)).get(LIST)
    assert response.status_code == 200
    assert [item["title"] for item in response.json()["items"]] == ["Rechnungen klassifizieren"]


def test_using_a_token_records_when_it_was_last_used(org, token_for) -> None:
    plain = token_for(org.member)
    bearer(plain).get(LIST)
    assert AccessToken.objects.get().last_used_at is not None


def test_without_credentials_the_api_answers_401_with_a_problem(db) -> None:
    response = Client().get(LIST)
    body = problem(response, 401)
    assert body["code"] == "unauthenticated"
    assert response["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize("header", ["Bearer lp_00000000_unknown", "Bearer ", "Basic dXNlcjpwdw==", "lp_x"])
def test_an_unknown_or_malformed_token_is_refused(org, header) -> None:
    body = problem(Client(headers={"Authorization": header}).get(LIST), 401)
    assert body["code"] == "unauthenticated"


def test_a_revoked_token_is_refused(org, token_for) -> None:
    plain = token_for(org.member)
    services.token_revoke(actor=org.member, token=AccessToken.objects.get())
    assert problem(bearer(plain).get(LIST), 401)["code"] == "unauthenticated"


def test_an_expired_token_is_refused(org, token_for) -> None:
    plain = token_for(org.member)
    AccessToken.objects.update(expires_at=timezone.now() - dt.timedelta(minutes=1))
    assert problem(bearer(plain).get(LIST), 401)["code"] == "unauthenticated"


def test_a_token_of_a_deactivated_person_is_refused(org, token_for) -> None:
    plain = token_for(org.member)
    type(org.member).objects.filter(pk=org.member.pk).update(is_active=False)
    assert problem(bearer(plain).get(LIST), 401)["code"] == "unauthenticated"


def test_a_bad_token_does_not_fall_back_to_the_session(org, client_for) -> None:
    client = client_for(org.member)
    response = client.get(LIST, headers={"Authorization": "Bearer lp_00000000_unknown"})
    assert problem(response, 401)["code"] == "unauthenticated"


@pytest.mark.urls("tests.api.probe_urls")
@pytest.mark.parametrize("method", UNSAFE)
def test_a_read_token_may_not_change_anything(org, token_for, method) -> None:
    response = getattr(bearer(token_for(org.member)), method)(CHANGE)
    assert problem(response, 403)["code"] == "insufficient_scope"


@pytest.mark.urls("tests.api.probe_urls")
@pytest.mark.parametrize("method", UNSAFE)
def test_a_read_write_token_may_change(org, token_for, method) -> None:
    response = getattr(bearer(token_for(org.member, scope=Scope.READ_WRITE)), method)(CHANGE)
    assert response.status_code == 200
    assert response.json() == {"by": org.member.username}


def test_a_method_no_operation_has_is_a_405_problem(org, make_usecase, token_for) -> None:
    usecase = make_usecase()
    response = bearer(token_for(org.member, scope=Scope.READ_WRITE)).delete(f"{LIST}/{usecase.pk}")
    assert problem(response, 405)["code"] == "method_not_allowed"
    assert "GET" in response["Allow"]


def test_a_signed_in_browser_reads_with_its_session(org, make_usecase) -> None:
    make_usecase()
    client = Client(enforce_csrf_checks=True)
    client.force_login(org.member)
    assert client.get(LIST).status_code == 200


@pytest.mark.urls("tests.api.probe_urls")
@pytest.mark.parametrize("method", UNSAFE)
def test_a_session_without_a_csrf_token_may_not_change_anything(org, method) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(org.member)
    assert problem(getattr(client, method)(CHANGE), 403)["code"] == "csrf_failed"


@pytest.mark.urls("tests.api.probe_urls")
def test_a_session_with_the_csrf_token_may_change(org) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(org.member)
    client.get("/api/v1/docs")  # the docs page hands out the CSRF cookie, as the web pages do
    response = client.post(CHANGE, headers={"X-CSRFToken": client.cookies["csrftoken"].value})
    assert response.status_code == 200
    assert response.json() == {"by": org.member.username}


def test_a_deactivated_persons_session_is_refused(org) -> None:
    client = Client()
    client.force_login(org.member)
    type(org.member).objects.filter(pk=org.member.pk).update(is_active=False)
    assert client.get(LIST).status_code == 401
