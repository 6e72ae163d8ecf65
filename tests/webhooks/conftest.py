"""Fixtures of the webhook tests: the decision tests' company, a local receiver, and endpoints."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from leitplanke.webhooks import services
from leitplanke.webhooks.models import Endpoint, EventType

from ..decisions.conftest import *  # noqa: F403 (the decision tests' company, reviewers and facts)
from .consumer import Consumer


@pytest.fixture
def consumer(settings) -> Iterator[Consumer]:
    """A webhook receiver on a free loopback port, which the operator allows as an internal host."""
    settings.WEBHOOK_ALLOWED_HOSTS = ["127.0.0.1"]
    receiver = Consumer()
    receiver.start()
    try:
        yield receiver
    finally:
        receiver.stop()


@pytest.fixture
def governance(org) -> Any:
    """The AI-governance person of the company."""
    return org.role_holders["ai_governance"]


@pytest.fixture
def make_endpoint(governance, consumer) -> Callable[..., Endpoint]:
    """An endpoint pointing at the receiver (which learns its secret), created through the service."""

    def make(event_types: list[str] | None = None, *, url: str | None = None, **fields: Any) -> Endpoint:
        endpoint = services.endpoint_create(
            actor=governance, url=url or consumer.url, event_types=event_types or list(EventType.values), **fields
        )
        consumer.secret = endpoint.secret
        return endpoint

    return make
