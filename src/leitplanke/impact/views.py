"""Impact pages: objectives (for everyone to read, for leadership to set), the objectives a use case
serves, and its KPIs with their measurements (maintained by the owning unit)."""

from __future__ import annotations

from functools import partial

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from leitplanke.audit.selectors import history_for
from leitplanke.common import clock
from leitplanke.common.actors import AuthenticatedHttpRequest
from leitplanke.common.errors import DomainError
from leitplanke.common.forms import save_versioned
from leitplanke.common.permissions import allowed
from leitplanke.usecases.models import UseCase

from . import services
from .forms import KpiForm, MeasurementForm, ObjectiveForm, UseCaseObjectivesForm
from .models import Kpi, Objective
from .selectors import benefit, kpis_visible_to, latest_measurements, objectives_for, objectives_visible_to, scopes_for


@login_required
def objective_list(request: HttpRequest) -> HttpResponse:
    """Every objective with how many use cases serve it; those nobody serves are marked as gaps."""
    objectives = (
        objectives_visible_to(request.user)
        .annotate(serving=Count("usecases"))
        .order_by("status", "target_date", "title")
    )
    context = {"objectives": objectives, "can_set": allowed(request.user, "impact.manage_objective")}
    return render(request, "impact/objective_list.html", context)


@login_required
def objective_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One objective and the use cases serving it that the viewer may see (the others only counted)."""
    objective = get_object_or_404(objectives_visible_to(request.user), pk=pk)
    serving = objective.usecases.all()
    visible = list(UseCase.objects.visible_to(request.user).filter(pk__in=serving.values("pk")).select_related("unit"))
    context = {
        "objective": objective,
        "usecases": visible,
        "hidden": serving.count() - len(visible),
        "can_edit": allowed(request.user, "impact.manage_objective", objective),
        "history": history_for(objective),
    }
    return render(request, "impact/objective_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def objective_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    """A new objective (leadership)."""
    if not allowed(request.user, "impact.manage_objective"):
        raise Http404
    form = ObjectiveForm(
        request.POST if request.method == "POST" else None,
        scopes=scopes_for(request.user),
        initial={"owner": request.user.get_username(), "status": "active"},
    )
    if request.method == "POST" and form.is_valid():
        values = dict(form.cleaned_data)
        values.pop("version", None)
        try:
            objective = services.objective_create(actor=request.user, **values)
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            messages.success(request, _("“%(title)s” was set.") % {"title": objective.title})
            return redirect("impact:objective_detail", objective.pk)
    return render(
        request, "impact/objective_form.html", {"form": form, "objective": None}, status=400 if form.errors else 200
    )


@login_required
@require_http_methods(["GET", "POST"])
def objective_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Change an objective; a change by someone else in the meantime is a conflict."""
    objective = get_object_or_404(objectives_visible_to(request.user), pk=pk)
    if not allowed(request.user, "impact.manage_objective", objective):
        raise Http404
    initial = {name: getattr(objective, name) for name in services.OBJECTIVE_FIELDS} | {
        "owner": objective.owner.get_username(),
        "version": objective.version,
    }
    form = ObjectiveForm(
        request.POST if request.method == "POST" else None, scopes=scopes_for(request.user), initial=initial
    )
    conflict = None
    if request.method == "POST" and form.is_valid():
        saved, conflict = save_versioned(
            form, Objective, partial(services.objective_update, actor=request.user, objective=objective)
        )
        if saved is not None:
            messages.success(request, _("“%(title)s” was saved.") % {"title": saved.title})
            return redirect("impact:objective_detail", saved.pk)
    status = 409 if conflict else 400 if form.errors else 200
    return render(
        request,
        "impact/objective_form.html",
        {"form": form, "objective": objective, "conflict": conflict},
        status=status,
    )


def _usecase_for(request: HttpRequest, pk: int, permission: str) -> UseCase:
    """The use case if the viewer sees it and holds ``permission`` for it; else "not found"."""
    usecase = get_object_or_404(UseCase.objects.visible_to(request.user).select_related("unit"), pk=pk)
    if not allowed(request.user, permission, usecase):
        raise Http404
    return usecase


@login_required
@require_http_methods(["GET", "POST"])
def usecase_objectives(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Choose the objectives a use case serves (who may change the use case)."""
    usecase = _usecase_for(request, pk, "impact.link_objective")
    choices = objectives_for(usecase).filter(status="active") | usecase.objectives.all()
    form = UseCaseObjectivesForm(
        request.POST if request.method == "POST" else None,
        choices=choices.distinct(),
        initial={"objectives": list(usecase.objectives.all())},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.usecase_objectives_set(
                actor=request.user, usecase=usecase, objectives=form.cleaned_data["objectives"]
            )
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            messages.success(request, _("The objectives of “%(title)s” were saved.") % {"title": usecase.title})
            return redirect("usecases:detail", usecase.pk)
    return render(
        request,
        "impact/usecase_objectives.html",
        {"form": form, "usecase": usecase},
        status=400 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def kpi_create(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Define a KPI of a use case (the owning unit)."""
    usecase = _usecase_for(request, pk, "impact.manage_kpi")
    form = KpiForm(request.POST if request.method == "POST" else None, initial={"better_when": "higher", "baseline": 0})
    if request.method == "POST" and form.is_valid():
        values = dict(form.cleaned_data)
        values.pop("version", None)
        try:
            kpi = services.kpi_create(actor=request.user, usecase=usecase, **values)
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            messages.success(request, _("The KPI “%(name)s” was defined.") % {"name": kpi.name})
            return redirect("usecases:detail", usecase.pk)
    return render(
        request,
        "impact/kpi_form.html",
        {"form": form, "usecase": usecase, "kpi": None},
        status=400 if form.errors else 200,
    )


def _kpi_for(request: HttpRequest, pk: int) -> Kpi:
    return get_object_or_404(kpis_visible_to(request.user).select_related("usecase", "usecase__unit"), pk=pk)


@login_required
@require_http_methods(["GET", "POST"])
def kpi_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Change a KPI (the owning unit); a change by someone else in the meantime is a conflict."""
    kpi = _kpi_for(request, pk)
    if not allowed(request.user, "impact.manage_kpi", kpi):
        raise Http404
    initial = {name: getattr(kpi, name) for name in services.KPI_FIELDS} | {"version": kpi.version}
    form = KpiForm(request.POST if request.method == "POST" else None, initial=initial)
    conflict = None
    if request.method == "POST" and form.is_valid():
        saved, conflict = save_versioned(form, Kpi, partial(services.kpi_update, actor=request.user, kpi=kpi))
        if saved is not None:
            messages.success(request, _("The KPI “%(name)s” was saved.") % {"name": saved.name})
            return redirect("impact:kpi_detail", saved.pk)
    status = 409 if conflict else 400 if form.errors else 200
    context = {"form": form, "usecase": kpi.usecase, "kpi": kpi, "conflict": conflict}
    return render(request, "impact/kpi_form.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def kpi_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """A KPI with its measurements and realised benefit; the owning unit records a measurement here."""
    kpi = _kpi_for(request, pk)
    can_edit = allowed(request.user, "impact.manage_kpi", kpi)
    form = MeasurementForm(
        request.POST if request.method == "POST" else None,
        initial={"version": kpi.version, "measured_on": clock.localdate()},  # most values are today's
    )
    if request.method == "POST":
        if not can_edit:
            raise Http404
        if form.is_valid():
            values = dict(form.cleaned_data)
            version = values.pop("version")
            try:
                services.measurement_record(actor=request.user, kpi=kpi, expected_version=version, **values)
            except DomainError as exc:
                form.add_domain_error(exc)
            else:
                messages.success(request, _("The measurement was recorded."))
                return redirect("impact:kpi_detail", kpi.pk)
    context = {
        "kpi": kpi,
        "usecase": kpi.usecase,
        "benefit": benefit(kpi, latest_measurements([kpi]).get(kpi.pk)),
        "measurements": kpi.measurements.select_related("recorded_by")[:200],
        "form": form if can_edit else None,
        "can_edit": can_edit,
    }
    return render(request, "impact/kpi_detail.html", context, status=400 if form.errors else 200)
