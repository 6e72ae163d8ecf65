"""Catalogue pages: everyone reads the catalogue; AI governance maintains it and decides requests."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from leitplanke.audit.models import Event
from leitplanke.catalog import services
from leitplanke.catalog.models import Tool, ToolRequest, ToolRequestStatus
from leitplanke.org.models import Role

from .conftest import MAINTAINERS, VIEWER_ROLES, person_with, tool_values

pytestmark = pytest.mark.django_db


@dataclass
class World:
    """One tool in the catalogue and one open request by somebody else."""

    tool: Tool
    tool_request: ToolRequest


@pytest.fixture
def world(tool, tool_request) -> World:
    return World(tool, tool_request)


def _snapshot(world: World) -> tuple[Any, ...]:
    """Everything a request to a catalogue page could change."""
    world.tool.refresh_from_db()
    world.tool_request.refresh_from_db()
    return (
        Event.objects.count(),
        Tool.objects.count(),
        ToolRequest.objects.count(),
        world.tool.audit_snapshot(),
        world.tool.version,
        world.tool_request.audit_snapshot(),
        len(mail.outbox),
    )


def _tool_form(tool: Tool, **changes: Any) -> dict[str, Any]:
    """The edit form as a browser posts it (unticked boxes are left out)."""
    data: dict[str, Any] = {field: getattr(tool, field) for field in services.TOOL_FIELDS}
    data["version"] = tool.version
    data.update(changes)
    return {key: ("on" if value is True else value) for key, value in data.items() if value is not False}


READ_PAGES: dict[str, Callable[[World], str]] = {
    "tool_list": lambda w: reverse("catalog:tool_list"),
    "tool_detail": lambda w: reverse("catalog:tool_detail", args=[w.tool.pk]),
    "request_list": lambda w: reverse("catalog:request_list"),
    "request_create": lambda w: reverse("catalog:request_create"),
}

MAINTENANCE_PAGES: dict[str, Callable[[World], str]] = {
    "tool_create": lambda w: reverse("catalog:tool_create"),
    "tool_edit": lambda w: reverse("catalog:tool_edit", args=[w.tool.pk]),
    "request_decide": lambda w: reverse("catalog:request_decide", args=[w.tool_request.pk]),
}

#: Each change for maintainers only: its URL and a valid form for it.
MAINTENANCE_CHANGES: dict[str, tuple[Callable[[World], str], Callable[[World], dict[str, Any]]]] = {
    "tool_create": (
        lambda w: reverse("catalog:tool_create"),
        lambda w: _tool_form(w.tool, name="Neues Werkzeug", version=""),
    ),
    "tool_edit": (
        lambda w: reverse("catalog:tool_edit", args=[w.tool.pk]),
        lambda w: _tool_form(w.tool, status="not_allowed"),
    ),
    "request_decide": (
        lambda w: reverse("catalog:request_decide", args=[w.tool_request.pk]),
        lambda w: {"decision": "reject", "comment": "Kein Vertrag.", "catalogue": "none"},
    ),
}


def _expect_anonymous_to_sign_in(response: Any) -> None:
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


# --- authorization -------------------------------------------------------------------------------


@pytest.mark.parametrize("role", VIEWER_ROLES)
@pytest.mark.parametrize("page", READ_PAGES)
def test_the_catalogue_and_the_request_form_are_open_to_everyone_signed_in(world, client_as, role, page):
    response = client_as(role).get(READ_PAGES[page](world))

    if role is None:
        _expect_anonymous_to_sign_in(response)
    else:
        assert response.status_code == 200


@pytest.mark.parametrize("role", VIEWER_ROLES)
@pytest.mark.parametrize("page", MAINTENANCE_PAGES)
def test_maintenance_pages_open_for_governance_and_administrators_only(world, client_as, role, page):
    response = client_as(role).get(MAINTENANCE_PAGES[page](world))

    if role is None:
        _expect_anonymous_to_sign_in(response)
    elif role in MAINTAINERS:
        assert response.status_code == 200
    else:
        assert response.status_code == 404


@pytest.mark.parametrize("role", VIEWER_ROLES)
@pytest.mark.parametrize("change", MAINTENANCE_CHANGES)
def test_catalogue_changes_are_made_by_governance_and_administrators_only(world, client_as, role, change):
    client = client_as(role)
    url, form = MAINTENANCE_CHANGES[change]
    before = _snapshot(world)

    response = client.post(url(world), form(world))

    if role in MAINTAINERS:
        assert response.status_code == 302
        assert _snapshot(world) != before
    else:
        if role is None:
            _expect_anonymous_to_sign_in(response)
        else:
            assert response.status_code == 404
        assert _snapshot(world) == before


@pytest.mark.parametrize("role", VIEWER_ROLES)
def test_everyone_signed_in_can_request_a_tool(world, client_as, role):
    before = _snapshot(world)

    response = client_as(role).post(reverse("catalog:request_create"), {"name": "Mindmap-KI", "reason": "Ideen."})

    if role is None:
        _expect_anonymous_to_sign_in(response)
        assert _snapshot(world) == before
    else:
        created = ToolRequest.objects.get(name="Mindmap-KI")
        assert response.status_code == 302
        assert response["Location"] == reverse("catalog:request_detail", args=[created.pk])


@pytest.mark.parametrize("role", VIEWER_ROLES)
def test_somebody_elses_request_is_seen_by_governance_administrators_and_auditors_only(world, client_as, role):
    response = client_as(role).get(reverse("catalog:request_detail", args=[world.tool_request.pk]))

    if role is None:
        _expect_anonymous_to_sign_in(response)
    elif role in MAINTAINERS or role == Role.AUDITOR:
        assert response.status_code == 200
    else:
        assert response.status_code == 404


def test_the_requester_sees_their_own_request_and_its_decision(world, requester, governance):
    services.tool_request_decide(actor=governance, tool_request=world.tool_request, accept=False, comment="Nein, weil.")
    client = Client()
    client.force_login(requester)

    detail = client.get(reverse("catalog:request_detail", args=[world.tool_request.pk]))
    mine = client.get(reverse("catalog:request_list"))

    assert detail.status_code == 200
    assert "Nein, weil." in detail.content.decode()
    assert list(mine.context["page"]) == [world.tool_request]
    assert "Nein, weil." in mine.content.decode()


def test_my_tool_requests_lists_only_my_own(world, client_as):
    client = client_as("employee")

    response = client.get(reverse("catalog:request_list") + "?show=open")

    assert response.context["current"] == "mine"
    assert list(response.context["page"]) == []


def test_governance_sees_every_open_request_first(world, governance_client):
    response = governance_client.get(reverse("catalog:request_list"))

    assert response.context["current"] == "open"
    assert list(response.context["page"]) == [world.tool_request]
    assert reverse("catalog:request_decide", args=[world.tool_request.pk]) in response.content.decode()


def test_a_change_without_csrf_token_is_refused(world, governance):
    client = Client(enforce_csrf_checks=True)
    client.force_login(governance)
    before = _snapshot(world)

    response = client.post(*[f(world) for f in MAINTENANCE_CHANGES["tool_edit"]])

    assert response.status_code == 403
    assert _snapshot(world) == before


# --- the catalogue pages -------------------------------------------------------------------------


def _english_client(role: str | None = "employee") -> Client:
    client = Client()
    client.force_login(person_with(role, preferred_language="en"))
    return client


def test_the_list_says_in_plain_language_what_data_a_tool_may_receive(world):
    services.tool_create(actor=None, **tool_values(name="Chatbot", status="not_allowed"))

    html = _english_client().get(reverse("catalog:tool_list")).content.decode()

    assert "Internal: yes · Confidential: no · Personal data: no" in html
    assert "Not to be used with company data" in html
    assert 'class="badge badge--not-allowed"' in html


def test_the_list_filters_by_status_and_search_word(world):
    services.tool_create(actor=None, **tool_values(name="Bildgenerator", vendor="Pixel GmbH", status="in_evaluation"))
    client = _english_client()
    url = reverse("catalog:tool_list")

    assert [t.name for t in client.get(url, {"status": "in_evaluation"}).context["page"]] == ["Bildgenerator"]
    assert [t.name for t in client.get(url, {"q": "pixel"}).context["page"]] == ["Bildgenerator"]
    assert [t.name for t in client.get(url, {"q": "pixel", "status": "approved"}).context["page"]] == []


def test_an_unknown_status_filter_shows_everything_rather_than_failing(world):
    response = _english_client().get(reverse("catalog:tool_list"), {"status": "nonsense"})

    assert response.status_code == 200
    assert [t.name for t in response.context["page"]] == [world.tool.name]


def test_the_list_shows_50_tools_to_a_page():
    for number in range(51):
        services.tool_create(actor=None, **tool_values(name=f"Werkzeug {number:02}"))
    client = _english_client()

    first = client.get(reverse("catalog:tool_list"))
    second = client.get(reverse("catalog:tool_list"), {"page": 2})

    assert len(first.context["page"]) == 50
    assert [t.name for t in second.context["page"]] == ["Werkzeug 50"]


def test_the_list_needs_no_more_queries_for_more_tools(django_assert_max_num_queries):
    client = _english_client("ai_governance")
    services.tool_create(actor=None, **tool_values(name="Werkzeug 0"))
    with django_assert_max_num_queries(100) as few:
        client.get(reverse("catalog:tool_list"))
    for number in range(1, 40):
        services.tool_create(actor=None, **tool_values(name=f"Werkzeug {number}", trains_on_inputs=True))

    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(reverse("catalog:tool_list"))

    assert len(response.context["page"]) == 40


def test_the_request_list_needs_no_more_queries_for_more_requests(governance_client, django_assert_max_num_queries):
    def request_by_someone(number: int) -> None:
        services.tool_request_create(actor=person_with(), name=f"Werkzeug {number}", reason="Grund.")

    request_by_someone(0)
    with django_assert_max_num_queries(100) as few:
        governance_client.get(reverse("catalog:request_list"))
    for number in range(1, 15):
        request_by_someone(number)

    with django_assert_max_num_queries(len(few.captured_queries)):
        response = governance_client.get(reverse("catalog:request_list"))

    assert len(response.context["page"]) == 15


def test_the_detail_page_shows_every_fact_the_guidelines_and_the_history(world, governance):
    services.tool_update(actor=governance, tool=world.tool, status="approved_with_conditions")

    html = _english_client().get(reverse("catalog:tool_detail", args=[world.tool.pk])).content.decode()

    for text in (
        "Musteranbieter Z GmbH",
        "EU / EEA",
        "Approved with conditions",
        "Nur für interne Texte.",
        "ki@example.com",
        "Tool changed",
        "Tool added to the catalogue",
    ):
        assert text in html


@pytest.mark.parametrize(("role", "shown"), [("ai_governance", True), ("auditor", False), ("employee", False)])
def test_maintenance_buttons_are_shown_to_maintainers_only(world, client_as, role, shown):
    client = client_as(role)

    for page, link in {
        reverse("catalog:tool_list"): reverse("catalog:tool_create"),
        reverse("catalog:tool_detail", args=[world.tool.pk]): reverse("catalog:tool_edit", args=[world.tool.pk]),
    }.items():
        assert (f'href="{link}"' in client.get(page).content.decode()) is shown, page


def test_the_navigation_leads_to_the_catalogue(client_as):
    html = client_as("employee").get(reverse("web:home")).content.decode()

    assert f'href="{reverse("catalog:tool_list")}"' in html


# --- forms ---------------------------------------------------------------------------------------


def test_a_missing_field_is_shown_on_the_field_in_german(world, governance_client):
    response = governance_client.post(reverse("catalog:tool_create"), _tool_form(world.tool, name="", version=""))

    assert response.status_code == 200
    assert response.context["form"].errors["name"] == ["Dieses Feld ist zwingend erforderlich."]
    assert 'id="id_name_error"' in response.content.decode()
    assert Tool.objects.count() == 1


def test_a_taken_name_is_shown_on_the_name_field(world, governance_client):
    response = governance_client.post(
        reverse("catalog:tool_create"), _tool_form(world.tool, name=world.tool.name.upper(), version="")
    )

    assert list(response.context["form"].errors) == ["name"]
    assert Tool.objects.count() == 1


def test_the_second_of_two_overlapping_edits_gets_a_conflict_page(world, governance_client):
    stale = _tool_form(world.tool)
    url = reverse("catalog:tool_edit", args=[world.tool.pk])
    assert governance_client.post(url, {**stale, "vendor": "Anbieter & Söhne"}).status_code == 302
    second = Client()
    second.force_login(person_with("ai_governance"))

    response = second.post(url, {**stale, "status": "not_allowed"})

    assert response.status_code == 409
    world.tool.refresh_from_db()
    assert (world.tool.vendor, world.tool.status) == ("Anbieter & Söhne", "approved")
    html = response.content.decode()
    assert "Von jemand anderem geändert" in html
    assert "Anbieter &amp; Söhne" in html
    assert 'value="not_allowed" selected' in html
    assert f'name="version" value="{world.tool.version}"' in html


def test_saving_again_after_the_conflict_applies_the_change_deliberately(world, governance_client):
    stale = _tool_form(world.tool)
    url = reverse("catalog:tool_edit", args=[world.tool.pk])
    governance_client.post(url, {**stale, "vendor": "Anbieter & Söhne"})
    conflict = governance_client.post(url, {**stale, "status": "not_allowed"})

    response = governance_client.post(url, conflict.context["form"].data)

    assert response.status_code == 302
    world.tool.refresh_from_db()
    assert world.tool.status == "not_allowed"


def test_a_request_for_a_listed_tool_points_to_its_entry(world, client_as):
    response = client_as("employee").post(
        reverse("catalog:request_create"), {"name": world.tool.name, "reason": "Brauche ich."}
    )

    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["name"]
    assert ToolRequest.objects.count() == 1


def test_deciding_in_the_browser_tells_the_requester(world, governance_client, django_capture_on_commit_callbacks):
    url = reverse("catalog:request_decide", args=[world.tool_request.pk])

    with django_capture_on_commit_callbacks(execute=True):
        response = governance_client.post(url, {"decision": "reject", "comment": "Kein Vertrag.", "catalogue": "none"})

    assert response.status_code == 302
    world.tool_request.refresh_from_db()
    assert world.tool_request.status == ToolRequestStatus.REJECTED
    assert [m.to for m in mail.outbox] == [["req@example.com"]]


def test_a_rejection_without_comment_is_shown_on_the_comment_field(world, governance_client):
    url = reverse("catalog:request_decide", args=[world.tool_request.pk])

    response = governance_client.post(url, {"decision": "reject", "comment": "", "catalogue": "none"})

    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["comment"]
    world.tool_request.refresh_from_db()
    assert world.tool_request.status == ToolRequestStatus.OPEN


def test_accepting_in_the_browser_can_create_the_entry(world, governance_client):
    url = reverse("catalog:request_decide", args=[world.tool_request.pk])
    new_entry = {f"tool-{key}": value for key, value in _tool_form(world.tool, name="Folien-Generator").items()}
    new_entry.pop("tool-version")

    response = governance_client.post(url, {"decision": "accept", "catalogue": "create", **new_entry})

    assert response.status_code == 302
    world.tool_request.refresh_from_db()
    assert world.tool_request.tool == Tool.objects.get(name="Folien-Generator")


def test_accepting_with_a_taken_name_shows_the_error_on_the_new_entry(world, governance_client):
    url = reverse("catalog:request_decide", args=[world.tool_request.pk])
    new_entry = {f"tool-{key}": value for key, value in _tool_form(world.tool).items()}

    response = governance_client.post(url, {"decision": "accept", "catalogue": "create", **new_entry})

    assert response.status_code == 200
    assert list(response.context["tool_form"].errors) == ["name"]
    world.tool_request.refresh_from_db()
    assert world.tool_request.status == ToolRequestStatus.OPEN


def test_accepting_in_the_browser_can_link_an_existing_entry(world, governance_client):
    url = reverse("catalog:request_decide", args=[world.tool_request.pk])

    response = governance_client.post(url, {"decision": "accept", "catalogue": "link", "tool": world.tool.pk})

    assert response.status_code == 302
    world.tool_request.refresh_from_db()
    assert (world.tool_request.status, world.tool_request.tool) == (ToolRequestStatus.ACCEPTED, world.tool)


def test_a_decided_request_cannot_be_decided_again_in_the_browser(world, governance, governance_client):
    services.tool_request_decide(actor=governance, tool_request=world.tool_request, accept=False, comment="Nein.")
    before = _snapshot(world)

    response = governance_client.post(
        reverse("catalog:request_decide", args=[world.tool_request.pk]), {"decision": "accept", "catalogue": "none"}
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("catalog:request_detail", args=[world.tool_request.pk])
    assert _snapshot(world) == before
