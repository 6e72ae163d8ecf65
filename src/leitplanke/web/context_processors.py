"""Template context shared by every page."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from leitplanke.notifications.selectors import notifications_visible_to
from leitplanke.org.selectors import can_read_audit_trail, is_administrator
from leitplanke.webhooks.selectors import can_manage_webhooks

from .navigation import AREAS, claimed_by


def navigation(request: HttpRequest) -> dict[str, Any]:
    """The navigation entries (with the current one marked) and the available languages."""
    user = getattr(request, "user", None)
    signed_in = bool(user is not None and user.is_authenticated)
    entries = []
    if signed_in:
        claimed = claimed_by(request.path)
        for area in AREAS:
            url = reverse(area.url_name) if area.ready else reverse(area.url_name, args=[area.key])
            current = area is claimed if claimed is not None else request.path.startswith(url)
            entries.append({"area": area, "url": url, "current": current})
        if can_manage_webhooks(user):
            url = reverse("webhooks:endpoint_list")
            entries.append({"area": None, "title": _("Webhooks"), "url": url, "current": request.path.startswith(url)})
        if can_read_audit_trail(user):
            url = reverse("audit:log")
            entries.append(
                {"area": None, "title": _("Audit trail"), "url": url, "current": request.path.startswith(url)}
            )
    unread = 0
    if signed_in:
        unread = notifications_visible_to(user).filter(read_at__isnull=True).count()
    return {
        "nav_unread": unread,
        "nav_entries": entries,
        "nav_languages": settings.LANGUAGES,
        "nav_is_admin": signed_in and is_administrator(user),
    }
