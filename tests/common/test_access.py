"""The shared view guard: sign-in first, then "not found" for whoever may not enter."""

from __future__ import annotations

import pytest
from django.http import Http404, HttpResponse
from django.test import RequestFactory

from leitplanke.common.access import only_for

from ..factories import PersonFactory


@only_for(lambda user: user.username == "erlaubt")
def _page(request):
    return HttpResponse("inside")


@pytest.mark.django_db
def test_the_guard_lets_in_whom_the_rule_allows() -> None:
    request = RequestFactory().get("/x")
    request.user = PersonFactory(username="erlaubt")

    assert _page(request).content == b"inside"


@pytest.mark.django_db
def test_the_guard_answers_not_found_to_everybody_else() -> None:
    request = RequestFactory().get("/x")
    request.user = PersonFactory(username="andere")

    with pytest.raises(Http404):
        _page(request)


def test_the_guard_sends_anonymous_visitors_to_sign_in() -> None:
    from django.contrib.auth.models import AnonymousUser

    request = RequestFactory().get("/x")
    request.user = AnonymousUser()

    response = _page(request)

    assert response.status_code == 302
    assert "/account/login/" in response["Location"]
