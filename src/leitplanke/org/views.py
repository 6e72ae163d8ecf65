"""Organisation pages: the unit tree, units, people (read for everyone; changes for administrators)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from leitplanke.audit.selectors import history_for

from .selectors import is_administrator, is_auditor, memberships_of, people_visible_to, roles_of, units_visible_to


@login_required
def unit_list(request: HttpRequest) -> HttpResponse:
    """The org chart as an indented tree."""
    units = (
        units_visible_to(request.user)
        .select_related("lead", "deputy")
        .annotate(member_count=Count("memberships"))
        .order_by("path")
    )
    return render(request, "org/unit_list.html", {"units": units, "can_edit": is_administrator(request.user)})


@login_required
def unit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One unit: lead, deputy, sub-units, members, roles held for it, history."""
    unit = get_object_or_404(units_visible_to(request.user).select_related("parent", "lead", "deputy"), pk=pk)
    context = {
        "unit": unit,
        "ancestors": units_visible_to(request.user).filter(pk__in=unit.ancestor_ids()[:-1]).order_by("path"),
        "children": unit.children.select_related("lead").order_by("name"),
        "members": people_visible_to(request.user).filter(memberships__unit=unit).order_by("display_name"),
        "role_holders": unit.role_assignments.select_related("person").order_by("role", "person__display_name"),
        "history": history_for(unit),
        "can_edit": is_administrator(request.user),
    }
    return render(request, "org/unit_detail.html", context)


@login_required
def person_list(request: HttpRequest) -> HttpResponse:
    """The people directory, searchable, 50 to a page."""
    people = people_visible_to(request.user).order_by("display_name", "username")
    query = request.GET.get("q", "").strip()
    if query:
        people = people.filter(
            Q(display_name__icontains=query) | Q(username__icontains=query) | Q(email__icontains=query)
        )
    page = Paginator(people, 50).get_page(request.GET.get("page"))
    context = {"page": page, "query": query, "can_edit": is_administrator(request.user)}
    return render(request, "org/person_list.html", context)


@login_required
def person_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One person: units, led units, roles; the history for administrators, auditors and the person."""
    person = get_object_or_404(people_visible_to(request.user), pk=pk)
    viewer = request.user
    show_history = viewer.pk == person.pk or is_administrator(viewer) or is_auditor(viewer)
    context = {
        "person": person,
        "memberships": memberships_of(person),
        "led_units": person.led_units.order_by("path"),
        "deputy_units": person.deputy_units.order_by("path"),
        "roles": roles_of(person),
        "history": history_for(person) if show_history else None,
        "show_history": show_history,
        "can_edit": is_administrator(viewer),
    }
    return render(request, "org/person_detail.html", context)

