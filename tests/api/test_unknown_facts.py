"""An answer to a question that does not exist is refused, naming it: never silently dropped.

A misspelt fact (``purpose`` for ``purposes``) would otherwise leave the real question unanswered
while the caller believes it answered, and the rules would judge the use case without it.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from leitplanke.api.models import Scope
from leitplanke.common.errors import DomainError
from leitplanke.usecases import services
from leitplanke.usecases.models import UseCase

from .conftest import problem

pytestmark = pytest.mark.django_db

BASE = "/api/v1/usecases"


def _send(client: Any, method: str, path: str, body: Any, **headers: str) -> Any:
    return getattr(client, method)(path, data=json.dumps(body), content_type="application/json", headers=headers)


def _errors(response: Any) -> dict[str, str]:
    return {error["field"]: error["message"] for error in problem(response, 422)["errors"]}


def test_registering_with_an_unknown_fact_names_it_and_creates_nothing(org, api_for) -> None:
    writer = api_for(org.member, scope=Scope.READ_WRITE)
    body = {"title": "Tippfehler", "unit": "fin-buha", "facts": {"purpose": ["productivity"], "scale": "small"}}

    response = _send(writer, "post", BASE, body)

    assert _errors(response) == {"body.facts.purpose": "Es gibt kein Feld mit diesem Namen."}
    assert not UseCase.objects.filter(title="Tippfehler").exists()


def test_changing_or_replacing_answers_with_unknown_facts_names_each_and_changes_nothing(
    org, api_for, make_usecase
) -> None:
    usecase = make_usecase(scale="small")
    writer = api_for(org.member, scope=Scope.READ_WRITE)
    path = f"{BASE}/{usecase.pk}"
    answers = writer.get(path).json()["facts"]
    facts_tag = writer.get(f"{path}/facts")["ETag"]

    patched = _send(writer, "patch", path, {"facts": {"scale": "large", "sclae": "large", "extra": 1}},
                    **{"If-Match": writer.get(path)["ETag"]})  # fmt: skip
    replaced = _send(writer, "put", f"{path}/facts", {**answers, "risk": "none"}, **{"If-Match": facts_tag})

    assert set(_errors(patched)) == {"body.facts.sclae", "body.facts.extra"}
    assert set(_errors(replaced)) == {"body.risk"}
    usecase.refresh_from_db()
    assert (usecase.scale, usecase.version) == ("small", 1)


def test_the_services_refuse_an_unknown_fact_with_a_domain_error(org, make_usecase) -> None:
    usecase = make_usecase()

    with pytest.raises(DomainError) as refused:
        services.usecase_update(actor=org.member, usecase=usecase, scale="large", purpose=["recruiting"])

    assert refused.value.code == "unknown_fact"
    assert "purpose" in str(refused.value.message)
    usecase.refresh_from_db()
    assert usecase.scale != "large"
