"""Organisation pages: the unit tree, units, people (read for everyone; changes for administrators)."""

from __future__ import annotations

from functools import partial
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from leitplanke.audit.selectors import history_for
from leitplanke.common.access import import_failure_context, only_for
from leitplanke.common.actors import AuthenticatedHttpRequest
from leitplanke.common.errors import DomainError
from leitplanke.common.forms import save_versioned
from leitplanke.common.permissions import allowed

from . import importing, services
from .forms import ImportForm, MembershipForm, PersonForm, RoleForm, UnitForm
from .models import OrgUnit, RoleAssignment
from .selectors import (
    in_tree_order,
    is_administrator,
    memberships_of,
    people_matching,
    people_visible_to,
    roles_of,
    sees_person_details,
    units_visible_to,
)

#: Maintenance pages: administrators only; everybody else is told "not found".
administrators_only = only_for(is_administrator)


@login_required
def unit_list(request: HttpRequest) -> HttpResponse:
    """The org chart as an indented tree."""
    units = in_tree_order(
        units_visible_to(request.user).select_related("lead", "deputy").annotate(member_count=Count("memberships"))
    )
    can_edit = allowed(request.user, "org.manage_unit")
    return render(request, "org/unit_list.html", {"units": units, "can_edit": can_edit})


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
        "can_edit": allowed(request.user, "org.manage_unit", unit),
    }
    return render(request, "org/unit_detail.html", context)


@login_required
def person_list(request: HttpRequest) -> HttpResponse:
    """The people directory, searchable, 50 to a page."""
    query = request.GET.get("q", "").strip()
    people = people_matching(request.user, query).order_by("display_name", "username")
    page = Paginator(people, 50).get_page(request.GET.get("page"))
    context = {"page": page, "query": query, "can_edit": allowed(request.user, "org.manage_person")}
    return render(request, "org/person_list.html", context)


@login_required
def person_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One person: units, led units, roles; the history for administrators, auditors and the person."""
    person = get_object_or_404(people_visible_to(request.user), pk=pk)
    return _render_person(request, person)


def _render_person(
    request: HttpRequest,
    person: Any,
    *,
    membership_form: MembershipForm | None = None,
    role_form: RoleForm | None = None,
) -> HttpResponse:
    """The person page; administrators also get the forms for memberships and roles."""
    viewer = request.user
    can_edit = allowed(viewer, "org.manage_membership") and allowed(viewer, "org.manage_role")
    show_history = sees_person_details(viewer, person)
    context = {
        "person": person,
        "memberships": memberships_of(person),
        "led_units": person.led_units.order_by("path"),
        "deputy_units": person.deputy_units.order_by("path"),
        "roles": roles_of(person),
        "history": history_for(person) if show_history else None,
        "show_history": show_history,
        "show_details": show_history,
        "can_edit": can_edit,
    }
    if can_edit:
        context["membership_form"] = membership_form or MembershipForm(viewer=viewer, prefix="membership")
        context["role_form"] = role_form or RoleForm(viewer=viewer, prefix="role")
    return render(request, "org/person_detail.html", context)


# --- maintenance (administrators) ---------------------------------------------------------------


@administrators_only
@require_http_methods(["GET", "POST"])
def unit_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    """A new unit; ``?parent=<id>`` preselects the unit it goes below."""
    form = UnitForm(
        request.POST if request.method == "POST" else None,
        viewer=request.user,
        initial={"parent": request.GET.get("parent"), "kind": request.GET.get("kind")},
    )
    if request.method == "POST" and form.is_valid():
        try:
            unit = services.unit_create(actor=request.user, **form.cleaned_data)
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            messages.success(request, _("The unit “%(name)s” was created.") % {"name": unit.name})
            return redirect("org:unit_detail", unit.pk)
    return render(request, "org/unit_form.html", {"form": form, "unit": None})


@administrators_only
@require_http_methods(["GET", "POST"])
def unit_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Change a unit's name, code, kind, place in the tree, lead or deputy."""
    unit = get_object_or_404(units_visible_to(request.user).select_related("lead", "deputy"), pk=pk)
    initial = {
        "name": unit.name,
        "code": unit.code,
        "kind": unit.kind,
        "parent": unit.parent_id,
        "lead": unit.lead,
        "deputy": unit.deputy,
        "version": unit.version,
    }
    form = UnitForm(request.POST if request.method == "POST" else None, viewer=request.user, unit=unit, initial=initial)
    conflict = None
    if request.method == "POST" and form.is_valid():
        saved, conflict = save_versioned(form, OrgUnit, partial(services.unit_update, actor=request.user, unit=unit))
        if saved is not None:
            messages.success(request, _("The unit “%(name)s” was saved.") % {"name": saved.name})
            return redirect("org:unit_detail", saved.pk)
    context = {"form": form, "unit": unit, "conflict": conflict}
    return render(request, "org/unit_form.html", context, status=409 if conflict else 200)


@administrators_only
@require_http_methods(["GET", "POST"])
def person_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    """A new person, with an initial password or none (single sign-on, or set later)."""
    form = PersonForm(request.POST if request.method == "POST" else None, creating=True)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            person = services.person_create(
                actor=request.user,
                username=data["username"],
                display_name=data["display_name"],
                email=data["email"],
                preferred_language=data["preferred_language"],
                is_active=data["is_active"],
                password=data["password"] or None,
            )
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            messages.success(request, _("%(name)s was added.") % {"name": person.name})
            return redirect("org:person_detail", person.pk)
    return render(request, "org/person_form.html", {"form": form, "person": None})


@administrators_only
@require_http_methods(["GET", "POST"])
def person_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Change a person's display name, e-mail address, language, or whether the account is active."""
    person = get_object_or_404(people_visible_to(request.user), pk=pk)
    initial = {
        "display_name": person.display_name,
        "email": person.email,
        "preferred_language": person.preferred_language,
        "is_active": person.is_active,
        "version": person.version,
    }
    form = PersonForm(request.POST if request.method == "POST" else None, creating=False, initial=initial)
    conflict = None
    if request.method == "POST" and form.is_valid():
        update = partial(services.person_update, actor=request.user, person=person)
        saved, conflict = save_versioned(form, type(person), update)
        if saved is not None:
            messages.success(request, _("%(name)s was saved.") % {"name": saved.name})
            return redirect("org:person_detail", saved.pk)
    context = {"form": form, "person": person, "conflict": conflict}
    return render(request, "org/person_form.html", context, status=409 if conflict else 200)


@administrators_only
@require_POST
def membership_add(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Add the person to a unit."""
    person = get_object_or_404(people_visible_to(request.user), pk=pk)
    form = MembershipForm(request.POST, viewer=request.user, prefix="membership")
    if not form.is_valid():
        return _render_person(request, person, membership_form=form)
    unit = form.cleaned_data["unit"]
    services.membership_add(actor=request.user, person=person, unit=unit)
    messages.success(request, _("%(name)s now belongs to %(unit)s.") % {"name": person.name, "unit": unit.name})
    return redirect("org:person_detail", person.pk)


@administrators_only
@require_POST
def membership_remove(request: AuthenticatedHttpRequest, pk: int, unit_pk: int) -> HttpResponse:
    """Take the person out of a unit."""
    person = get_object_or_404(people_visible_to(request.user), pk=pk)
    unit = get_object_or_404(units_visible_to(request.user), pk=unit_pk, memberships__person=person)
    services.membership_remove(actor=request.user, person=person, unit=unit)
    messages.success(request, _("%(name)s no longer belongs to %(unit)s.") % {"name": person.name, "unit": unit.name})
    return redirect("org:person_detail", person.pk)


@administrators_only
@require_POST
def role_assign(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Give the person a role, company-wide or for one unit."""
    person = get_object_or_404(people_visible_to(request.user), pk=pk)
    form = RoleForm(request.POST, viewer=request.user, prefix="role")
    if form.is_valid():
        try:
            services.role_assign(actor=request.user, person=person, **form.cleaned_data)
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            messages.success(request, _("The role was assigned."))
            return redirect("org:person_detail", person.pk)
    return _render_person(request, person, role_form=form)


@administrators_only
@require_POST
def role_revoke(request: AuthenticatedHttpRequest, pk: int, assignment_pk: int) -> HttpResponse:
    """Take a role away (never the last administrator's)."""
    person = get_object_or_404(people_visible_to(request.user), pk=pk)
    assignment = get_object_or_404(
        RoleAssignment.objects.select_related("person", "unit"), pk=assignment_pk, person=person
    )
    try:
        services.role_revoke(actor=request.user, assignment=assignment)
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("The role was revoked."))
    return redirect("org:person_detail", person.pk)


@administrators_only
@require_http_methods(["GET", "POST"])
def import_file(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Upload a CSV file of units or people: every faulty line listed, or everything imported."""
    form = ImportForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
        initial={"kind": request.GET.get("kind", importing.UNITS)},
    )
    context: dict[str, Any] = {
        "form": form,
        "unit_columns": ",".join(importing.UNIT_COLUMNS),
        "people_columns": ",".join(importing.PEOPLE_COLUMNS),
    }
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        kind = form.cleaned_data["kind"]
        try:
            summary = importing.org_import(
                actor=request.user,
                kind=kind,
                data=upload.read(importing.MAX_BYTES + 1),
                source=upload.name,
                dry_run=form.cleaned_data["dry_run"],
            )
        except importing.ImportFailed as exc:
            context.update(import_failure_context(exc))
        else:
            if summary.dry_run:
                context["summary"] = summary
            else:
                messages.success(request, summary.message)
                return redirect("org:unit_list" if kind == importing.UNITS else "org:person_list")
    return render(request, "org/import.html", context)
