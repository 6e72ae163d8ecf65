"""Reads of use cases that depend on who asks, and the rule for who may change one."""

from __future__ import annotations

from typing import Any

from django.db.models import Case, Prefetch, Q, QuerySet, Value, When
from django.utils.translation import gettext as _

from leitplanke.catalog.models import Tool
from leitplanke.common.errors import NotFound
from leitplanke.org.models import OrgUnit

from . import search
from .models import Stage, Status, UseCase


def usecases_visible_to(user: Any) -> QuerySet[UseCase]:
    """The use cases ``user`` may read (see ``UseCaseQuerySet.visible_to``)."""
    return UseCase.objects.visible_to(user)


def usecases_hidden_from(user: Any, ids: set[str]) -> set[str]:
    """Of these use-case ids (as text, as the audit log keeps them), those ``user`` may not see.

    Asks by id only, never the whole registry; the audit log seals the events about them.
    """
    wanted = [int(pk) for pk in ids if pk.isdigit()]
    confidential = set(UseCase.objects.filter(pk__in=wanted, confidential=True).values_list("pk", flat=True))
    if not confidential:
        return set()
    seen = set(UseCase.objects.visible_to(user).filter(pk__in=confidential).values_list("pk", flat=True))
    return {str(pk) for pk in confidential - seen}


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


#: Lifecycle order of the stages, for sorting (idea first, retired last).
STAGE_ORDER = {Stage.IDEA: 0, Stage.PILOT: 1, Stage.PRODUCTION: 2, Stage.RETIRED: 3}


#: The filter arguments of :func:`library_for` when nothing is filtered.
_NO_FILTER = (None, "", "", None, "", "", False)


def library_for(
    user: Any,
    *,
    q: str = "",
    unit: OrgUnit | None = None,
    stage: str = "",
    status: str = "",
    tool: Tool | None = None,
    risk_class: str = "",
    decision: str = "",
    mine: bool = False,
    sort: str = "relevance",
    reachable: int = 1001,
    shown: int | None = None,
) -> QuerySet[UseCase]:
    """The library as ``user`` sees it: visible use cases, filtered and sorted, ready to list.

    ``q`` is a full-text search (``search.matching``). Sorted by relevance (the default), title
    matches come first, then the newest; without ``q``, relevance means last changed first. A
    caller that reads at most ``reachable`` rows (a capped count) and shows the rows up to
    ``shown`` passes both, so that a search for a very common word stays fast; without ``shown``
    every match is ranked. Unit, owner and tools come with the rows, so a page costs the same number
    of queries however many rows it shows.
    """
    usecases: QuerySet[UseCase] = UseCase.objects.visible_to(user)
    if unit is not None:
        # The unit ids as a list, not a subquery: then PostgreSQL plans with the unit index.
        subtree = list(OrgUnit.objects.filter(path__startswith=unit.path).values_list("pk", flat=True))
        usecases = usecases.filter(unit_id__in=subtree)
    if stage:
        usecases = usecases.filter(stage=stage)
    if status:
        usecases = usecases.filter(status=status)
    if tool is not None:
        usecases = usecases.filter(pk__in=UseCase.tools.through.objects.filter(tool=tool).values("usecase_id"))
    if risk_class:
        usecases = usecases.filter(verdict__risk_class=risk_class)
    if decision:
        usecases = usecases.filter(verdict__decision=decision)
    if mine:
        usecases = usecases.filter(
            Q(owner=user) | Q(pk__in=UseCase.contributors.through.objects.filter(user=user).values("usecase_id"))
        )
    by_relevance = sort not in ("title", "stage", "-updated")
    if q:  # last: ranked by relevance, the search narrows what every other filter left
        usecases = search.matching(usecases, q, rank=by_relevance, reachable=reachable, shown=shown)
    ordering = {
        "title": ("title", "id"),
        "stage": ("stage_order", "-updated_at", "-id"),
        "-updated": ("-updated_at", "-id"),
    }.get(sort, ("search_rank", "-updated_at", "-id") if q else ("-updated_at", "-id"))
    usecases = usecases.annotate(
        stage_order=Case(*(When(stage=code, then=Value(rank)) for code, rank in STAGE_ORDER.items()), default=9)
    )
    if not q and shown is not None and (unit, stage, status, tool, risk_class, decision, mine) != _NO_FILTER:
        # Filters that are not selective on their own make the database test thousands of rows, once
        # for the capped count and again for the page. Find the first ``reachable`` matches once, in
        # order (ids only); count and page then read just those (the ids are visible and match
        # every filter, so the conditions need not be tested again).
        first = list(usecases.order_by(*ordering).values_list("pk", flat=True)[:reachable])
        usecases = (
            UseCase.objects.using(usecases.db)
            .filter(pk__in=search.id_set(usecases.db, first))
            .annotate(stage_order=usecases.query.annotations["stage_order"])
        )
    return (
        usecases.select_related("unit", "owner", "verdict")
        .defer("verdict__input", "verdict__summary")
        .prefetch_related(Prefetch("tools", queryset=Tool.objects.order_by("name")))
        .order_by(*ordering)
    )


def drafts_of(user: Any) -> QuerySet[UseCase]:
    """The drafts ``user`` started or owns, newest first (the "continue where you left off" list)."""
    return (
        UseCase.objects.visible_to(user)
        .filter(status=Status.DRAFT)
        # A union of two index lookups finds the few rows on both databases; "owner OR creator" as
        # one condition makes SQLite walk its whole "last changed" index instead.
        .filter(
            pk__in=UseCase.objects.filter(owner=user)
            .values("pk")
            .union(UseCase.objects.filter(created_by=user).values("pk"))
        )
        .select_related("unit")
        .order_by("-updated_at", "-id")
    )


def usecase_for_viewer(user: Any, pk: int) -> UseCase:
    """One use case if ``user`` may read it; otherwise :class:`NotFound` (forbidden looks the same)."""
    found = UseCase.objects.visible_to(user).select_related("unit", "unit__lead", "owner").filter(pk=pk).first()
    if found is None:
        raise NotFound(_("No such use case."))
    return found


def usecase_for_editor(user: Any, pk: int) -> UseCase:
    """One use case if ``user`` may change it; otherwise :class:`NotFound`, as if it did not exist."""
    found = usecase_for_viewer(user, pk)
    if not can_edit(user, found):
        raise NotFound(_("No such use case."))
    return found
