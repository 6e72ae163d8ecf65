"""Pruning the delivery log: finished deliveries go with their attempts after the kept days; the rest stays."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.utils import timezone

from leitplanke.audit.models import Event
from leitplanke.notifications.tasks import periodic_run
from leitplanke.webhooks import services
from leitplanke.webhooks.models import Delivery, DeliveryAttempt, DeliveryStatus, Endpoint

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 12, 2, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def endpoint(governance) -> Endpoint:
    return services.endpoint_create(
        actor=governance, url="https://receiver.example.com/hook", event_types=["usecase.submitted"]
    )


@pytest.fixture
def delivery(endpoint):
    """A delivery created ``days`` before ``now`` with one attempt per entry of ``attempts_days_ago``."""

    def make(
        status: str, days: float, attempts_days_ago: tuple[float, ...] = (), *, now: dt.datetime = NOW
    ) -> Delivery:
        created = Delivery.objects.create(
            endpoint=endpoint,
            event_type="usecase.submitted",
            event_id=uuid.uuid4(),
            payload={"type": "usecase.submitted"},
            status=status,
            attempts=len(attempts_days_ago),
            delivered_at=now - dt.timedelta(days=min(attempts_days_ago, default=days))
            if status == DeliveryStatus.DELIVERED
            else None,
        )
        # ``created_at`` is set on insert; the log's history is written as it would have been.
        Delivery.objects.filter(pk=created.pk).update(created_at=now - dt.timedelta(days=days))
        for number, ago in enumerate(attempts_days_ago, start=1):
            DeliveryAttempt.objects.create(
                delivery=created,
                number=number,
                attempted_at=now - dt.timedelta(days=ago),
                http_status=200 if status == DeliveryStatus.DELIVERED else 500,
                delivered=status == DeliveryStatus.DELIVERED and number == len(attempts_days_ago),
            )
        return created

    return make


def _remaining() -> set[int]:
    return set(Delivery.objects.values_list("pk", flat=True))


def test_old_finished_deliveries_go_with_their_attempts(delivery, settings) -> None:
    # Given deliveries kept for 90 days: two finished long ago, one waiting, one delivered recently
    settings.WEBHOOK_KEEP_DAYS = 90
    delivered = delivery(DeliveryStatus.DELIVERED, 120, (120,))
    failed = delivery(DeliveryStatus.FAILED, 100, (100, 99.9, 99.8))
    pending = delivery(DeliveryStatus.PENDING, 200, (200,))
    recent = delivery(DeliveryStatus.DELIVERED, 10, (10,))

    # When the log is pruned
    deleted = services.deliveries_prune(now=NOW)

    # Then the two old finished ones are gone with all their attempts; the others stay
    assert deleted == 2
    assert _remaining() == {pending.pk, recent.pk}
    assert not DeliveryAttempt.objects.filter(delivery_id__in=[delivered.pk, failed.pk]).exists()
    assert DeliveryAttempt.objects.filter(delivery_id__in=[pending.pk, recent.pk]).count() == 2


def test_a_delivery_counts_from_its_last_attempt_not_from_its_creation(delivery, settings) -> None:
    # Given an old event that was sent again last week (and failed again)
    settings.WEBHOOK_KEEP_DAYS = 90
    resent = delivery(DeliveryStatus.FAILED, 200, (200, 199, 7))
    never_tried = delivery(DeliveryStatus.FAILED, 95)  # e.g. its endpoint was deactivated before it was sent

    assert services.deliveries_prune(now=NOW) == 1
    assert _remaining() == {resent.pk}
    assert never_tried.pk not in _remaining()


def test_the_kept_days_come_from_the_settings(delivery, settings) -> None:
    settings.WEBHOOK_KEEP_DAYS = 30
    month_and_a_half = delivery(DeliveryStatus.DELIVERED, 45, (45,))
    recent = delivery(DeliveryStatus.DELIVERED, 20, (20,))

    assert services.deliveries_prune(now=NOW) == 1
    assert _remaining() == {recent.pk}
    assert month_and_a_half.pk not in _remaining()


def test_zero_kept_days_keeps_the_log_for_ever(delivery, settings) -> None:
    settings.WEBHOOK_KEEP_DAYS = 0
    old = delivery(DeliveryStatus.DELIVERED, 1000, (1000,))

    assert services.deliveries_prune(now=NOW) == 0
    assert _remaining() == {old.pk}


def test_a_large_log_is_pruned_in_batches_and_every_old_delivery_goes(delivery, settings, monkeypatch) -> None:
    settings.WEBHOOK_KEEP_DAYS = 90
    monkeypatch.setattr(services, "PRUNE_BATCH", 3)
    old = [delivery(DeliveryStatus.FAILED, 100, (100,)) for _ in range(7)]
    kept = delivery(DeliveryStatus.PENDING, 100, (100,))

    assert services.deliveries_prune(now=NOW) == len(old)
    assert _remaining() == {kept.pk}


def test_pruning_records_no_audit_event(delivery, settings) -> None:
    settings.WEBHOOK_KEEP_DAYS = 90
    delivery(DeliveryStatus.DELIVERED, 120, (120,))
    events = Event.objects.count()

    assert services.deliveries_prune(now=NOW) == 1
    assert Event.objects.count() == events


def test_the_periodic_job_prunes_the_log_and_reports_how_many_went(delivery, settings) -> None:
    # Given a delivery finished longer ago than the kept days, and a fresh one
    settings.WEBHOOK_KEEP_DAYS = 90
    now = timezone.now()
    old = delivery(DeliveryStatus.DELIVERED, 91, (91,), now=now)
    fresh = delivery(DeliveryStatus.DELIVERED, 1, (1,), now=now)

    # When the periodic job runs (as the worker runs it)
    counts = periodic_run.call()

    # Then the old one is gone, and the job says so
    assert counts["webhook_deliveries_pruned"] == 1
    assert _remaining() == {fresh.pk}
    assert old.pk not in _remaining()
