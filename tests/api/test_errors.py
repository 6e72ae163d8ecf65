"""Every error of the API is an RFC 9457 problem; nothing internal leaks, not even on a crash."""

from __future__ import annotations

import logging

import pytest
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from django.test import Client, RequestFactory

from leitplanke.api.concurrency import etag_for, require_if_match
from leitplanke.api.errors import PreconditionFailed, PreconditionRequired
from leitplanke.api.main import api
from leitplanke.common.errors import Conflict, DomainError, NotFound, PermissionDenied

from .conftest import problem

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("path", ["/api/v1/", "/api/v1/nothing-here", "/api/v1/usecases/1/history", "/api/v1/x/y/z"])
def test_an_unknown_path_under_the_api_is_a_404_problem(org, path, api_for) -> None:
    assert problem(api_for(org.member).get(path), 404)["code"] == "not_found"


def test_an_unknown_path_is_a_problem_for_anonymous_callers_too(db) -> None:
    assert problem(Client().post("/api/v1/nothing-here"), 404)["code"] == "not_found"


def test_a_non_numeric_id_is_not_found(org, api_for) -> None:
    assert problem(api_for(org.member).get("/api/v1/usecases/abc"), 404)["code"] == "not_found"


def _handled(exc: Exception):
    request = RequestFactory().get("/api/v1/usecases")
    return api.on_exception(request, exc)


@pytest.mark.parametrize(
    ("exc", "status", "code"),
    [
        (NotFound("Kein solcher Anwendungsfall."), 404, "not_found"),
        (Http404("/internal/path"), 404, "not_found"),
        (PermissionDenied("Nur die Governance."), 403, "forbidden"),
        (DjangoPermissionDenied(), 403, "forbidden"),
        (Conflict("Geändert.", current={}, version=3), 409, "conflict"),
        (DomainError("Geht nicht.", code="not_allowed_now"), 422, "invalid"),
        (PreconditionRequired(), 428, "precondition_required"),
        (PreconditionFailed(), 412, "precondition_failed"),
    ],
)
def test_domain_and_django_errors_become_problems(exc, status, code) -> None:
    body = problem(_handled(exc), status)
    assert body["code"] == code
    assert "/internal/path" not in str(body)


def test_a_domain_error_on_a_field_names_the_field() -> None:
    body = problem(_handled(DomainError("Zu lang.", field="body.title", code="too_long")), 422)
    assert body["errors"] == [{"field": "body.title", "message": "Zu lang.", "code": "too_long"}]
    assert body["detail"] == "Zu lang."


def test_a_conflict_tells_the_current_version() -> None:
    assert problem(_handled(Conflict("Geändert.", current={"title": "x"}, version=3)), 409)["version"] == 3


def test_an_unexpected_error_is_a_500_problem_without_internals(caplog) -> None:
    with caplog.at_level(logging.ERROR):
        response = _handled(RuntimeError("password=hunter2 in /srv/leitplanke/secret.py"))
    body = problem(response, 500)
    assert body["code"] == "server_error"
    assert "hunter2" not in response.content.decode()
    assert "Traceback" not in response.content.decode()
    assert "RuntimeError" in caplog.text  # the operator finds it in the log


def test_a_change_without_if_match_is_refused_with_428() -> None:
    with pytest.raises(PreconditionRequired):
        require_if_match(RequestFactory().patch("/"), etag_for(1, 2, b"{}"))


@pytest.mark.parametrize("sent", ['"1-1-0000000000000000"', 'W/"{current}"', '"other", W/"x"'])
def test_a_change_with_a_stale_or_weak_tag_is_refused_with_412(sent) -> None:
    current = etag_for(1, 2, b"{}")
    request = RequestFactory().patch("/", headers={"If-Match": sent.format(current=current.strip('"'))})
    with pytest.raises(PreconditionFailed):
        require_if_match(request, current)


@pytest.mark.parametrize("sent", ["{current}", '"other", {current}', "*"])
def test_a_change_with_the_current_tag_passes(sent) -> None:
    current = etag_for(1, 2, b"{}")
    require_if_match(RequestFactory().patch("/", headers={"If-Match": sent.format(current=current)}), current)


@pytest.mark.parametrize(("language", "title"), [("de", "Nicht gefunden."), ("en", "Not found.")])
def test_problem_titles_are_in_the_token_owners_language(org, api_for, language, title) -> None:
    type(org.member).objects.filter(pk=org.member.pk).update(preferred_language=language)
    response = api_for(org.member).get("/api/v1/usecases/999999")
    assert problem(response, 404)["title"] == title
    assert response["Content-Language"] == language


def test_a_body_over_the_upload_limit_is_a_413_problem(org, token_for, settings) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    client = Client(headers={"Authorization": f"Bearer {token_for(org.member, scope='read-write')}"})

    response = client.post("/api/v1/usecases", data="x" * 5000, content_type="application/json")

    body = problem(response, 413)
    assert body["code"] == "too_large"
