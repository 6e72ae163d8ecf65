"""Who may do what with the tool catalogue, and the reads that depend on it.

The catalogue is readable by every signed-in person: everyone needs to know which tools they may
use for which data. AI governance (company-wide) and administrators maintain it and decide tool
requests. A request is seen by the person who asked, by those who decide, and by auditors.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from leitplanke.org.models import Role
from leitplanke.org.selectors import has_role, is_administrator, is_auditor

from .models import Tool, ToolRequest, ToolRequestStatus


def _signed_in(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active)


def can_maintain_catalog(user: Any) -> bool:
    """AI governance company-wide, or an administrator, maintains the catalogue and decides requests."""
    return has_role(user, Role.AI_GOVERNANCE) or is_administrator(user)


def can_read_all_requests(user: Any) -> bool:
    """Those who decide requests read all of them; so do auditors (read-only)."""
    return can_maintain_catalog(user) or is_auditor(user)


def tools_visible_to(user: Any) -> QuerySet[Tool]:
    """The whole catalogue for every signed-in active person, nothing for anyone else."""
    if not _signed_in(user):
        return Tool.objects.none()
    return Tool.objects.all()


def tools_matching(user: Any, *, q: str = "", status: str = "", kind: str = "") -> QuerySet[Tool]:
    """The catalogue page's filters: a word in name or vendor, a status, a kind (empty: any)."""
    tools = tools_visible_to(user)
    q = q.strip()
    if q:
        tools = tools.filter(Q(name__icontains=q) | Q(vendor__icontains=q))
    if status:
        tools = tools.filter(status=status)
    if kind:
        tools = tools.filter(kind=kind)
    return tools


def tool_requests_visible_to(user: Any) -> QuerySet[ToolRequest]:
    """A person's own requests; every request for governance, administrators and auditors."""
    if not _signed_in(user):
        return ToolRequest.objects.none()
    requests = ToolRequest.objects.select_related("requested_by", "decided_by", "tool")
    if can_read_all_requests(user):
        return requests
    return requests.filter(requested_by=user)


def tool_requests_of(user: Any) -> QuerySet[ToolRequest]:
    """The requests ``user`` made, newest first ("My tool requests")."""
    return tool_requests_visible_to(user).filter(requested_by=user)


def open_tool_requests_count(user: Any) -> int:
    """How many requests wait for a decision, for those who decide (0 for everyone else)."""
    if not can_maintain_catalog(user):
        return 0
    return ToolRequest.objects.filter(status=ToolRequestStatus.OPEN).count()
