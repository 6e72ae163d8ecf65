"""Writes of webhooks: configure endpoints, emit events, deliver them with retries.

``event_emit`` is called inside the transaction of the change it reports: it writes one
``Delivery`` per active endpoint subscribed to the event type, and hands them to the worker only
when that transaction commits, so a rolled-back change is told to nobody. Like e-mail
notifications (docs/decisions/0007), the retries are ours: a failed attempt is logged and the
delivery enqueues itself again 1, 2, 4 … minutes later, up to ``WEBHOOK_ATTEMPTS``. The endpoint
configuration is audited; deliveries are messages about audited changes, their log is their own,
and ``deliveries_prune`` (run by the periodic job) deletes the finished ones after ``WEBHOOK_KEEP_DAYS``.
"""

from __future__ import annotations

import datetime as dt
import http.client
import json
import logging
import secrets
import socket
import ssl
import time
import uuid
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.db import IntegrityError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from leitplanke.audit.services import event_record
from leitplanke.common import clock
from leitplanke.common.actors import Actor, acting_person
from leitplanke.common.background import enqueue_later, enqueue_with_change, retry_delay
from leitplanke.common.errors import DomainError, full_clean
from leitplanke.common.permissions import check
from leitplanke.common.transactions import write_atomic
from leitplanke.common.versioning import check_version

from . import targets
from .models import TEST_EVENT, Delivery, DeliveryAttempt, DeliveryStatus, Endpoint, EventType
from .signing import signed_headers

logger = logging.getLogger(__name__)

#: Seconds to wait for an endpoint's answer.
TIMEOUT = 10
#: The longest error text kept per attempt.
ERROR_LENGTH = 300
#: Deliveries deleted per transaction when old ones are pruned.
PRUNE_BATCH = 500


# --- emitting ---------------------------------------------------------------------------------------


def body_of(payload: dict[str, Any]) -> str:
    """The request body of a delivery: its payload as compact JSON (the same bytes on every attempt)."""
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def _envelope(event_type: str, data: dict[str, Any], event_id: uuid.UUID) -> dict[str, Any]:
    return {
        "id": str(event_id),
        "type": event_type,
        "created": clock.now().astimezone(dt.UTC).isoformat().replace("+00:00", "Z"),
        "data": data,
    }


def event_emit(
    event_type: str, data: dict[str, Any] | Callable[[], dict[str, Any]], *, key: str = ""
) -> list[Delivery]:
    """Queue ``event_type`` with ``data`` for every active endpoint subscribed to it; returns the new deliveries.

    ``data`` may be a function that builds it: it is called only if an endpoint wants the event,
    so the domain pays nothing for webhooks nobody configured. With ``key``, the event happens
    once per endpoint (the periodic job reports an overdue obligation on every run; the key makes
    it one message). Every endpoint gets the same event id.
    """
    if event_type not in EventType.values:
        raise ValueError(f"Unknown webhook event type {event_type!r}")
    # A handful of endpoints at most, and SQLite cannot search inside JSON lists: filter here.
    endpoints = [e for e in Endpoint.objects.filter(active=True) if event_type in e.event_types]
    if key and endpoints:
        done = set(Delivery.objects.filter(key=key, endpoint__in=endpoints).values_list("endpoint_id", flat=True))
        endpoints = [e for e in endpoints if e.pk not in done]
    if not endpoints:
        return []
    payload = _envelope(event_type, data() if callable(data) else data, uuid.uuid4())
    return _queue(endpoints, event_type, payload, key=key)


def _queue(endpoints: Iterable[Endpoint], event_type: str, payload: dict[str, Any], *, key: str = "") -> list[Delivery]:
    created: list[Delivery] = []
    for endpoint in endpoints:
        try:
            with write_atomic():
                created.append(
                    Delivery.objects.create(
                        endpoint=endpoint,
                        event_type=event_type,
                        event_id=payload["id"],
                        key=key,
                        payload=payload,
                        max_attempts=max(settings.WEBHOOK_ATTEMPTS, 1),
                        next_attempt_at=timezone.now(),
                    )
                )
        except IntegrityError:  # written by a concurrent run of the same job
            continue
    ids = [delivery.pk for delivery in created]
    if ids:
        enqueue_with_change(lambda: _enqueue(ids))
    return created


def _enqueue(ids: list[int], *, delay: dt.timedelta | None = None) -> None:
    from .tasks import deliver_webhook

    for pk in ids:
        enqueue_later(deliver_webhook, pk, delay=delay)


# --- delivering -------------------------------------------------------------------------------------


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """An HTTP connection to an address checked beforehand: no second DNS lookup (rebinding)."""

    def __init__(self, target: targets.Target, *, timeout: float) -> None:
        super().__init__(target.host, target.port, timeout=timeout)
        self._address = target.address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """An HTTPS connection to an address checked beforehand; the certificate is checked for the host name."""

    def __init__(self, target: targets.Target, *, timeout: float) -> None:
        super().__init__(target.host, target.port, timeout=timeout, context=ssl.create_default_context())
        self._address = target.address

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)  # type: ignore[attr-defined]


def _post(url: str, body: bytes, headers: dict[str, str]) -> int:
    """POST ``body`` to ``url``; the HTTP status, or an exception for a refused target or a network problem.

    The host is resolved once and every address checked (``targets.target_for``); the connection
    goes to that address. Redirects are not followed (the POST is not repeated elsewhere), and the
    answer's body is read only to end the exchange: it is never kept.
    """
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):  # the model allows no other; never open file: or the like
        raise ValueError("Webhooks go to http and https addresses only.")
    target = targets.target_for(url)
    connection_class = _PinnedHTTPSConnection if parts.scheme == "https" else _PinnedHTTPConnection
    connection = connection_class(target, timeout=TIMEOUT)
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    try:
        connection.request(
            "POST",
            path,
            body=body,
            headers={
                "Content-Type": "application/json; charset=utf-8",
                "User-Agent": "Leitplanke-Webhooks/1",
                **headers,
            },
        )
        response = connection.getresponse()
        response.read(1024)
        return int(response.status)
    finally:
        connection.close()


def failure_text(exc: BaseException) -> str:
    """What the delivery log says about a failed attempt: a kind of failure, never what the other side sent.

    Exception texts can carry the answer of whatever listens there (an SSH banner in a bad status
    line, a server's TLS alert); the log keeps only the kind, so it cannot be used to scan a network.
    """
    if isinstance(exc, targets.TargetRefused):
        return _("Refused: the address points into an internal network.")
    if isinstance(exc, socket.gaierror):
        return _("The host name could not be resolved.")
    if isinstance(exc, TimeoutError | socket.timeout):
        return _("No answer in time.")
    if isinstance(exc, ConnectionRefusedError):
        return _("The connection was refused.")
    if isinstance(exc, ssl.SSLError | ssl.CertificateError):
        return _("The TLS connection failed (certificate or handshake).")
    if isinstance(exc, http.client.HTTPException):
        return _("The answer was not a valid HTTP response.")
    if isinstance(exc, OSError):
        return _("The connection failed.")
    return _("The delivery failed.")


def delivery_deliver(delivery_id: int) -> str:
    """Send one delivery; on failure try again later, up to its allowed attempts.

    No lock is held while the endpoint is talked to (on SQLite that would stop every writer); the
    worker runs each task once, and the result is stored only if nobody recorded one meanwhile.
    Returns what happened (``delivered``, ``retry``, ``failed`` or ``skipped``), for the task log.
    """
    delivery = Delivery.objects.select_related("endpoint").filter(pk=delivery_id).first()
    if delivery is None or delivery.status != DeliveryStatus.PENDING:
        return "skipped"
    same = Delivery.objects.filter(pk=delivery_id, status=DeliveryStatus.PENDING, attempts=delivery.attempts)
    endpoint = delivery.endpoint
    if not endpoint.active:
        same.update(
            status=DeliveryStatus.FAILED,
            next_attempt_at=None,
            last_error=_("The endpoint was deactivated.")[:ERROR_LENGTH],
        )
        return "skipped"
    attempts = delivery.attempts + 1
    body = body_of(delivery.payload).encode("utf-8")
    started, started_monotonic = timezone.now(), time.monotonic()
    http_status: int | None = None
    error = ""
    try:
        headers = signed_headers(endpoint.signing_secrets(), str(delivery.event_id), body)
        http_status = _post(endpoint.url, body, headers)
        if not 200 <= http_status < 300:
            error = f"HTTP {http_status}"
    except Exception as exc:  # noqa: BLE001 - any delivery problem: refused, timeout, DNS, TLS, ...
        error = failure_text(exc)
        refused = isinstance(exc, targets.TargetRefused)
    else:
        refused = False
    error = error[:ERROR_LENGTH]
    duration = int((time.monotonic() - started_monotonic) * 1000)
    delivered = not error
    # A refused target is not tried again: only a change of the address (or the allow-list) helps.
    last = not delivered and (refused or attempts >= delivery.max_attempts)
    status = DeliveryStatus.DELIVERED if delivered else DeliveryStatus.FAILED if last else DeliveryStatus.PENDING
    delay = None if delivered or last else retry_delay(attempts)
    with write_atomic():
        stored = same.update(
            attempts=attempts,
            status=status,
            last_status=http_status,
            last_error=error,
            delivered_at=timezone.now() if delivered else None,
            next_attempt_at=timezone.now() + delay if delay is not None else None,
        )
        if stored:
            DeliveryAttempt.objects.create(
                delivery_id=delivery_id,
                number=attempts,
                attempted_at=started,
                duration_ms=duration,
                http_status=http_status,
                error=error,
                delivered=delivered,
            )
    if not stored:
        return "skipped"
    if delivered:
        return "delivered"
    logger.warning("Webhook delivery %s failed (attempt %s): %s", delivery_id, attempts, error)
    if last:
        return "failed"
    _enqueue([delivery_id], delay=delay)
    return "retry"


# --- configuring (AI governance) --------------------------------------------------------------------


def _clean_event_types(event_types: Iterable[str]) -> list[str]:
    chosen = set(event_types)
    unknown = chosen - set(EventType.values)
    if unknown:
        raise DomainError(_("Choose events from the list."), field="event_types")
    if not chosen:
        raise DomainError(_("Choose at least one event."), field="event_types")
    return [code for code in EventType.values if code in chosen]


def _clean_url(url: str) -> str:
    url = url.strip()
    try:
        credentials = urlsplit(url).username is not None
    except ValueError:  # not an address at all: the URL validation says so
        return url
    if credentials:
        raise DomainError(
            _("Leave the user name and password out of the address: the signature shows the receiver who sent it."),
            field="url",
        )
    targets.check_url(url)
    return url


def new_secret() -> str:
    """A fresh signing secret (256 random bits)."""
    return f"whsec_{secrets.token_urlsafe(32)}"


@write_atomic
def endpoint_create(*, actor: Actor, url: str, event_types: Iterable[str], description: str = "") -> Endpoint:
    """Add an endpoint with a new secret; the caller shows the secret once (it is never audited)."""
    check(actor, "webhooks.manage_endpoint")
    endpoint = Endpoint(
        url=_clean_url(url),
        description=description.strip(),
        event_types=_clean_event_types(event_types),
        secret=new_secret(),
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    full_clean(endpoint, titles=["description"])
    endpoint.save()
    event_record(actor=actor, action="webhooks.endpoint.created", target=endpoint, after=endpoint.audit_snapshot())
    return endpoint


def _locked(endpoint: Endpoint) -> Endpoint:
    return Endpoint.objects.select_for_update().get(pk=endpoint.pk)


@write_atomic
def endpoint_update(
    *,
    actor: Actor,
    endpoint: Endpoint,
    url: str,
    event_types: Iterable[str],
    description: str = "",
    expected_version: int | None = None,
) -> Endpoint:
    """Change an endpoint's address, description and events (the secret stays)."""
    check(actor, "webhooks.manage_endpoint")
    endpoint = _locked(endpoint)
    check_version(endpoint, expected_version)
    before = endpoint.audit_snapshot()
    endpoint.url, endpoint.description = _clean_url(url), description.strip()
    endpoint.event_types = _clean_event_types(event_types)
    full_clean(endpoint, titles=["description"])
    if endpoint.audit_snapshot() != before:
        endpoint.version += 1
        endpoint.updated_at = clock.now()
        endpoint.save()
        event_record(
            actor=actor,
            action="webhooks.endpoint.updated",
            target=endpoint,
            before=before,
            after=endpoint.audit_snapshot(),
        )
    return endpoint


@write_atomic
def endpoint_set_active(
    *, actor: Actor, endpoint: Endpoint, active: bool, expected_version: int | None = None
) -> Endpoint:
    """Deactivate an endpoint (it receives nothing more; what waits for it fails) or activate it again."""
    check(actor, "webhooks.manage_endpoint")
    endpoint = _locked(endpoint)
    check_version(endpoint, expected_version)
    if endpoint.active == active:
        return endpoint
    before = endpoint.audit_snapshot()
    endpoint.active = active
    endpoint.version += 1
    endpoint.updated_at = clock.now()
    endpoint.save(update_fields=["active", "version", "updated_at"])
    action = "webhooks.endpoint.activated" if active else "webhooks.endpoint.deactivated"
    event_record(actor=actor, action=action, target=endpoint, before=before, after=endpoint.audit_snapshot())
    return endpoint


def secret_grace_hours() -> int:
    """Hours a rotated-out secret still signs (``LEITPLANKE_WEBHOOK_SECRET_GRACE_HOURS``; 0: none)."""
    return max(settings.WEBHOOK_SECRET_GRACE_HOURS, 0)


@write_atomic
def endpoint_rotate_secret(*, actor: Actor, endpoint: Endpoint, expected_version: int | None = None) -> Endpoint:
    """Give an endpoint a new secret; the old one keeps signing beside it for ``WEBHOOK_SECRET_GRACE_HOURS``.

    During that grace period every attempt carries both signatures (the new one first), so the
    receiver accepts the messages while it is switched over to the new secret. A secret still in
    its grace period from an earlier rotation stops signing now. The caller shows the new secret
    once; neither secret is written to the audit trail.
    """
    check(actor, "webhooks.manage_endpoint")
    endpoint = _locked(endpoint)
    check_version(endpoint, expected_version)
    before = endpoint.audit_snapshot()
    grace = dt.timedelta(hours=secret_grace_hours())
    if grace:
        endpoint.previous_secret, endpoint.previous_secret_until = endpoint.secret, timezone.now() + grace
    else:
        endpoint.previous_secret, endpoint.previous_secret_until = "", None
    endpoint.secret = new_secret()
    endpoint.version += 1
    endpoint.updated_at = clock.now()
    endpoint.save(update_fields=["secret", "previous_secret", "previous_secret_until", "version", "updated_at"])
    event_record(
        actor=actor,
        action="webhooks.endpoint.secret_rotated",
        target=endpoint,
        before=before,
        after={**endpoint.audit_snapshot(), "previous_secret_until": endpoint.previous_secret_until},
    )
    return endpoint


@write_atomic
def endpoint_test(*, actor: Actor, endpoint: Endpoint) -> Delivery:
    """Send a test event to one endpoint, whatever it subscribed to, to check address and signature."""
    check(actor, "webhooks.manage_endpoint")
    endpoint = _locked(endpoint)
    if not endpoint.active:
        raise DomainError(_("Activate the endpoint before sending it a test event."), code="inactive")
    data = {"endpoint": {"id": endpoint.pk}, "sent_by": {"username": acting_person(actor).username}}
    (delivery,) = _queue([endpoint], TEST_EVENT, _envelope(TEST_EVENT, data, uuid.uuid4()))
    event_record(
        actor=actor, action="webhooks.endpoint.tested", target=endpoint, after={"event_id": str(delivery.event_id)}
    )
    return delivery


@write_atomic
def delivery_redeliver(*, actor: Actor, delivery: Delivery) -> Delivery:
    """Try a failed delivery again: the same event (same id and payload), with a new round of attempts."""
    check(actor, "webhooks.manage_endpoint")
    delivery = Delivery.objects.select_for_update().select_related("endpoint").get(pk=delivery.pk)
    if delivery.status != DeliveryStatus.FAILED:
        raise DomainError(_("Only a failed delivery is sent again."), code="state")
    if not delivery.endpoint.active:
        raise DomainError(_("Activate the endpoint before sending to it again."), code="inactive")
    before = delivery.audit_snapshot()
    delivery.status = DeliveryStatus.PENDING
    delivery.max_attempts = delivery.attempts + max(settings.WEBHOOK_ATTEMPTS, 1)
    delivery.next_attempt_at = timezone.now()
    delivery.save(update_fields=["status", "max_attempts", "next_attempt_at"])
    event_record(
        actor=actor,
        action="webhooks.delivery.redelivered",
        target=delivery.endpoint,
        before=before,
        after=delivery.audit_snapshot(),
    )
    enqueue_with_change(lambda: _enqueue([delivery.pk]))
    return delivery


# --- housekeeping -----------------------------------------------------------------------------------


def deliveries_prune(*, now: dt.datetime | None = None) -> int:
    """Delete finished deliveries (delivered or failed) with their attempts once their last activity is
    older than ``WEBHOOK_KEEP_DAYS`` (0 keeps them for ever); returns how many deliveries went.

    Pending deliveries always stay. The last activity is the delivery's creation, its delivery or
    its latest attempt, whichever came last (a delivery sent again counts from its new attempts).
    Deletes in batches of ``PRUNE_BATCH``, each in its own transaction, so a large log holds no
    long lock. No audit event: deliveries are a log of messages about audited changes, not part
    of the audit trail, and pruning them is housekeeping of that log.
    """
    keep_days = settings.WEBHOOK_KEEP_DAYS
    if keep_days <= 0:
        return 0
    cutoff = (now or timezone.now()) - dt.timedelta(days=keep_days)
    old = (
        Delivery.objects.filter(status__in=[DeliveryStatus.DELIVERED, DeliveryStatus.FAILED], created_at__lt=cutoff)
        .filter(Q(delivered_at__isnull=True) | Q(delivered_at__lt=cutoff))
        .exclude(attempt_log__attempted_at__gte=cutoff)
    )
    deleted = 0
    while True:
        with write_atomic():
            # Locked, and skipped when locked: a delivery someone sends again right now is left alone.
            locked = old.select_for_update(skip_locked=True).order_by("pk")
            batch = list(locked.values_list("pk", flat=True)[:PRUNE_BATCH])
            if not batch:
                break
            _, per_model = Delivery.objects.filter(pk__in=batch).delete()
        deleted += per_model.get(Delivery._meta.label, 0)
        if len(batch) < PRUNE_BATCH:
            break
    return deleted
