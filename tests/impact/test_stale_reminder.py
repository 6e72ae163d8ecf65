"""The periodic job reminds the owner of a use case in production of a KPI not measured for the stale days."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone, translation

from leitplanke.common import clock
from leitplanke.impact import services
from leitplanke.impact.models import Kpi
from leitplanke.notifications.content import content_for
from leitplanke.notifications.models import Kind, Notification
from leitplanke.notifications.tasks import periodic_run
from leitplanke.usecases.models import UseCase

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("stale_after_90_days")]

DAY = dt.timedelta(days=1)


@pytest.fixture
def stale_after_90_days():
    with override_settings(LEITPLANKE_MEASUREMENT_STALE_DAYS=90):
        yield


def _in_stage(kpi: Kpi, stage: str) -> None:
    UseCase.objects.filter(pk=kpi.usecase_id).update(stage=stage)  # arranged: the lifecycle is not under test


def _measured(org: Any, kpi: Kpi, day: dt.date, value: int = 4) -> None:
    with clock.frozen_at(timezone.make_aware(dt.datetime.combine(day, dt.time(12)))):
        services.measurement_record(actor=org.member, kpi=kpi, measured_on=day, value=Decimal(value))


def _run_on(day: dt.date) -> dict[str, int]:
    with clock.frozen_at(timezone.make_aware(dt.datetime.combine(day, dt.time(6)))):
        return periodic_run.call()


def _reminders() -> list[Notification]:
    return list(Notification.objects.filter(kind=Kind.MEASUREMENT_STALE).order_by("pk"))


def test_the_owner_is_reminded_once_of_a_kpi_not_measured_for_the_stale_days(org: Any, kpi: Kpi) -> None:
    _in_stage(kpi, "production")
    today = timezone.localdate()
    _measured(org, kpi, today - 120 * DAY)

    counts = _run_on(today)
    again = _run_on(today + DAY)

    assert counts["kpis_stale"] == 1 and again["kpis_stale"] == 1
    [reminder] = _reminders()
    assert reminder.recipient == org.member
    assert reminder.usecase_id == kpi.usecase_id
    assert reminder.link == reverse("impact:kpi_detail", args=[kpi.pk])
    with translation.override("de"):
        german = content_for(reminder, "de")
    with translation.override("en"):
        english = content_for(reminder, "en")
    assert german.subject.startswith("Kennzahl seit ") and "„Bearbeitungszeit gespart“" in german.subject
    assert "zuletzt am" in german.text and "Bitte erfassen Sie" in german.text
    assert english.subject.startswith("KPI not measured since ") and "Bearbeitungszeit gespart" in english.subject


def test_a_new_measurement_starts_a_new_stale_period(org: Any, kpi: Kpi) -> None:
    _in_stage(kpi, "production")
    today = timezone.localdate()
    _measured(org, kpi, today - 300 * DAY)
    _run_on(today - 200 * DAY)
    _measured(org, kpi, today - 150 * DAY, value=6)

    fresh = _run_on(today - 100 * DAY)  # measured 50 days before: not stale
    stale_again = _run_on(today)

    assert fresh["kpis_stale"] == 0 and stale_again["kpis_stale"] == 1
    assert [r.params["last_measured_on"] for r in _reminders()] == [
        (today - 300 * DAY).isoformat(),
        (today - 150 * DAY).isoformat(),
    ]


def test_a_kpi_never_measured_is_stale_once_it_is_old_enough(org: Any, kpi: Kpi) -> None:
    _in_stage(kpi, "production")
    today = timezone.localdate()
    Kpi.objects.filter(pk=kpi.pk).update(created_at=timezone.now() - 100 * DAY)

    _run_on(today)

    [reminder] = _reminders()
    assert reminder.params["last_measured_on"] is None
    with translation.override("de"):
        assert content_for(reminder, "de").subject == "Kennzahl noch nicht gemessen: „Bearbeitungszeit gespart“"


def test_use_cases_not_in_production_are_not_reminded(org: Any, kpi: Kpi) -> None:
    _in_stage(kpi, "pilot")
    today = timezone.localdate()
    _measured(org, kpi, today - 200 * DAY)

    assert _run_on(today)["kpis_stale"] == 0
    assert _reminders() == []
