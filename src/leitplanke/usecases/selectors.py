"""Reads of use cases that depend on who asks, and the rule for who may change one."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from leitplanke.org.models import OrgUnit

from .models import UseCase


def usecases_visible_to(user: Any) -> QuerySet[UseCase]:
    """The use cases ``user`` may read (see ``UseCaseQuerySet.visible_to``)."""
    return UseCase.objects.visible_to(user)


def units_user_works_in(user: Any) -> QuerySet[OrgUnit]:
    """Units whose use cases ``user`` may register and edit: member, lead or deputy."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return OrgUnit.objects.none()
    return OrgUnit.objects.filter(Q(memberships__person=user) | Q(lead=user) | Q(deputy=user)).distinct()


def can_edit(user: Any, usecase: UseCase) -> bool:
    """Members, lead and deputy of the owning unit edit; so do the owner and the contributors."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if usecase.owner_id == user.pk or usecase.unit.lead_id == user.pk or usecase.unit.deputy_id == user.pk:
        return True
    if usecase.unit.memberships.filter(person=user).exists():
        return True
    return usecase.contributors.filter(pk=user.pk).exists()
