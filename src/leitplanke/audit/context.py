"""The request id of the work in progress, so that events of one request can be grouped."""

from __future__ import annotations

from contextvars import ContextVar

current_request_id: ContextVar[str] = ContextVar("leitplanke_request_id", default="")
