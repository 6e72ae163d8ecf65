"""Reads of notifications: what a person is told, and what their inbox and unread count show.

A notification names a use case (its title is frozen in its ``params``), so it follows the use
case's visibility (``UseCase.objects.visible_to``): nobody is told about a confidential use case
they may not see, and a notification about one they no longer may see (they left the unit, it
became confidential) disappears from their inbox, their unread count and the e-mail not yet sent.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

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
    """``user``'s own notifications about nothing in particular or about a use case they may see."""
    readable = Q(usecase__isnull=True) | Q(usecase__confidential=False)
    readable |= Q(usecase_id__in=UseCase.objects.visible_to(user).filter(confidential=True).values("pk"))
    return Notification.objects.filter(readable, recipient_id=user.pk)
