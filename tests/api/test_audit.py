"""``/api/v1/audit``: the audit trail for auditors and administrators, filtered, paged, and its chain check."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from leitplanke.api import services as api_services
from leitplanke.api.models import Scope
from leitplanke.audit.guard import install_guard, remove_guard
from leitplanke.audit.models import Event
from leitplanke.audit.services import event_record

from .conftest import problem

pytestmark = pytest.mark.django_db

EVENTS = "/api/v1/audit/events"
VERIFY = "/api/v1/audit/verify"

#: Who reads the audit log page (``org.selectors.can_read_audit_trail``).
READERS = {
    "unit_member": False,
    "unit_lead": False,
    "other_unit": False,
    "ai_governance": False,
    "auditor": True,
    "data_protection": False,
    "administrator": True,
}


@pytest.mark.parametrize(("viewer", "reads"), READERS.items())
def test_the_audit_trail_is_readable_exactly_where_its_page_is(org, api_for, client_for, viewer, reads) -> None:
    person = org.viewer(viewer)
    client = api_for(person)

    page = client_for(person).get(reverse("audit:log"))
    answers = [client.get(EVENTS), client.get(f"{EVENTS}/1"), client.get(VERIFY)]

    assert (page.status_code == 200) is reads
    if reads:
        assert [response.status_code for response in answers] == [200, 200, 200]
    else:
        assert [problem(response, 404)["code"] for response in answers] == ["not_found"] * 3


def test_events_carry_who_did_what_and_their_place_in_the_chain(org, api_for) -> None:
    auditor = org.viewer("auditor")
    event_record(actor=org.member, action="test.thing.done", object_type="tests.thing", object_id="7",
                 object_label="Ding", before={"a": 1}, after={"a": 2})  # fmt: skip

    item = api_for(auditor).get(EVENTS, {"action": "test.thing.done"}).json()["items"][0]

    stored = Event.objects.get(action="test.thing.done")
    assert item["seq"] == stored.seq
    assert item["actor"] == {"username": "max.member", "name": "Max Member"}
    assert (item["object_type"], item["object_id"], item["object_label"]) == ("tests.thing", "7", "Ding")
    assert (item["before"], item["after"]) == ({"a": 1}, {"a": 2})
    assert (item["hash"], item["prev_hash"]) == (stored.hash, stored.prev_hash)


def test_events_filter_by_object_actor_action_and_time(org, api_for) -> None:
    client = api_for(org.viewer("auditor"))
    event_record(actor=org.member, action="test.a", object_type="tests.thing", object_id="1")
    event_record(actor=org.lead, action="test.a", object_type="tests.thing", object_id="2")
    event_record(actor=None, action="test.b", object_type="tests.other", object_id="1")

    def found(**query) -> list[tuple[str, str]]:
        response = client.get(EVENTS, query)
        assert response.status_code == 200, response.content
        items = response.json()["items"]
        return [(item["action"], item["object_id"]) for item in items if item["action"].startswith("test.")]

    assert found(object_type="tests.thing") == [("test.a", "2"), ("test.a", "1")]
    assert found(object_type="tests.thing", object_id="1") == [("test.a", "1")]
    assert found(actor="lea.lead") == [("test.a", "2")]
    assert found(action="test.b") == [("test.b", "1")]
    future = (timezone.now() + dt.timedelta(hours=1)).isoformat()
    assert found(since=future) == []
    assert len(found(until=future)) == 3
    assert problem(client.get(EVENTS, {"actor": "niemand"}), 422)["errors"][0]["field"] == "query.actor"
    assert problem(client.get(EVENTS, {"since": "2026-01-01T00:00:00"}), 422)["errors"][0]["field"] == "query.since"


def test_events_are_paged_in_a_stable_order_and_by_sequence_number(org, api_for) -> None:
    client = api_for(org.viewer("administrator"))
    for number in range(5):
        event_record(actor=None, action="test.paged", object_type="tests.thing", object_id=str(number))

    newest = [item["object_id"] for item in client.get(EVENTS, {"action": "test.paged", "limit": 2}).json()["items"]]
    second = client.get(EVENTS, {"action": "test.paged", "limit": 2, "offset": 2}).json()
    oldest = client.get(EVENTS, {"action": "test.paged", "order": "seq", "limit": 2}).json()["items"]
    after = client.get(EVENTS, {"action": "test.paged", "order": "seq", "after_seq": oldest[-1]["seq"]}).json()

    assert newest == ["4", "3"]
    assert [item["object_id"] for item in second["items"]] == ["2", "1"] and second["count"] == 5
    assert [item["object_id"] for item in oldest] == ["0", "1"]
    assert [item["object_id"] for item in after["items"]] == ["2", "3", "4"]


def test_a_single_event_has_an_etag_and_an_unknown_one_is_not_found(org, api_for) -> None:
    client = api_for(org.viewer("auditor"))
    seq = Event.objects.order_by("-seq").values_list("seq", flat=True).first()

    read = client.get(f"{EVENTS}/{seq}")

    assert read.status_code == 200 and read.json()["seq"] == seq
    assert client.get(f"{EVENTS}/{seq}", headers={"If-None-Match": read["ETag"]}).status_code == 304
    assert problem(client.get(f"{EVENTS}/{seq + 1000}"), 404)["code"] == "not_found"


def test_events_never_contain_tokens(org, api_for) -> None:
    member = org.member
    created = api_services.token_create(actor=member, user=member, name="Skript", scope=Scope.READ, expires_in_days=5)
    api_services.token_revoke(actor=member, token=created.token)

    body = api_for(org.viewer("auditor")).get(EVENTS, {"object_type": "api.accesstoken"}).content.decode()

    assert "api.token.created" in body and "api.token.revoked" in body
    assert created.plain not in body
    assert created.token.secret_hash not in body


def test_the_chain_check_reports_an_intact_trail_and_its_head(org, api_for) -> None:
    client = api_for(org.viewer("auditor"))

    result = client.get(VERIFY).json()

    head = Event.objects.order_by("-seq").first()
    assert result["ok"] is True and result["problem"] is None
    assert (result["checked"], result["head"]) == (head.seq, f"{head.seq}:{head.hash}")
    assert client.get(VERIFY, {"head": result["head"]}).json()["ok"] is True


@pytest.fixture
def unguarded(db):
    """The append-only triggers dropped, as an attacker with database access would; back afterwards."""
    remove_guard(connection)
    yield
    install_guard(connection)


def test_the_chain_check_names_an_altered_event(org, api_for, unguarded) -> None:
    client = api_for(org.viewer("auditor"))
    victim = event_record(actor=None, action="test.victim", object_type="tests.thing", after={"amount": 10})
    Event.objects.filter(pk=victim.pk).update(after={"amount": 1})

    result = client.get(VERIFY).json()

    assert result["ok"] is False
    assert result["problem"]["seq"] == victim.seq
    assert "altered" in result["problem"]["reason"]


def test_the_chain_check_catches_events_cut_off_at_the_end(org, api_for) -> None:
    client = api_for(org.viewer("auditor"))
    head = client.get(VERIFY).json()["head"]
    seq = int(head.split(":")[0])
    longer = f"{seq + 5}:{'a' * 64}"

    assert client.get(VERIFY, {"head": longer}).json()["ok"] is False
    assert problem(client.get(VERIFY, {"head": "kein-kopf"}), 422)["errors"][0]["field"] == "query.head"
