"""Pages of the use-case registry: library, intake, profile, edit.

Reads go through ``selectors`` (which decide who sees what), writes through ``services``. A use
case the person may not see, or may see but not change, is "not found" on the pages that need it.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from leitplanke.audit.selectors import history_for
from leitplanke.common.actors import AuthenticatedHttpRequest
from leitplanke.common.errors import Conflict, DomainError, NotFound
from leitplanke.common.pagination import CappedPaginator
from leitplanke.decisions import services as decision_services
from leitplanke.decisions.presentation import panel_for
from leitplanke.guardrails.presentation import explanation_for

from . import selectors, services
from .forms import BASICS, REVIEW, RISK, STEP_FIELDS, STEP_TITLES, STEPS, LibraryFilterForm, UseCaseForm, initial_for
from .forms import step_of_field as _step_of_field
from .models import Status, UseCase
from .presentation import answers_of, conflict_rows

PAGE_SIZE = 25
#: The library counts at most this many matches ("more than 1,000"); filters narrow it down.
LIBRARY_COUNT_CAP = 1000
DRAFTS_SHOWN = 10


def _found(lookup: Any, request: HttpRequest, pk: int) -> UseCase:
    try:
        usecase: UseCase = lookup(request.user, pk)
    except NotFound as exc:
        raise Http404 from exc
    return usecase


@login_required
@require_GET
def library(request: HttpRequest) -> HttpResponse:
    """Every use case the person may read, filtered, sorted, 25 to a page; their drafts on top."""
    form = LibraryFilterForm(request.GET or None, viewer=request.user)
    filters = {key: value for key, value in form.filters().items() if value not in (None, "", False)}
    shown = _rows_up_to(request.GET.get("page"))
    usecases = selectors.library_for(request.user, **filters, reachable=LIBRARY_COUNT_CAP + 1, shown=shown)
    page = CappedPaginator(usecases, PAGE_SIZE, cap=LIBRARY_COUNT_CAP).get_page(request.GET.get("page"))
    drafts = list(selectors.drafts_of(request.user)[: DRAFTS_SHOWN + 1])
    context = {
        "form": form,
        "page": page,
        "filtered": bool(filters.keys() - {"sort"}),
        "drafts": drafts[:DRAFTS_SHOWN],
        "more_drafts": len(drafts) > DRAFTS_SHOWN,
        "can_register": selectors.units_user_works_in(request.user).exists(),
    }
    return render(request, "usecases/library.html", context)


@login_required
@require_GET
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The one-page profile: what it does, who owns it, tools, benefit, risk answers, history."""
    usecase = _found(selectors.usecase_for_viewer, request, pk)
    context = {
        "usecase": usecase,
        "tools": usecase.tools.order_by("name"),
        "contributors": usecase.contributors.order_by("display_name", "username"),
        "answers": answers_of(usecase),
        "missing": services.missing_for_submit(usecase) if usecase.status == Status.DRAFT else [],
        "can_edit": selectors.can_edit(request.user, usecase),
        "history": history_for(usecase),
        "verdict": explanation_for(usecase),
    }
    context["panel"] = panel_for(request.user, usecase, can_edit=bool(context["can_edit"]))
    return render(request, "usecases/detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def intake_start(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Step 1 of a new use case; saving it creates the draft that the later steps complete."""
    form = UseCaseForm(request.POST or None, viewer=request.user, step=BASICS)
    if request.method == "POST" and form.is_valid():
        try:
            usecase = services.usecase_create(actor=request.user, owner=request.user, **form.changes())
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            messages.success(request, _("Your draft was saved. You can continue it later from the library."))
            return _after_step(request, usecase, BASICS)
    context = {
        "form": form,
        "usecase": None,
        "can_register": selectors.units_user_works_in(request.user).exists(),
        **_step_context(BASICS),
    }
    return render(request, "usecases/intake.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def intake_step(request: AuthenticatedHttpRequest, pk: int, step: str) -> HttpResponse:
    """One step of the intake for an existing use case; each save keeps the draft."""
    usecase = _found(selectors.usecase_for_editor, request, pk)
    if step not in STEPS:
        raise Http404
    if step == REVIEW:
        return _review(request, usecase)
    form = UseCaseForm(
        request.POST if request.method == "POST" else None,
        viewer=request.user,
        step=step,
        current_unit=usecase.unit,
        initial=initial_for(usecase),
    )
    conflict = None
    if request.method == "POST" and form.is_valid():
        saved, conflict = _save(request, usecase, form)
        if saved is not None:
            messages.success(request, _("Saved."))
            return _after_step(request, saved, step)
    context = {
        "form": form,
        "usecase": usecase,
        "conflict": conflict,
        "verdict": explanation_for(usecase) if step == RISK else None,
        **_step_context(step),
    }
    return render(request, "usecases/intake.html", context, status=409 if conflict else 200)


def _review(request: AuthenticatedHttpRequest, usecase: UseCase) -> HttpResponse:
    """The last step: everything at a glance, what is still open, and the button that submits."""
    if request.method == "POST":
        try:
            usecase = decision_services.usecase_submit(
                actor=request.user, usecase=usecase, expected_version=_int(request.POST.get("version"))
            )
        except Conflict:
            messages.error(request, _("Someone else changed this use case in the meantime. Please check it again."))
            return redirect("usecases:intake_step", usecase.pk, REVIEW)
        except DomainError as exc:
            if exc.code == "state":
                messages.error(request, str(exc.message))
                return redirect("usecases:detail", usecase.pk)
            return _open_questions(request, usecase, exc)
        messages.success(request, _submitted_message(usecase))
        return redirect("usecases:detail", usecase.pk)
    context = {
        "usecase": usecase,
        "tools": usecase.tools.order_by("name"),
        "contributors": usecase.contributors.order_by("display_name", "username"),
        "answers": answers_of(usecase),
        "missing": [(name, _step_of_field(name)) for name in services.missing_for_submit(usecase)],
        "verdict": explanation_for(usecase),
        **_step_context(REVIEW),
    }
    return render(request, "usecases/review.html", context)


def _submitted_message(usecase: UseCase) -> str:
    """What the person who submitted reads next: where the use case went."""
    values = {"title": usecase.title}
    if usecase.status == Status.BLOCKED:
        return _("“%(title)s” is submitted, but the rules block it as it is: see the verdict.") % values
    if usecase.status == Status.IN_REVIEW:
        return _("“%(title)s” is submitted and waits for the reviews the rules require.") % values
    return _("“%(title)s” is submitted and waits for the team lead's approval.") % values


def _open_questions(request: HttpRequest, usecase: UseCase, error: DomainError) -> HttpResponse:
    """Submitting failed: show the step with the open question, its error on the field."""
    step = _step_of_field(error.field or BASICS)
    form = UseCaseForm(viewer=request.user, step=step, current_unit=usecase.unit, initial=initial_for(usecase))
    missing = [name for name in services.missing_for_submit(usecase) if name in form.fields]
    form.show_errors({name: str(error.message) for name in missing or [error.field or ""]})
    context = {"form": form, "usecase": usecase, "submit_failed": True, **_step_context(step)}
    return render(request, "usecases/intake.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The whole Steckbrief in one form; a change saved by someone else meanwhile is a conflict (409)."""
    usecase = _found(selectors.usecase_for_editor, request, pk)
    form = UseCaseForm(
        request.POST if request.method == "POST" else None,
        viewer=request.user,
        current_unit=usecase.unit,
        initial=initial_for(usecase),
    )
    conflict = None
    if request.method == "POST" and form.is_valid():
        saved, conflict = _save(request, usecase, form)
        if saved is not None:
            messages.success(request, _("The use case “%(title)s” was saved.") % {"title": saved.title})
            return redirect("usecases:detail", saved.pk)
    context = {"form": form, "usecase": usecase, "conflict": conflict}
    return render(request, "usecases/edit.html", context, status=409 if conflict else 200)


def _save(request: AuthenticatedHttpRequest, usecase: UseCase, form: UseCaseForm) -> tuple[UseCase | None, Any]:
    """Hand the form to the service; on a refusal put the error on the form (and both sides of a conflict)."""
    changes = form.changes()
    tools = changes.pop("tools", None)
    contributors = changes.pop("contributors", None)
    try:
        saved = services.usecase_update(
            actor=request.user,
            usecase=usecase,
            expected_version=form.cleaned_data.get("version"),
            tools=tools,
            contributors=contributors,
            **changes,
        )
    except DomainError as exc:
        form.add_domain_error(exc)
        if isinstance(exc, Conflict):
            return None, conflict_rows(exc.current, form.changes())
        return None, None
    return saved, None


def _after_step(request: HttpRequest, usecase: UseCase, step: str) -> HttpResponse:
    """Where a saved step leads: back, out to the library ("continue later"), or on to the next step."""
    action = request.POST.get("action", "next")
    if action == "leave":
        return redirect("usecases:library")
    index = STEPS.index(step) + (-1 if action == "back" else 1)
    return redirect("usecases:intake_step", usecase.pk, STEPS[max(0, min(index, len(STEPS) - 1))])


def _step_context(step: str) -> dict[str, Any]:
    """The step indicator: every step with its number and title, the current one marked."""
    steps = [{"code": code, "number": n, "title": STEP_TITLES[code]} for n, code in enumerate(STEPS, start=1)]
    return {
        "step": step,
        "steps": steps,
        "step_number": STEPS.index(step) + 1,
        "step_title": STEP_TITLES[step],
        "previous_step": STEPS[STEPS.index(step) - 1] if step != STEPS[0] else None,
        "step_fields": STEP_FIELDS.get(step, ()),
    }


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


def _rows_up_to(page: str | None) -> int:
    """How many rows from the top the library shows for ``?page=`` (not a number: the first page;
    a number out of range: the last, as the paginator does)."""
    number = _int(page)
    if number is None:
        return PAGE_SIZE
    return min(LIBRARY_COUNT_CAP, number * PAGE_SIZE) if number > 0 else LIBRARY_COUNT_CAP
