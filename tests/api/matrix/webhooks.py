"""Matrix rows of ``/api/v1/webhooks``.

Webhooks are AI governance's (``webhooks.selectors.can_manage_webhooks``: the company-wide role,
not administrators). Everybody else gets 404 for every operation, as on the pages: the API does
not reveal that an endpoint exists, so a denied caller never reaches the 403 of the services.
"""

from __future__ import annotations

from typing import Any

from . import Call, Operation, everyone

BASE = "/api/v1/webhooks"


def governance_only(status: int) -> dict[str, int]:
    """``status`` for AI governance, 404 for every other signed-in caller."""
    return everyone(404, ai_governance=status)


def endpoint(world: Any, **fields: Any) -> Any:
    """An endpoint created by AI governance through the service (it sends nowhere in the tests)."""
    from leitplanke.webhooks import services

    fields = {"url": "https://hooks.example.com/leitplanke", "event_types": ["usecase.submitted"]} | fields
    return services.endpoint_create(actor=world.person("ai_governance"), **fields)


def failed_delivery(world: Any) -> Any:
    """A test event to a new endpoint whose attempts all failed."""
    from leitplanke.webhooks import services
    from leitplanke.webhooks.models import Delivery, DeliveryStatus

    delivery = services.endpoint_test(actor=world.person("ai_governance"), endpoint=endpoint(world))
    Delivery.objects.filter(pk=delivery.pk).update(status=DeliveryStatus.FAILED, attempts=1, last_error="HTTP 500")
    return delivery


def _patch(world: Any, body: dict[str, Any]) -> Call:
    path = f"{BASE}/{endpoint(world).pk}"
    return Call(path, body, {"If-Match": world.etag(path)})


def _inactive_test(world: Any) -> Call:
    from leitplanke.webhooks import services

    item = services.endpoint_set_active(actor=world.person("ai_governance"), endpoint=endpoint(world), active=False)
    return Call(f"{BASE}/{item.pk}/test")


def _stale_rotation(world: Any) -> Call:
    from leitplanke.webhooks import services

    item = endpoint(world)
    path = f"{BASE}/{item.pk}"
    stale = world.etag(path)
    services.endpoint_rotate_secret(actor=world.person("ai_governance"), endpoint=item)
    return Call(f"{path}/secret", headers={"If-Match": stale})


def _redeliver(delivery: Any) -> Call:
    return Call(f"{BASE}/{delivery.endpoint_id}/deliveries/{delivery.pk}/redeliver")


def _delivered(world: Any) -> Any:
    from leitplanke.webhooks.models import Delivery, DeliveryStatus

    delivery = failed_delivery(world)
    Delivery.objects.filter(pk=delivery.pk).update(status=DeliveryStatus.DELIVERED)
    return delivery


OPERATIONS = [
    Operation("GET", BASE, governance_only(200), lambda world: Call(BASE)),
    Operation(
        "POST",
        BASE,
        governance_only(201),
        lambda world: Call(BASE, {"url": "https://chat.example.com/hook", "event_types": ["review.decided"]}),
    ),
    Operation(
        "GET", f"{BASE}/{{endpoint_id}}", governance_only(200), lambda world: Call(f"{BASE}/{endpoint(world).pk}")
    ),
    Operation("GET", f"{BASE}/{{endpoint_id}}", everyone(404), lambda world: Call(f"{BASE}/999999")),
    Operation(
        "PATCH",
        f"{BASE}/{{endpoint_id}}",
        governance_only(200),
        lambda world: _patch(world, {"description": "Ticketsystem", "active": False}),
    ),
    Operation(
        "POST",
        f"{BASE}/{{endpoint_id}}/test",
        governance_only(202),
        lambda world: Call(f"{BASE}/{endpoint(world).pk}/test"),
    ),
    # A deactivated endpoint gets no test event: a rule of the service, for the one who may ask.
    Operation("POST", f"{BASE}/{{endpoint_id}}/test", governance_only(422), _inactive_test),
    Operation(
        "POST",
        f"{BASE}/{{endpoint_id}}/secret",
        governance_only(200),
        lambda world: Call(f"{BASE}/{endpoint(world).pk}/secret"),
    ),
    # A rotation by someone else since the caller read the endpoint: its If-Match is stale.
    Operation("POST", f"{BASE}/{{endpoint_id}}/secret", governance_only(412), _stale_rotation),
    Operation(
        "GET",
        f"{BASE}/{{endpoint_id}}/deliveries",
        governance_only(200),
        lambda world: Call(f"{BASE}/{failed_delivery(world).endpoint_id}/deliveries"),
    ),
    Operation(
        "POST",
        f"{BASE}/{{endpoint_id}}/deliveries/{{delivery_id}}/redeliver",
        governance_only(202),
        lambda world: _redeliver(failed_delivery(world)),
    ),
    # Only a failed delivery is sent again.
    Operation(
        "POST",
        f"{BASE}/{{endpoint_id}}/deliveries/{{delivery_id}}/redeliver",
        governance_only(422),
        lambda world: _redeliver(_delivered(world)),
    ),
]
