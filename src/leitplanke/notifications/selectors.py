"""Reads of notifications: what a person is told, and what their inbox and unread count show.

A notification names a use case (its title is frozen in its ``params``), so it follows the use
case's visibility (``UseCase.objects.visible_to``): nobody is told about a confidential use case
they may not see, and a notification about one they no longer may see (they left the unit, it
became confidential) disappears from their inbox, their unread count and the e-mail not yet sent.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from leitplanke.usecases.models import UseCase

from .models import Notification


def may_be_told(person: Any, usecase: UseCase | None) -> bool:
    """Whether a notification about ``usecase`` may name it to ``person``."""
    if usecase is None:
        return True
    if not usecase.confidential:
        return bool(getattr(person, "is_active", False))
    return UseCase.objects.visible_to(person).filter(pk=usecase.pk).exists()


def notifications_visible_to(user: Any) -> QuerySet[Notification]:
    """``user``'s own notifications, except those about a confidential use case they may not see now."""
    mine = Notification.objects.filter(recipient_id=user.pk)
    confidential = set(
        mine.filter(usecase__confidential=True).values_list("usecase_id", flat=True).distinct().order_by()
    )
    if not confidential:  # nearly everybody: no need to ask who sees what
        return mine
    # Only the few use cases named, by id: never the whole registry through visible_to.
    seen = set(UseCase.objects.visible_to(user).filter(pk__in=confidential).values_list("pk", flat=True))
    hidden = confidential - seen
    return mine.exclude(usecase_id__in=hidden) if hidden else mine
