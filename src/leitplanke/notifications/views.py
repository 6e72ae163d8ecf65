"""The inbox: what Leitplanke told me, newest first; opening one (a POST) marks it read."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST

from .content import content_for
from .selectors import notifications_visible_to
from .services import notifications_mark_read

PAGE_SIZE = 30


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    """My notifications, unread ones marked, with their text in my language."""
    mine = notifications_visible_to(request.user).order_by("-created_at", "-pk")
    page = Paginator(mine, PAGE_SIZE).get_page(request.GET.get("page"))
    lang = translation.get_language() or "de"
    rows = [(notification, content_for(notification, lang)) for notification in page]
    return render(request, "notifications/inbox.html", {"page": page, "rows": rows})


@login_required
@require_http_methods(["GET", "POST"])
def notification_open(request: HttpRequest, pk: int) -> HttpResponse:
    """Go where one of my notifications points; opening it from the inbox (a POST) marks it read.

    A GET (a bookmarked or shared address) only leads on: reading a page never writes.
    """
    notification = get_object_or_404(notifications_visible_to(request.user), pk=pk)
    if request.method == "POST" and notification.read_at is None:
        notifications_mark_read(user=request.user, ids=[notification.pk])
    link = notification.link
    if link and url_has_allowed_host_and_scheme(link, allowed_hosts={request.get_host()}):
        return redirect(link)
    return redirect("notifications:inbox")


@login_required
@require_POST
def mark_all_read(request: HttpRequest) -> HttpResponse:
    """Mark all my notifications read."""
    notifications_mark_read(user=request.user)
    return redirect("notifications:inbox")
