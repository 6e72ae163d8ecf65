"""Names and titles must be visible text: no blank look-alikes, no direction tricks, no controls.

``clean_title`` is the one rule; the services apply it through ``full_clean(titles=…)``, so the
pages, the API and the imports refuse the same titles with the same field error.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from leitplanke.api import services as api_services
from leitplanke.api.models import Scope
from leitplanke.catalog import services as catalog_services
from leitplanke.common.errors import DomainError
from leitplanke.common.text import clean_title
from leitplanke.literacy import services as literacy_services
from leitplanke.org import services as org_services
from leitplanke.usecases import services as usecase_services
from leitplanke.usecases.models import UseCase
from leitplanke.webhooks import services as webhook_services

from ..usecases.conftest import COMPLETE_FACTS, client_for, org

__all__ = ["client_for", "org"]

#: Titles that look empty or lie about themselves, by what is wrong with them.
REFUSED = {
    "spaces-around-zero-width": " \t \u00a0 \u200b \u3000 ",
    "zero-width": "\u200b\u200c\u200d\u2060\ufeff",
    "soft-hyphen-and-filler": "\u00ad\u3164\u2800",
    "right-to-left-override": "Rechnung\u202efdp.exe",
    "isolate": "Team \u2067A\u2069",
    "left-to-right-mark": "Titel\u200e",
    "c1-control": "Angebot\u0085Text",
    "c0-control": "Angebot\x1bText",
    "line-break-inside": "Zeile eins\nZeile zwei",
    "line-separator": "Zeile\u2028zwei",
    "delete": "Titel\x7f",
}
ACCEPTED = ["Rechnungen prüfen", "  Umgeben von Leerzeichen  ", "Übersetzung אבג عربي", "Team 👩\u200d💻", "Co\u00adop"]


@pytest.mark.parametrize("title", REFUSED.values(), ids=REFUSED.keys())
def test_a_blank_looking_or_tricky_title_is_refused(title: str) -> None:
    with pytest.raises(ValidationError) as refused:
        clean_title(title)
    assert refused.value.code == "title"


@pytest.mark.parametrize("title", ACCEPTED)
def test_ordinary_titles_in_any_script_pass_trimmed(title: str) -> None:
    assert clean_title(title) == title.strip()


def test_a_title_of_only_spaces_becomes_empty_which_the_models_blank_rule_refuses() -> None:
    assert clean_title(" \t \u00a0 \u3000 ") == ""


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("write", "field"),
    [
        (lambda org, bad: usecase_services.usecase_create(
            actor=org.member, title=bad, unit=org.team, owner=org.member, **COMPLETE_FACTS), "title"),
        (lambda org, bad: org_services.unit_create(actor=None, code="neu", name=bad, kind="team", parent=org.company),
         "name"),
        (lambda org, bad: org_services.person_update(actor=None, person=org.member, display_name=bad), "display_name"),
        (lambda org, bad: catalog_services.tool_request_create(actor=org.member, name=bad, reason="Brauchen wir."),
         "name"),
        (lambda org, bad: literacy_services.course_create(
            actor=org.viewer("administrator"), code="ki-neu", title=bad), "title"),
        (lambda org, bad: api_services.token_create(actor=org.member, user=org.member, name=bad), "name"),
        (lambda org, bad: webhook_services.endpoint_create(
            actor=org.viewer("ai_governance"), url="https://93.184.215.14/hook", event_types=["usecase.submitted"],
            description=bad), "description"),
    ],
    ids=["usecase", "unit", "person", "tool-request", "course", "token", "webhook"],
)  # fmt: skip
@pytest.mark.parametrize("bad", [REFUSED["zero-width"], REFUSED["right-to-left-override"], REFUSED["c1-control"]])
def test_every_service_that_stores_a_name_refuses_it_on_its_field(org, write: Any, field: str, bad: str) -> None:
    with pytest.raises(DomainError) as refused:
        write(org, bad)
    assert (refused.value.field, refused.value.code) == (field, "title")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("de", "Steuerzeichen und Schreibrichtungszeichen sind hier nicht erlaubt (gefunden: U+202E)."),
        ("en", "Control characters and text-direction marks are not allowed here (found U+202E)."),
    ],
)
def test_the_api_names_the_field_in_the_callers_language(org, language: str, message: str) -> None:
    type(org.member).objects.filter(pk=org.member.pk).update(preferred_language=language)
    token = api_services.token_create(actor=org.member, user=org.member, name="Skript", scope=Scope.READ_WRITE).plain

    response = Client(headers={"Authorization": f"Bearer {token}"}).post(
        "/api/v1/usecases",
        data=json.dumps({"title": REFUSED["right-to-left-override"], "unit": "fin-buha"}),
        content_type="application/json",
    )

    assert response.status_code == 422, response.content
    assert response.json()["errors"] == [{"field": "body.title", "message": message, "code": "title"}]
    assert not UseCase.objects.exists()


@pytest.mark.django_db
def test_the_intake_page_shows_a_zero_width_title_on_its_field_and_saves_nothing(org, client_for) -> None:
    data = {"title": "\u200b\u200b", "summary": "", "problem": "", "unit": org.team.pk, "stage": "idea"}

    response = client_for(org.lead).post(reverse("usecases:intake_start"), data)

    assert response.status_code == 200
    assert response.context["form"].errors["title"] == [
        "Bitte sichtbare Zeichen eingeben, nicht nur Leerzeichen oder unsichtbare Zeichen."
    ]
    assert not UseCase.objects.exists()
