"""The audit log for auditors and administrators, and a chain check from the UI."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from leitplanke.common.permissions import allowed

from .selectors import events_matching


@login_required
def log(request: HttpRequest) -> HttpResponse:
    """Every event, newest first, filterable by action and object type."""
    if not allowed(request.user, "audit.view_event"):
        raise Http404
    action = request.GET.get("action", "").strip()
    object_type = request.GET.get("object_type", "").strip()
    events = events_matching(request.user, action=action, object_type=object_type)
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    context = {"page": page, "action": action, "object_type": object_type}
    return render(request, "audit/log.html", context)
