"""Fixtures of the guardrail tests: the registry's small company, its people, tools and use cases."""

from __future__ import annotations

from ..usecases.conftest import Org, client_for, make_usecase, org, tools

__all__ = ["Org", "client_for", "make_usecase", "org", "tools"]
