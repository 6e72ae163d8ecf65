"""``/api/v1/webhooks``: the endpoints AI governance configures, their delivery log, test events,
sending a failed delivery again and rotating the signing secret, as the webhook pages offer them.

Who may do this is decided where the pages decide it: ``webhooks.selectors.can_manage_webhooks``
(the company-wide role AI governance). Everybody else hears 404 for every operation, as on the
pages: the API does not reveal that webhooks exist. The writes go through ``webhooks.services``,
which check again and record the audit events (never with the secret).

The secret of a new endpoint is in the answer of ``POST /webhooks`` and nowhere else: no read
shows it again, and the ETag of that answer is the one ``GET`` gives, so it can be sent as
``If-Match`` of the next change. A rotated secret is shown the same way, once, in the answer of
``POST /webhooks/{id}/secret``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from leitplanke.common.errors import DomainError, NotFound
from leitplanke.common.transactions import write_atomic
from leitplanke.webhooks import selectors, services
from leitplanke.webhooks.models import Delivery, DeliveryAttempt, DeliveryStatus, Endpoint, EventType

from ..concurrency import object_response, representation, require_current
from ..schemas import PersonOut
from .common import DEFAULT_LIMIT, MAX_LIMIT, Text, body_fields, caller, honour_if_match, max_length, problems

router = Router(tags=["webhooks"])

_URL = max_length(Endpoint, "url")
_DESCRIPTION = max_length(Endpoint, "description")


def _governance(request: HttpRequest) -> Any:
    """The caller, if they configure webhooks; everybody else finds nothing here (as on the pages)."""
    user = caller(request)
    if not selectors.can_manage_webhooks(user):
        raise NotFound(_("Not found."))
    return user


# --- schemas ----------------------------------------------------------------------------------------


class WebhookEndpointOut(Schema):
    """An endpoint as its page shows it (never the secret)."""

    id: int
    url: str
    description: str
    event_types: list[EventType] = Field(description="The events it receives, in a fixed order.")
    active: bool = Field(description="A deactivated endpoint receives nothing; what waited for it failed.")
    created_by: PersonOut | None
    created: datetime
    updated: datetime
    version: int = Field(description="Counts the changes; the ETag contains it.")
    previous_secret_until: datetime | None = Field(
        description="After a rotation of the secret: until when every message also carries a signature made with "
        "the previous secret. Null when no previous secret signs (any more)."
    )


class WebhookEndpointItemOut(WebhookEndpointOut):
    """An endpoint in the list, with its deliveries still waiting and those that failed."""

    pending: int = Field(description="Deliveries waiting to be sent (or tried again).")
    failed: int = Field(description="Deliveries that failed after their last attempt (they can be sent again).")


class WebhookEndpointCreatedOut(WebhookEndpointOut):
    """A new endpoint, with its signing secret: shown in this answer only."""

    secret: str = Field(description="`whsec_…`: give it to the receiver. It is never shown again.")


class WebhookEndpointSecretOut(WebhookEndpointOut):
    """An endpoint whose secret was just rotated, with the new secret: shown in this answer only."""

    secret: str = Field(
        description="The new `whsec_…`: give it to the receiver. It is never shown again; the previous one "
        "still signs until `previous_secret_until`."
    )


class WebhookEndpointPage(Schema):
    """The endpoints, active first, then by address."""

    items: list[WebhookEndpointItemOut]
    count: int
    limit: int
    offset: int


class WebhookEndpointIn(Schema):
    """A new endpoint: where the events go, what it is, which events it receives."""

    url: Text = Field(max_length=_URL, description="An http:// or https:// address, without user name or password.")
    description: Text = Field("", max_length=_DESCRIPTION, description="What receives the events.")
    event_types: list[EventType] = Field(max_length=len(EventType), description="At least one event.")


class WebhookEndpointPatchIn(Schema):
    """The fields of an endpoint to change; fields left out keep their value (the secret always stays)."""

    url: Text = Field(None, max_length=_URL)  # type: ignore[assignment]
    description: Text = Field(None, max_length=_DESCRIPTION)  # type: ignore[assignment]
    event_types: list[EventType] = Field(None, max_length=len(EventType))  # type: ignore[arg-type]
    active: bool = Field(  # type: ignore[assignment]
        None, description="false deactivates it (deliveries still waiting fail), true activates it again."
    )


class WebhookAttemptOut(Schema):
    """One try to deliver: when, how long it took, what the endpoint answered."""

    number: int
    attempted_at: datetime
    duration_ms: int
    http_status: int | None = Field(description="Null when no answer came (refused, timeout, DNS, TLS …).")
    error: str
    delivered: bool


class WebhookDeliveryOut(Schema):
    """One event to the endpoint, where its delivery stands, and every attempt."""

    id: int
    event_type: str = Field(description="An event type, or `webhook.test` for a test event.")
    event_id: UUID = Field(description="The same on every attempt (the `Leitplanke-Webhook-Id` header).")
    status: DeliveryStatus
    attempt_count: int
    max_attempts: int = Field(description="Attempts allowed before it is marked failed.")
    last_status: int | None = Field(description="The HTTP status of the last attempt.")
    last_error: str
    next_attempt_at: datetime | None = Field(description="When the next attempt is due (pending only).")
    delivered_at: datetime | None
    created: datetime
    payload: dict[str, Any] = Field(description="The body sent, as docs/webhooks.md describes it.")
    attempts: list[WebhookAttemptOut] = Field(description="Every attempt, first first.")


class WebhookDeliveryPage(Schema):
    """The delivery log of an endpoint, newest first."""

    items: list[WebhookDeliveryOut]
    count: int
    limit: int
    offset: int


class WebhookListParams(Schema):
    """A page of a list."""

    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)
    offset: int = Field(0, ge=0)


# --- representations --------------------------------------------------------------------------------


def _endpoint_fields(endpoint: Endpoint) -> dict[str, Any]:
    author = endpoint.created_by
    return {
        "id": endpoint.pk,
        "url": endpoint.url,
        "description": endpoint.description,
        "event_types": list(endpoint.event_types),
        "active": endpoint.active,
        "created_by": {"username": author.username, "name": str(author)} if author is not None else None,
        "created": endpoint.created_at,
        "updated": endpoint.updated_at,
        "version": endpoint.version,
        "previous_secret_until": endpoint.previous_secret_until if endpoint.previous_secret_signs() else None,
    }


def _detail(endpoint: Endpoint) -> WebhookEndpointOut:
    return WebhookEndpointOut.model_validate(_endpoint_fields(endpoint))


def _attempt(attempt: DeliveryAttempt) -> dict[str, Any]:
    return {
        "number": attempt.number,
        "attempted_at": attempt.attempted_at,
        "duration_ms": attempt.duration_ms,
        "http_status": attempt.http_status,
        "error": attempt.error,
        "delivered": attempt.delivered,
    }


def _delivery(delivery: Delivery) -> dict[str, Any]:
    return {
        "id": delivery.pk,
        "event_type": delivery.event_type,
        "event_id": delivery.event_id,
        "status": delivery.status,
        "attempt_count": delivery.attempts,
        "max_attempts": delivery.max_attempts,
        "last_status": delivery.last_status,
        "last_error": delivery.last_error,
        "next_attempt_at": delivery.next_attempt_at,
        "delivered_at": delivery.delivered_at,
        "created": delivery.created_at,
        "payload": delivery.payload,
        # ``attempt_log`` is prefetched in the log (ordered by number); fresh objects read it once.
        "attempts": [_attempt(attempt) for attempt in delivery.attempt_log.all()],
    }


def _endpoint_response(request: HttpRequest, user: Any, endpoint_id: int, *, status: int = 200) -> HttpResponse:
    """The endpoint as it is now, read again after a change (with its new ``ETag``)."""
    endpoint = selectors.endpoint_for(user, endpoint_id)
    return object_response(request, pk=endpoint.pk, version=endpoint.version, payload=_detail(endpoint), status=status)


# --- endpoints --------------------------------------------------------------------------------------


@router.get("", response={200: WebhookEndpointPage, **problems(401, 404, 422)}, summary="List webhook endpoints")
def endpoint_list(request: HttpRequest, page: Query[WebhookListParams]) -> dict[str, Any]:
    """The endpoints, active first, then by address, each with its waiting and failed deliveries.

    For AI governance; everybody else gets ``404``, as on the page.
    """
    user = _governance(request)
    endpoints = selectors.endpoints_visible_to(user).select_related("created_by")
    items = [
        {**_endpoint_fields(endpoint), "pending": endpoint.pending_count, "failed": endpoint.failed_count}  # type: ignore[attr-defined]
        for endpoint in endpoints[page.offset : page.offset + page.limit]
    ]
    return {"items": items, "count": endpoints.count(), "limit": page.limit, "offset": page.offset}


@router.post(
    "", response={201: WebhookEndpointCreatedOut, **problems(401, 403, 404, 422)}, summary="Add a webhook endpoint"
)
def endpoint_create(request: HttpRequest, payload: WebhookEndpointIn) -> HttpResponse:
    """Add an endpoint; Leitplanke makes its signing secret (`whsec_…`, 256 random bits).

    The answer (``201`` with ``Location`` and ``ETag``) is the only place the secret is ever shown:
    store it and give it to the receiver. A wrong address (not http/https, with user name or
    password) is an error on ``body.url``, no event or an unknown one on ``body.event_types``.
    Audited as ``webhooks.endpoint.created`` (without the secret).
    """
    user = _governance(request)
    with body_fields():
        endpoint = services.endpoint_create(
            actor=user, url=payload.url, description=payload.description, event_types=payload.event_types
        )
    response = _endpoint_response(request, user, endpoint.pk, status=201)
    # The ETag stays that of the public representation (what GET gives), the body adds the secret.
    created = WebhookEndpointCreatedOut.model_validate({**_endpoint_fields(endpoint), "secret": endpoint.secret})
    response.content = representation(created)
    response["Cache-Control"] = "no-store"
    response["Location"] = f"{request.path.rstrip('/')}/{endpoint.pk}"
    return response


@router.get(
    "/{int:endpoint_id}",
    response={200: WebhookEndpointOut, 304: None, **problems(401, 404)},
    summary="Read a webhook endpoint",
)
def endpoint_read(request: HttpRequest, endpoint_id: int) -> HttpResponse:
    """One endpoint with its ``ETag`` (never the secret); ``If-None-Match`` with the current tag answers 304."""
    user = _governance(request)
    return _endpoint_response(request, user, endpoint_id)


@router.patch(
    "/{int:endpoint_id}",
    response={200: WebhookEndpointOut, **problems(401, 403, 404, 409, 412, 422, 428)},
    summary="Change a webhook endpoint",
)
def endpoint_update(request: HttpRequest, endpoint_id: int, payload: WebhookEndpointPatchIn) -> HttpResponse:
    """Change address, description, events or whether it is active; needs ``If-Match``.

    The secret stays. ``active: false`` stops all messages at once (deliveries still waiting fail);
    ``true`` resumes with the next event. Audited as ``webhooks.endpoint.updated`` and
    ``webhooks.endpoint.deactivated`` / ``activated``; a change that changes nothing records nothing.
    """
    user = _governance(request)
    endpoint = selectors.endpoint_for(user, endpoint_id)
    require_current(request, pk=endpoint.pk, version=endpoint.version, payload=_detail(endpoint))
    changes = payload.model_dump(exclude_unset=True)
    for field, value in changes.items():
        if value is None:
            raise DomainError(_("This field cannot be empty."), field=f"body.{field}", code="required")
    active = changes.pop("active", None)
    # One request, one change: the settings and the switch are saved together or not at all.
    with write_atomic(), body_fields():
        if changes:
            endpoint = services.endpoint_update(
                actor=user,
                endpoint=endpoint,
                url=changes.get("url", endpoint.url),
                description=changes.get("description", endpoint.description),
                event_types=changes.get("event_types", endpoint.event_types),
                expected_version=endpoint.version,
            )
        if active is not None:
            services.endpoint_set_active(
                actor=user, endpoint=endpoint, active=active, expected_version=endpoint.version
            )
    return _endpoint_response(request, user, endpoint.pk)


@router.post(
    "/{int:endpoint_id}/test",
    response={202: WebhookDeliveryOut, **problems(401, 403, 404, 412, 422)},
    summary="Send a test event",
)
def endpoint_test(request: HttpRequest, endpoint_id: int) -> Status[dict[str, Any]]:
    """Send the endpoint a `webhook.test` event, whatever it subscribed to, to check address and signature.

    Answers ``202`` with the new delivery: the worker sends it; the delivery log shows how it was
    answered. An inactive endpoint is ``422`` (reason ``inactive``). Honours ``If-Match`` (the
    endpoint's ETag) when sent. Audited as ``webhooks.endpoint.tested``.
    """
    user = _governance(request)
    endpoint = selectors.endpoint_for(user, endpoint_id)
    honour_if_match(request, pk=endpoint.pk, version=endpoint.version, payload=_detail(endpoint))
    with body_fields():
        delivery = services.endpoint_test(actor=user, endpoint=endpoint)
    return Status(202, _delivery(delivery))


@router.post(
    "/{int:endpoint_id}/secret",
    response={200: WebhookEndpointSecretOut, **problems(401, 403, 404, 409, 412)},
    summary="Rotate a webhook endpoint's secret",
)
def endpoint_rotate_secret(request: HttpRequest, endpoint_id: int) -> HttpResponse:
    """Give the endpoint a new signing secret; the answer is the only place it is ever shown.

    The previous secret keeps signing beside the new one until ``previous_secret_until``
    (``LEITPLANKE_WEBHOOK_SECRET_GRACE_HOURS`` after now): every message carries both signatures,
    the new one first, so the receiver accepts either while it is switched over. Honours
    ``If-Match`` (the endpoint's ETag) when sent; the answer's ``ETag`` is the one ``GET`` gives.
    Audited as ``webhooks.endpoint.secret_rotated`` (without either secret).
    """
    user = _governance(request)
    endpoint = selectors.endpoint_for(user, endpoint_id)
    honour_if_match(request, pk=endpoint.pk, version=endpoint.version, payload=_detail(endpoint))
    with body_fields():
        endpoint = services.endpoint_rotate_secret(actor=user, endpoint=endpoint, expected_version=endpoint.version)
    response = _endpoint_response(request, user, endpoint.pk)
    # As after creation: the ETag is that of the public representation, the body adds the secret.
    rotated = WebhookEndpointSecretOut.model_validate({**_endpoint_fields(endpoint), "secret": endpoint.secret})
    response.content = representation(rotated)
    response["Cache-Control"] = "no-store"
    return response


# --- the delivery log -------------------------------------------------------------------------------


@router.get(
    "/{int:endpoint_id}/deliveries",
    response={200: WebhookDeliveryPage, **problems(401, 404, 422)},
    summary="List an endpoint's deliveries",
)
def delivery_list(request: HttpRequest, endpoint_id: int, page: Query[WebhookListParams]) -> dict[str, Any]:
    """The delivery log of an endpoint, newest first, each delivery with every attempt."""
    user = _governance(request)
    deliveries = selectors.deliveries_of(selectors.endpoint_for(user, endpoint_id))
    items = [_delivery(delivery) for delivery in deliveries[page.offset : page.offset + page.limit]]
    return {"items": items, "count": deliveries.count(), "limit": page.limit, "offset": page.offset}


@router.post(
    "/{int:endpoint_id}/deliveries/{int:delivery_id}/redeliver",
    response={202: WebhookDeliveryOut, **problems(401, 403, 404, 422)},
    summary="Send a failed delivery again",
)
def delivery_redeliver(request: HttpRequest, endpoint_id: int, delivery_id: int) -> Status[dict[str, Any]]:
    """Send a failed delivery again: the same event (same id, same body) with a new round of attempts.

    Answers ``202`` with the delivery, pending again. A delivery that did not fail is ``422``
    (reason ``state``), one of an inactive endpoint too (reason ``inactive``). Audited as
    ``webhooks.delivery.redelivered``.
    """
    user = _governance(request)
    endpoint = selectors.endpoint_for(user, endpoint_id)
    delivery = selectors.delivery_for(user, endpoint, delivery_id)
    with body_fields():
        delivery = services.delivery_redeliver(actor=user, delivery=delivery)
    return Status(202, _delivery(delivery))
