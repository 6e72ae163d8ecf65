"""The clock of writes: a frozen time stamps the audit events of its own thread, and only those."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.utils import timezone

from leitplanke.audit.models import Event
from leitplanke.audit.services import event_record
from leitplanke.common import clock

pytestmark = pytest.mark.django_db

MOMENT = dt.datetime(2026, 3, 2, 9, 30, tzinfo=dt.UTC)


def record(label: str) -> Event:
    return event_record(actor=None, action="test.clock", object_type="test.clock", object_id=label, object_label=label)


def test_an_event_recorded_in_a_frozen_time_carries_that_time_and_other_threads_keep_the_real_one() -> None:
    # Given a thread that reads the clock while this one has frozen it
    seen: list[dt.datetime] = []
    with clock.frozen_at(MOMENT):
        other = threading.Thread(target=lambda: seen.append(clock.now()))
        other.start()
        other.join()
        # When an event is recorded in the frozen time
        replayed = record("replayed")
    # Then it carries the frozen time; the other thread and everything after the block have the real one
    assert replayed.created_at == MOMENT
    assert clock.localdate() == timezone.localdate()
    assert seen[0] > MOMENT
    assert record("today").created_at > MOMENT
    assert Event.objects.get(object_id="replayed").created_at == MOMENT


def test_a_naive_time_cannot_be_frozen() -> None:
    with pytest.raises(ValueError), clock.frozen_at(dt.datetime(2026, 3, 2, 9, 30)):  # noqa: DTZ001
        pass
