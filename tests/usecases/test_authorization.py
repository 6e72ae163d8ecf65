"""Who may see and change which use case, for every page: each viewer × a normal and a confidential
use case. Denied is "not found" (404), anonymous is sent to sign in, and a denial changes nothing."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from leitplanke.audit.models import Event
from leitplanke.usecases.models import Status, UseCase

from .conftest import COMPLETE_FACTS

pytestmark = pytest.mark.django_db

VIEWERS = [
    "unit_member",
    "unit_lead",
    "other_unit",
    "ai_governance",
    "auditor",
    "data_protection",
    "administrator",
    "anonymous",
]
#: Who reads a confidential use case (everyone signed in reads a normal one).
READS_CONFIDENTIAL = {"unit_member", "unit_lead", "ai_governance", "auditor"}
#: Who changes a use case: the owning unit (its members and lead).
EDITS = {"unit_member", "unit_lead"}
MATRIX = [(viewer, confidential) for viewer in VIEWERS for confidential in (False, True)]


def _may_read(viewer: str, confidential: bool) -> bool:
    return viewer != "anonymous" and (not confidential or viewer in READS_CONFIDENTIAL)


def _expected(viewer: str, allowed: bool, success: int) -> int:
    if viewer == "anonymous":
        return 302
    return success if allowed else 404


def _state(usecase: UseCase) -> tuple[Any, ...]:
    """Everything a denied request must leave as it was."""
    usecase = UseCase.objects.get(pk=usecase.pk)
    return (usecase.audit_snapshot(), usecase.version, Event.objects.count())


def _assert_login_redirect(response) -> None:
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.parametrize(("viewer", "confidential"), MATRIX)
def test_profile_page(viewer, confidential, org, make_usecase, client_for) -> None:
    usecase = make_usecase(confidential=confidential)

    response = client_for(org.viewer(viewer)).get(reverse("usecases:detail", args=[usecase.pk]))

    assert response.status_code == _expected(viewer, _may_read(viewer, confidential), 200)
    if viewer == "anonymous":
        _assert_login_redirect(response)


@pytest.mark.parametrize(("viewer", "confidential"), MATRIX)
def test_library_lists_only_what_the_viewer_may_read(viewer, confidential, org, make_usecase, client_for) -> None:
    make_usecase(title="Geheimes Vorhaben" if confidential else "Offenes Vorhaben", confidential=confidential)

    response = client_for(org.viewer(viewer)).get(reverse("usecases:library"))

    if viewer == "anonymous":
        _assert_login_redirect(response)
        return
    assert response.status_code == 200
    listed = [usecase.title for usecase in response.context["page"]]
    assert listed == (
        ["Geheimes Vorhaben" if confidential else "Offenes Vorhaben"] if _may_read(viewer, confidential) else []
    )


@pytest.mark.parametrize(("viewer", "confidential"), MATRIX)
def test_edit_page(viewer, confidential, org, make_usecase, client_for) -> None:
    usecase = make_usecase(confidential=confidential)

    response = client_for(org.viewer(viewer)).get(reverse("usecases:edit", args=[usecase.pk]))

    assert response.status_code == _expected(viewer, viewer in EDITS, 200)


@pytest.mark.parametrize(("viewer", "confidential"), MATRIX)
def test_saving_the_edit_form(viewer, confidential, org, make_usecase, client_for) -> None:
    usecase = make_usecase(confidential=confidential)
    before = _state(usecase)
    data = {
        "title": "Geändert",
        "summary": "",
        "problem": "",
        "unit": org.team.pk,
        "stage": "pilot",
        "contributors": "",
        "version": usecase.version,
        "confidential": "on" if confidential else "",
        **COMPLETE_FACTS,
    }

    response = client_for(org.viewer(viewer)).post(reverse("usecases:edit", args=[usecase.pk]), data)

    assert response.status_code == _expected(viewer, viewer in EDITS, 302)
    if viewer in EDITS:
        assert UseCase.objects.get(pk=usecase.pk).title == "Geändert"
    else:
        assert _state(usecase) == before


@pytest.mark.parametrize("step", ["basics", "tools", "risk", "review"])
@pytest.mark.parametrize(("viewer", "confidential"), MATRIX)
def test_intake_steps(viewer, confidential, step, org, make_usecase, client_for) -> None:
    usecase = make_usecase(confidential=confidential, status=Status.DRAFT)

    response = client_for(org.viewer(viewer)).get(reverse("usecases:intake_step", args=[usecase.pk, step]))

    assert response.status_code == _expected(viewer, viewer in EDITS, 200)


@pytest.mark.parametrize(("viewer", "confidential"), MATRIX)
def test_saving_an_intake_step(viewer, confidential, org, make_usecase, client_for) -> None:
    usecase = make_usecase(confidential=confidential, status=Status.DRAFT)
    before = _state(usecase)
    data = {"title": "Geändert", "unit": org.team.pk, "stage": "idea", "version": usecase.version}

    response = client_for(org.viewer(viewer)).post(reverse("usecases:intake_step", args=[usecase.pk, "basics"]), data)

    assert response.status_code == _expected(viewer, viewer in EDITS, 302)
    if viewer in EDITS:
        assert UseCase.objects.get(pk=usecase.pk).title == "Geändert"
    else:
        assert _state(usecase) == before


@pytest.mark.parametrize(("viewer", "confidential"), MATRIX)
def test_submitting(viewer, confidential, org, make_usecase, client_for) -> None:
    usecase = make_usecase(confidential=confidential, status=Status.DRAFT)
    before = _state(usecase)

    response = client_for(org.viewer(viewer)).post(
        reverse("usecases:intake_step", args=[usecase.pk, "review"]), {"version": usecase.version}
    )

    assert response.status_code == _expected(viewer, viewer in EDITS, 302)
    if viewer in EDITS:
        assert UseCase.objects.get(pk=usecase.pk).status == Status.AWAITING_APPROVAL
    else:
        assert _state(usecase) == before


@pytest.mark.parametrize("viewer", VIEWERS)
def test_starting_the_intake(viewer, org, client_for) -> None:
    response = client_for(org.viewer(viewer)).get(reverse("usecases:intake_start"))

    if viewer == "anonymous":
        _assert_login_redirect(response)
    else:
        assert response.status_code == 200


@pytest.mark.parametrize("viewer", VIEWERS)
def test_registering_for_a_unit_is_only_possible_for_people_who_work_in_it(viewer, org, client_for) -> None:
    before = (UseCase.objects.count(), Event.objects.count())
    data = {"title": "Neu", "unit": org.team.pk, "stage": "idea"}

    response = client_for(org.viewer(viewer)).post(reverse("usecases:intake_start"), data)

    if viewer == "anonymous":
        _assert_login_redirect(response)
    elif viewer in EDITS:
        assert response.status_code == 302
        assert UseCase.objects.get(title="Neu").unit == org.team
        return
    else:
        assert response.status_code == 200
        assert response.context["form"].errors["unit"]
    assert (UseCase.objects.count(), Event.objects.count()) == before


def test_a_contributor_from_another_unit_reads_and_edits_even_a_confidential_one(org, make_usecase, client_for) -> None:
    usecase = make_usecase(contributors=[org.outsider], confidential=True)

    client = client_for(org.outsider)

    assert client.get(reverse("usecases:detail", args=[usecase.pk])).status_code == 200
    assert client.get(reverse("usecases:edit", args=[usecase.pk])).status_code == 200


def test_an_unknown_step_is_not_found(org, make_usecase, client_for) -> None:
    usecase = make_usecase(status=Status.DRAFT)

    response = client_for(org.member).get(reverse("usecases:intake_step", args=[usecase.pk, "nonsense"]))

    assert response.status_code == 404


def test_saving_without_the_csrf_token_is_refused(org, make_usecase) -> None:
    usecase = make_usecase()
    client = Client(enforce_csrf_checks=True)
    client.force_login(org.member)
    before = _state(usecase)

    response = client.post(reverse("usecases:edit", args=[usecase.pk]), {"title": "X", "version": 1})

    assert response.status_code == 403
    assert _state(usecase) == before
