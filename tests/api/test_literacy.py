"""``/api/v1/literacy``: courses and completions, read and maintained exactly as on the literacy pages."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.utils import timezone

from leitplanke.api.models import Scope
from leitplanke.audit.models import Event
from leitplanke.literacy import services
from leitplanke.literacy.models import Completion, Course

from .conftest import problem

pytestmark = pytest.mark.django_db

COURSES = "/api/v1/literacy/courses"
COMPLETIONS = "/api/v1/literacy/completions"


@pytest.fixture
def admin(org):
    return org.viewer("administrator")


@pytest.fixture
def course(admin) -> Course:
    return services.course_create(actor=admin, code="ai-literacy-basics", title="KI-Grundlagen", validity_months=24)


@pytest.fixture
def retired(admin) -> Course:
    return services.course_create(actor=admin, code="prompting-2023", title="Prompting 2023", active=False)


@pytest.fixture
def completion(admin, org, course) -> Completion:
    """The Buchhaltung member completed the basics course last month."""
    day = timezone.localdate() - dt.timedelta(days=30)
    return services.completion_record(actor=admin, person=org.member, course=course, completed_on=day)


def send(client, method: str, path: str, body: dict, **headers: str):
    return getattr(client, method)(path, data=json.dumps(body), content_type="application/json", headers=headers)


# --- courses ----------------------------------------------------------------------------------------


def test_everybody_reads_the_offered_courses_and_administrators_also_the_retired_ones(
    org, api_for, course, retired
) -> None:
    member = api_for(org.member).get(COURSES).json()
    admin = api_for(org.viewer("administrator")).get(COURSES).json()

    assert [item["code"] for item in member["items"]] == ["ai-literacy-basics"]
    assert [item["code"] for item in admin["items"]] == ["ai-literacy-basics", "prompting-2023"]
    assert admin["count"] == 2


def test_a_course_is_found_by_its_code_or_its_id_with_an_etag(org, api_for, course) -> None:
    client = api_for(org.member)

    by_code = client.get(f"{COURSES}/ai-literacy-basics")
    by_id = client.get(f"{COURSES}/{course.pk}")

    assert by_code.status_code == by_id.status_code == 200
    assert by_code.json() == by_id.json()
    assert by_code.json()["validity_months"] == 24
    assert client.get(f"{COURSES}/{course.pk}", headers={"If-None-Match": by_code["ETag"]}).status_code == 304


def test_a_retired_course_is_not_found_for_those_who_do_not_maintain_courses(org, api_for, retired) -> None:
    assert problem(api_for(org.member).get(f"{COURSES}/prompting-2023"), 404)["code"] == "not_found"
    assert api_for(org.viewer("administrator")).get(f"{COURSES}/prompting-2023").status_code == 200


def test_an_administrator_adds_a_course_and_its_event_is_recorded(org, api_for) -> None:
    admin = org.viewer("administrator")

    response = send(
        api_for(admin, scope=Scope.READ_WRITE), "post", COURSES,
        {"code": "KI-Recht", "title": "KI und Recht", "validity_months": 12},
    )  # fmt: skip

    assert response.status_code == 201, response.content
    assert response["ETag"]
    assert response.json()["code"] == "ki-recht"
    event = Event.objects.get(action="literacy.course.created")
    assert (event.actor_id, event.after["code"]) == (admin.pk, "ki-recht")


@pytest.mark.parametrize("viewer", ["unit_member", "unit_lead", "ai_governance", "auditor", "data_protection"])
def test_only_administrators_add_courses(org, api_for, viewer) -> None:
    client = api_for(org.viewer(viewer), scope=Scope.READ_WRITE)
    events = Event.objects.count()

    response = send(client, "post", COURSES, {"code": "x", "title": "X"})

    assert problem(response, 403)["code"] == "forbidden"
    assert not Course.objects.exists()
    assert Event.objects.count() == events


def test_a_taken_course_code_is_a_field_error(org, api_for, course) -> None:
    client = api_for(org.viewer("administrator"), scope=Scope.READ_WRITE)

    body = problem(send(client, "post", COURSES, {"code": "ai-literacy-basics", "title": "Noch einmal"}), 422)

    assert body["errors"][0]["field"] == "body.code"
    assert Course.objects.count() == 1


def test_changing_a_course_needs_the_current_etag(org, api_for, course) -> None:
    client = api_for(org.viewer("administrator"), scope=Scope.READ_WRITE)
    path = f"{COURSES}/{course.code}"
    etag = client.get(path)["ETag"]

    missing = send(client, "patch", path, {"title": "KI-Basics"})
    changed = send(client, "patch", path, {"title": "KI-Basics"}, **{"If-Match": etag})
    stale = send(client, "patch", path, {"title": "Wieder anders"}, **{"If-Match": etag})

    assert problem(missing, 428)["code"] == "precondition_required"
    assert changed.status_code == 200, changed.content
    assert changed.json()["title"] == "KI-Basics" and changed["ETag"] != etag
    assert problem(stale, 412)["code"] == "precondition_failed"
    assert Course.objects.get().title == "KI-Basics"
    assert Event.objects.filter(action="literacy.course.updated").count() == 1


def test_a_course_can_stop_expiring(org, api_for, course) -> None:
    client = api_for(org.viewer("administrator"), scope=Scope.READ_WRITE)
    path = f"{COURSES}/{course.pk}"

    response = send(client, "patch", path, {"validity_months": None}, **{"If-Match": client.get(path)["ETag"]})

    assert response.status_code == 200, response.content
    assert Course.objects.get().validity_months is None


# --- completions ------------------------------------------------------------------------------------


def test_a_person_lists_only_their_own_completions(org, api_for, admin, course, completion) -> None:
    services.completion_record(actor=admin, person=org.outsider, course=course, completed_on=timezone.localdate())

    own = api_for(org.member).get(COMPLETIONS).json()
    everybody = api_for(org.viewer("auditor")).get(COMPLETIONS).json()

    assert [item["person"]["username"] for item in own["items"]] == ["max.member"]
    assert {item["person"]["username"] for item in everybody["items"]} == {"max.member", "olga.other"}
    assert own["items"][0]["course"]["code"] == "ai-literacy-basics"
    assert own["items"][0]["valid_today"] is True


def test_completions_filter_by_person_course_and_day(org, api_for, admin, course, completion) -> None:
    client = api_for(org.viewer("ai_governance"))
    before = (completion.completed_on - dt.timedelta(days=1)).isoformat()

    assert client.get(COMPLETIONS, {"person": "max.member"}).json()["count"] == 1
    assert client.get(COMPLETIONS, {"person": "olga.other"}).json()["count"] == 0
    assert client.get(COMPLETIONS, {"course": "ai-literacy-basics"}).json()["count"] == 1
    assert client.get(COMPLETIONS, {"valid_on": before}).json()["count"] == 0
    assert problem(client.get(COMPLETIONS, {"course": "unbekannt"}), 422)["errors"][0]["field"] == "query.course"


def test_someone_elses_completion_is_not_found(org, api_for, completion) -> None:
    assert problem(api_for(org.outsider).get(f"{COMPLETIONS}/{completion.pk}"), 404)["code"] == "not_found"
    assert api_for(org.member).get(f"{COMPLETIONS}/{completion.pk}").status_code == 200


def test_an_administrator_records_a_completion_with_its_event(org, api_for, admin, course) -> None:
    day = timezone.localdate().isoformat()

    response = send(
        api_for(admin, scope=Scope.READ_WRITE), "post", COMPLETIONS,
        {"person": "olga.other", "course": "ai-literacy-basics", "completed_on": day, "note": "Zertifikat 17"},
    )  # fmt: skip

    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["person"]["username"], body["recorded_by"]["username"]) == ("olga.other", admin.username)
    assert body["valid_until"] is not None
    event = Event.objects.get(action="literacy.completion.recorded")
    assert (event.actor_id, event.object_id, event.after["note"]) == (admin.pk, str(org.outsider.pk), "Zertifikat 17")


@pytest.mark.parametrize("viewer", ["unit_member", "unit_lead", "ai_governance", "auditor"])
def test_only_administrators_record_completions(org, api_for, course, viewer) -> None:
    client = api_for(org.viewer(viewer), scope=Scope.READ_WRITE)
    events = Event.objects.count()
    body = {"person": "max.member", "course": course.code, "completed_on": timezone.localdate().isoformat()}

    response = send(client, "post", COMPLETIONS, body)

    assert problem(response, 403)["code"] == "forbidden"
    assert not Completion.objects.exists()
    assert Event.objects.count() == events


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"person": "niemand"}, "body.person"),
        ({"course": "unbekannt"}, "body.course"),
        ({"completed_on": "2999-01-01"}, "body.completed_on"),
        ({"completed_on": "gestern"}, "body.completed_on"),
    ],
)
def test_a_wrong_completion_is_a_field_error(org, api_for, course, change, field) -> None:
    body = {"person": "max.member", "course": course.code, "completed_on": timezone.localdate().isoformat()} | change

    response = send(api_for(org.viewer("administrator"), scope=Scope.READ_WRITE), "post", COMPLETIONS, body)

    assert field in [error["field"] for error in problem(response, 422)["errors"]]
    assert not Completion.objects.exists()


def test_the_same_completion_is_recorded_once(org, api_for, admin, completion) -> None:
    body = {"person": "max.member", "course": "ai-literacy-basics", "completed_on": completion.completed_on.isoformat()}

    response = send(api_for(admin, scope=Scope.READ_WRITE), "post", COMPLETIONS, body)

    assert problem(response, 422)["errors"][0]["field"] == "body.completed_on"
    assert Completion.objects.count() == 1


def test_removing_a_completion_needs_if_match_and_records_its_event(org, api_for, admin, completion) -> None:
    client = api_for(admin, scope=Scope.READ_WRITE)
    path = f"{COMPLETIONS}/{completion.pk}"

    missing = client.delete(path)
    stale = client.delete(path, headers={"If-Match": '"1-1-0000000000000000"'})
    assert problem(missing, 428)["code"] == "precondition_required"
    assert problem(stale, 412)["code"] == "precondition_failed"
    assert Completion.objects.exists()

    removed = client.delete(path, headers={"If-Match": client.get(path)["ETag"]})

    assert removed.status_code == 204
    assert not Completion.objects.exists()
    event = Event.objects.get(action="literacy.completion.removed")
    assert (event.actor_id, event.before["course"]) == (admin.pk, "ai-literacy-basics")
    assert client.get(path).status_code == 404


@pytest.mark.parametrize(("viewer", "status"), [("unit_member", 403), ("auditor", 403), ("other_unit", 404)])
def test_only_administrators_remove_completions(org, api_for, completion, viewer, status) -> None:
    etag = api_for(org.viewer("administrator")).get(f"{COMPLETIONS}/{completion.pk}")["ETag"]
    client = api_for(org.viewer(viewer), scope=Scope.READ_WRITE)
    events = Event.objects.count()

    response = client.delete(f"{COMPLETIONS}/{completion.pk}", headers={"If-Match": etag})

    problem(response, status)
    assert Completion.objects.exists()
    assert Event.objects.count() == events
