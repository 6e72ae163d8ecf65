"""The use-case services refuse whoever may not register, change or submit, whoever calls them.

Pages answer "not found" and the API 403 before a service is reached; these tests call the
services directly, as a future page, command or job would, and check that nothing is written:
no use case, no change, no audit event.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import translation

from leitplanke.audit.models import Event
from leitplanke.common.errors import PermissionDenied
from leitplanke.common.permissions import SYSTEM
from leitplanke.decisions import services as decision_services
from leitplanke.usecases import services
from leitplanke.usecases.models import Status, UseCase

from .conftest import COMPLETE_FACTS

pytestmark = pytest.mark.django_db

#: Who does not work on the Buchhaltung's use case (administrators aside: they import registers).
OUTSIDERS = ["other_unit", "ai_governance", "auditor", "data_protection"]


def _state(usecase: UseCase | None = None) -> tuple[Any, ...]:
    stored = (
        UseCase.objects.filter(pk=usecase.pk).values("title", "unit_id", "status", "version").first()
        if usecase
        else None
    )
    return (UseCase.objects.count(), Event.objects.count(), stored)


def _refused(call: Any) -> str:
    with translation.override("en"), pytest.raises(PermissionDenied) as refused:
        call()
    assert refused.value.code == "forbidden"
    return str(refused.value)


@pytest.mark.parametrize("viewer", OUTSIDERS)
def test_registering_in_a_unit_one_does_not_work_in_is_refused(org, viewer) -> None:
    actor = org.viewer(viewer)
    before = _state()

    message = _refused(
        lambda: services.usecase_create(actor=actor, title="Fremd", unit=org.team, owner=actor, **COMPLETE_FACTS)
    )

    assert message == "You can register and move use cases only in units you work in."
    assert _state() == before


def test_a_deactivated_member_cannot_register(org) -> None:
    org.member.is_active = False
    org.member.save(update_fields=["is_active"])
    before = _state()

    _refused(lambda: services.usecase_create(actor=org.member, title="Still", unit=org.team, owner=org.member))

    assert _state() == before


@pytest.mark.parametrize("viewer", OUTSIDERS)
def test_changing_someone_elses_use_case_is_refused(org, make_usecase, viewer) -> None:
    usecase = make_usecase(status=Status.DRAFT)
    before = _state(usecase)

    message = _refused(lambda: services.usecase_update(actor=org.viewer(viewer), usecase=usecase, title="Übernommen"))

    assert message == "Only the owning unit, the owner and the contributors may change this use case."
    assert _state(usecase) == before


def test_moving_a_use_case_into_a_unit_one_does_not_work_in_is_refused(org, make_usecase) -> None:
    usecase = make_usecase(status=Status.DRAFT)
    before = _state(usecase)

    message = _refused(lambda: services.usecase_update(actor=org.member, usecase=usecase, unit=org.marketing))

    assert message == "You can register and move use cases only in units you work in."
    assert _state(usecase) == before


@pytest.mark.parametrize("viewer", [*OUTSIDERS, "administrator"])
def test_submitting_someone_elses_use_case_is_refused(org, make_usecase, viewer) -> None:
    usecase = make_usecase(status=Status.DRAFT)
    before = _state(usecase)

    _refused(lambda: decision_services.usecase_submit(actor=org.viewer(viewer), usecase=usecase))

    assert _state(usecase) == before


def test_the_system_registers_and_changes_but_does_not_submit(org, make_usecase) -> None:
    usecase = services.usecase_create(actor=SYSTEM, title="Importiert", unit=org.team, owner=org.member)
    services.usecase_update(actor=SYSTEM, usecase=usecase, title="Importiert und geändert")
    before = _state(usecase)

    _refused(lambda: decision_services.usecase_submit(actor=SYSTEM, usecase=usecase))

    assert _state(usecase) == before
    assert UseCase.objects.get(pk=usecase.pk).title == "Importiert und geändert"


def test_the_owning_unit_registers_changes_and_submits(org) -> None:
    usecase = services.usecase_create(
        actor=org.member, title="Eigen", unit=org.team, owner=org.member, **COMPLETE_FACTS
    )
    services.usecase_update(actor=org.lead, usecase=usecase, title="Eigen, geändert")
    submitted = decision_services.usecase_submit(actor=org.member, usecase=UseCase.objects.get(pk=usecase.pk))

    assert submitted.status != Status.DRAFT
