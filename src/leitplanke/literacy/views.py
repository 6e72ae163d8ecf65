"""AI literacy pages: the courses, one's own qualifications, and (for administrators) completions."""

from __future__ import annotations

from functools import partial

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from leitplanke.audit.selectors import history_for
from leitplanke.common.access import only_for
from leitplanke.common.actors import AuthenticatedHttpRequest
from leitplanke.common.errors import DomainError
from leitplanke.common.forms import save_versioned

from . import services
from .forms import CompletionForm, CourseForm
from .models import Completion, Course
from .selectors import (
    can_maintain_literacy,
    can_read_all_completions,
    completions_visible_to,
    courses_visible_to,
)

PAGE_SIZE = 50

#: Maintenance: administrators; everybody else is told "not found".
maintainers_only = only_for(can_maintain_literacy)


@login_required
def course_list(request: HttpRequest) -> HttpResponse:
    """The courses on offer, and the person's own completions with how long each still counts."""
    context = {
        "courses": courses_visible_to(request.user).order_by("-active", "title"),
        "mine": completions_visible_to(request.user).filter(person_id=request.user.pk),
        "today": timezone.localdate(),
        "can_edit": can_maintain_literacy(request.user),
    }
    return render(request, "literacy/course_list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def course_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """One course; for those who may, who completed it; for administrators, recording a completion."""
    course = get_object_or_404(courses_visible_to(request.user), pk=pk)
    can_edit = can_maintain_literacy(request.user)
    form = CompletionForm(request.POST if request.method == "POST" and can_edit else None)
    if request.method == "POST":
        if not can_edit:
            raise Http404
        if form.is_valid():
            try:
                services.completion_record(actor=request.user, course=course, **form.cleaned_data)
            except DomainError as exc:
                form.add_domain_error(exc)
            else:
                messages.success(
                    request,
                    _("The completion of %(person)s was recorded.") % {"person": form.cleaned_data["person"].name},
                )
                return redirect("literacy:course_detail", course.pk)
    completions = None
    if can_read_all_completions(request.user):
        of_course = completions_visible_to(request.user).filter(course=course)
        completions = Paginator(
            of_course.order_by("person__display_name", "person__username", "-completed_on"), PAGE_SIZE
        ).get_page(request.GET.get("page"))
    context = {
        "course": course,
        "form": form if can_edit else None,
        "completions": completions,
        "today": timezone.localdate(),
        "can_edit": can_edit,
        "history": history_for(course),
    }
    return render(request, "literacy/course_detail.html", context, status=400 if form.errors else 200)


@maintainers_only
@require_http_methods(["GET", "POST"])
def course_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    """A new course."""
    form = CourseForm(request.POST if request.method == "POST" else None, initial={"active": True})
    if request.method == "POST" and form.is_valid():
        values = dict(form.cleaned_data)
        values.pop("version", None)
        try:
            course = services.course_create(actor=request.user, **values)
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            messages.success(request, _("“%(title)s” was added.") % {"title": course.title})
            return redirect("literacy:course_detail", course.pk)
    return render(request, "literacy/course_form.html", {"form": form, "course": None})


@maintainers_only
@require_http_methods(["GET", "POST"])
def course_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Change a course; a change by someone else in the meantime is a conflict."""
    course = get_object_or_404(Course, pk=pk)
    initial = {name: getattr(course, name) for name in services.COURSE_FIELDS} | {"version": course.version}
    form = CourseForm(request.POST if request.method == "POST" else None, initial=initial)
    conflict = None
    if request.method == "POST" and form.is_valid():
        update = partial(services.course_update, actor=request.user, course=course)
        saved, conflict = save_versioned(form, Course, update)
        if saved is not None:
            messages.success(request, _("“%(title)s” was saved.") % {"title": saved.title})
            return redirect("literacy:course_detail", saved.pk)
    context = {"form": form, "course": course, "conflict": conflict}
    return render(request, "literacy/course_form.html", context, status=409 if conflict else 200)


@maintainers_only
@require_POST
def completion_remove(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Remove a completion recorded by mistake."""
    completion = get_object_or_404(Completion.objects.select_related("person", "course"), pk=pk)
    course = completion.course
    services.completion_remove(actor=request.user, completion=completion)
    messages.success(request, _("The completion of %(person)s was removed.") % {"person": completion.person.name})
    return redirect("literacy:course_detail", course.pk)
