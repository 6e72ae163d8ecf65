"""``/api/v1/usecases``: the library and single use cases, exactly as visible as on the pages."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from leitplanke.usecases import services
from leitplanke.usecases.models import Stage, Status

from .conftest import problem

pytestmark = pytest.mark.django_db

LIST = "/api/v1/usecases"

#: Who sees a confidential use case of the Buchhaltung team (see ``UseCase.objects.visible_to``).
CONFIDENTIAL_VISIBLE = {
    "unit_member": True,
    "unit_lead": True,
    "other_unit": False,
    "ai_governance": True,
    "auditor": True,
    "data_protection": False,
    "administrator": False,
}


def titles(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [item["title"] for item in response.json()["items"]]


@pytest.mark.parametrize(("viewer", "visible"), CONFIDENTIAL_VISIBLE.items())
def test_a_confidential_use_case_is_readable_exactly_where_its_page_is(
    org, make_usecase, api_for, client_for, viewer, visible
) -> None:
    secret = make_usecase(title="Gehaltsdaten auswerten", confidential=True)
    person = org.viewer(viewer)

    detail = api_for(person).get(f"{LIST}/{secret.pk}")
    listed = titles(api_for(person).get(LIST))

    page = client_for(person).get(reverse("usecases:detail", args=[secret.pk]))
    assert (page.status_code == 200) is visible
    if visible:
        assert detail.status_code == 200
        assert detail.json()["title"] == "Gehaltsdaten auswerten"
        assert listed == ["Gehaltsdaten auswerten"]
    else:
        assert problem(detail, 404)["code"] == "not_found"
        assert listed == []


def test_an_unknown_use_case_looks_like_a_hidden_one(org, make_usecase, api_for) -> None:
    secret = make_usecase(confidential=True)
    hidden = api_for(org.outsider).get(f"{LIST}/{secret.pk}").json()
    missing = api_for(org.outsider).get(f"{LIST}/{secret.pk + 1000}").json()
    assert hidden == missing


def test_the_list_carries_the_inventory_fields(org, make_usecase, tools, api_for) -> None:
    usecase = make_usecase(title="Protokolle zusammenfassen", tools=[tools["Enterprise-Chat"]])

    item = api_for(org.member).get(LIST).json()["items"][0]

    assert item["id"] == usecase.pk
    assert item["unit"] == {"code": "fin-buha", "name": "Buchhaltung"}
    assert item["owner"] == {"username": "max.member", "name": "Max Member"}
    assert (item["stage"], item["status"]) == (Stage.IDEA, usecase.status)
    assert item["tools"] == [{"id": tools["Enterprise-Chat"].pk, "name": "Enterprise-Chat", "status": "approved"}]
    assert (item["risk_class"], item["decision"]) == (usecase.verdict.risk_class, usecase.verdict.decision)
    assert item["version"] == usecase.version
    assert {"created", "updated"} <= item.keys()


@pytest.fixture
def library(org, make_usecase, tools):
    """Four use cases in two units with different stages, tools and risks."""
    return {
        "protokolle": make_usecase(title="Protokolle zusammenfassen", tools=[tools["Enterprise-Chat"]]),
        "bewerbungen": make_usecase(
            title="Bewerbungen vorsortieren",
            purposes=["recruiting"],
            affected_people=["applicants"],
            decision_role="prepares",
            stage=Stage.PILOT,
        ),
        "entwurf": make_usecase(title="Mahnungen formulieren", status=Status.DRAFT),
        "kampagne": make_usecase(
            title="Kampagnentexte schreiben",
            unit=org.marketing,
            owner=org.outsider,
            stage=Stage.PRODUCTION,
        ),
    }


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("unit=fin", {"protokolle", "bewerbungen", "entwurf"}),  # a unit includes its sub-units
        ("unit=mkt", {"kampagne"}),
        ("stage=pilot", {"bewerbungen"}),
        ("status=draft", {"entwurf"}),
        ("risk_class=high", {"bewerbungen"}),
        ("q=Bewerbungen", {"bewerbungen"}),
        ("stage=production&unit=fin", set()),
    ],
)
def test_the_list_filters_like_the_library(org, library, api_for, query, expected) -> None:
    found = set(titles(api_for(org.member).get(f"{LIST}?{query}")))
    assert found == {library[key].title for key in expected}


def test_the_list_filters_by_tool(org, library, tools, api_for) -> None:
    response = api_for(org.member).get(f"{LIST}?tool={tools['Enterprise-Chat'].pk}")
    assert titles(response) == ["Protokolle zusammenfassen"]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("unit=gibt-es-nicht", "query.unit"),
        (f"tool={10**9}", "query.tool"),
        ("stage=someday", "query.stage"),
        ("limit=0", "query.limit"),
        ("limit=101", "query.limit"),
        ("offset=-1", "query.offset"),
        ("sort=random", "query.sort"),
    ],
)
def test_an_invalid_filter_is_a_422_problem_naming_the_field(org, library, api_for, query, field) -> None:
    body = problem(api_for(org.member).get(f"{LIST}?{query}"), 422)
    assert body["code"] == "validation"
    assert [error["field"] for error in body["errors"]] == [field]


def test_pages_follow_a_stable_order_without_gaps_or_repeats(org, make_usecase, api_for) -> None:
    made = [make_usecase(title=f"Fall {number:02}") for number in range(7)]
    client = api_for(org.member)

    pages = [client.get(f"{LIST}?sort=title&limit=3&offset={offset}").json() for offset in (0, 3, 6)]

    assert [item["title"] for page in pages for item in page["items"]] == sorted(u.title for u in made)
    assert [page["count"] for page in pages] == [7, 7, 7]
    assert not any(page["count_capped"] for page in pages)


def test_a_page_costs_the_same_queries_however_many_rows_it_shows(org, make_usecase, tools, api_for) -> None:
    client = api_for(org.member)
    make_usecase(tools=[tools["Enterprise-Chat"]])
    client.get(LIST)
    with CaptureQueriesContext(connection) as few:
        client.get(LIST)
    for number in range(8):
        make_usecase(title=f"Noch ein Fall {number}", tools=list(tools.values())[:2])
    with CaptureQueriesContext(connection) as many:
        client.get(LIST)
    assert len(many) == len(few)


def test_a_use_case_has_an_etag_and_answers_304_when_it_is_unchanged(org, make_usecase, api_for) -> None:
    usecase = make_usecase()
    client = api_for(org.member)

    first = client.get(f"{LIST}/{usecase.pk}")
    again = client.get(f"{LIST}/{usecase.pk}", headers={"If-None-Match": first["ETag"]})

    assert first["ETag"].startswith(f'"{usecase.pk}-{usecase.version}-')
    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == first["ETag"]


def test_a_changed_use_case_has_a_new_etag_and_is_sent_again(org, make_usecase, api_for) -> None:
    usecase = make_usecase()
    client = api_for(org.member)
    old = client.get(f"{LIST}/{usecase.pk}")["ETag"]

    services.usecase_update(actor=org.member, usecase=usecase, title="Rechnungen vorkontieren")
    response = client.get(f"{LIST}/{usecase.pk}", headers={"If-None-Match": old})

    assert response.status_code == 200
    assert response["ETag"] != old
    assert response.json()["title"] == "Rechnungen vorkontieren"


def test_a_hidden_use_case_gives_no_etag(org, make_usecase, api_for) -> None:
    secret = make_usecase(confidential=True)
    response = api_for(org.outsider).get(f"{LIST}/{secret.pk}", headers={"If-None-Match": "*"})
    problem(response, 404)
    assert "ETag" not in response
