"""Catalogue pages: the tools (read for everyone, changes for AI governance) and tool requests."""

from __future__ import annotations

from functools import partial
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from leitplanke.audit.selectors import history_for
from leitplanke.common.access import only_for
from leitplanke.common.actors import AuthenticatedHttpRequest
from leitplanke.common.errors import DomainError
from leitplanke.common.forms import save_versioned

from . import services
from .forms import DecisionForm, ToolFilterForm, ToolForm, ToolRequestForm
from .models import Tool, ToolRequestStatus, ToolStatus
from .selectors import (
    can_maintain_catalog,
    can_read_all_requests,
    open_tool_requests_count,
    tool_requests_of,
    tool_requests_visible_to,
    tools_matching,
    tools_visible_to,
)

PAGE_SIZE = 50

#: The tabs of the request list: key, label, and who sees the tab.
REQUEST_TABS: tuple[tuple[str, Any, bool], ...] = (
    ("mine", gettext_lazy("My tool requests"), False),
    ("open", gettext_lazy("Open requests"), True),
    ("decided", gettext_lazy("Decided requests"), True),
)


#: Catalogue maintenance: AI governance and administrators; everybody else is told "not found".
maintainers_only = only_for(can_maintain_catalog)


# --- the catalogue --------------------------------------------------------------------------------


@login_required
def tool_list(request: HttpRequest) -> HttpResponse:
    """The catalogue, filtered by status and a search word, 50 to a page."""
    form = ToolFilterForm(request.GET or None)
    form.is_valid()  # an unknown status is ignored; a valid search word still applies
    cleaned = getattr(form, "cleaned_data", {})
    query, status = cleaned.get("q", "").strip(), cleaned.get("status", "")
    tools = tools_matching(request.user, q=query, status=status)
    page = Paginator(tools.order_by("name", "pk"), PAGE_SIZE).get_page(request.GET.get("page"))
    can_edit = can_maintain_catalog(request.user)
    context = {
        "page": page,
        "form": form,
        "query": query,
        "status": status,
        "statuses": ToolStatus.choices,
        "can_edit": can_edit,
        "open_requests": open_tool_requests_count(request.user),
    }
    return render(request, "catalog/tool_list.html", context)


@login_required
def tool_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One tool: every fact, the usage guidelines, and its history."""
    tool = get_object_or_404(tools_visible_to(request.user), pk=pk)
    context = {"tool": tool, "history": history_for(tool), "can_edit": can_maintain_catalog(request.user)}
    return render(request, "catalog/tool_detail.html", context)


@maintainers_only
@require_http_methods(["GET", "POST"])
def tool_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    """A new catalogue entry."""
    form = ToolForm(request.POST if request.method == "POST" else None, creating=True)
    if request.method == "POST" and form.is_valid():
        try:
            tool = services.tool_create(actor=request.user, **form.cleaned_data)
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            messages.success(request, _("“%(name)s” was added to the catalogue.") % {"name": tool.name})
            return redirect("catalog:tool_detail", tool.pk)
    return render(request, "catalog/tool_form.html", {"form": form, "tool": None})


@maintainers_only
@require_http_methods(["GET", "POST"])
def tool_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Change a catalogue entry; a change by someone else in the meantime is a conflict."""
    tool = get_object_or_404(tools_visible_to(request.user), pk=pk)
    initial = {field: getattr(tool, field) for field in services.TOOL_FIELDS} | {"version": tool.version}
    form = ToolForm(request.POST if request.method == "POST" else None, creating=False, initial=initial)
    conflict = None
    if request.method == "POST" and form.is_valid():
        saved, conflict = save_versioned(form, Tool, partial(services.tool_update, actor=request.user, tool=tool))
        if saved is not None:
            messages.success(request, _("“%(name)s” was saved.") % {"name": saved.name})
            return redirect("catalog:tool_detail", saved.pk)
    context = {"form": form, "tool": tool, "conflict": conflict}
    return render(request, "catalog/tool_form.html", context, status=409 if conflict else 200)


# --- tool requests --------------------------------------------------------------------------------


@login_required
def request_list(request: HttpRequest) -> HttpResponse:
    """My tool requests; for those who decide also every open and every decided request."""
    sees_all = can_read_all_requests(request.user)
    tabs = [(key, label) for key, label, needs_all in REQUEST_TABS if sees_all or not needs_all]
    current = request.GET.get("show") or ("open" if sees_all else "mine")
    if current not in dict(tabs):
        current = "mine"
    if current == "mine":
        requests = tool_requests_of(request.user)
    elif current == "open":
        requests = tool_requests_visible_to(request.user).filter(status=ToolRequestStatus.OPEN)
    else:
        requests = tool_requests_visible_to(request.user).exclude(status=ToolRequestStatus.OPEN)
    page = Paginator(requests.order_by("-created_at", "-pk"), PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"page": page, "tabs": tabs, "current": current, "can_decide": can_maintain_catalog(request.user)}
    return render(request, "catalog/request_list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def request_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Ask for a tool that is not in the catalogue; ``?name=`` fills in the name."""
    form = ToolRequestForm(
        request.POST if request.method == "POST" else None, initial={"name": request.GET.get("name", "")}
    )
    if request.method == "POST" and form.is_valid():
        try:
            tool_request = services.tool_request_create(actor=request.user, **form.cleaned_data)
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            messages.success(
                request, _("Your request was sent to AI governance. You will get an e-mail when it is decided.")
            )
            return redirect("catalog:request_detail", tool_request.pk)
    return render(request, "catalog/request_form.html", {"form": form})


@login_required
def request_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One request with its decision, for the requester, those who decide and auditors."""
    tool_request = get_object_or_404(tool_requests_visible_to(request.user), pk=pk)
    context = {
        "tool_request": tool_request,
        "history": history_for(tool_request),
        "can_decide": can_maintain_catalog(request.user) and tool_request.status == ToolRequestStatus.OPEN,
    }
    return render(request, "catalog/request_detail.html", context)


@maintainers_only
@require_http_methods(["GET", "POST"])
def request_decide(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Accept (linking or creating a catalogue entry) or reject an open request."""
    tool_request = get_object_or_404(tool_requests_visible_to(request.user), pk=pk)
    if tool_request.status != ToolRequestStatus.OPEN:
        messages.info(request, _("This request has already been decided."))
        return redirect("catalog:request_detail", tool_request.pk)
    posted = request.POST if request.method == "POST" else None
    form = DecisionForm(posted, tools=tools_visible_to(request.user).order_by("name"))
    tool_form = ToolForm(
        posted,
        creating=True,
        prefix="tool",
        initial={"name": tool_request.name, "vendor": tool_request.vendor, "status": ToolStatus.IN_EVALUATION},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        accept = data["decision"] == DecisionForm.ACCEPT
        creating = accept and data["catalogue"] == DecisionForm.CREATE
        linking = accept and data["catalogue"] == DecisionForm.LINK
        if not creating or tool_form.is_valid():
            try:
                services.tool_request_decide(
                    actor=request.user,
                    tool_request=tool_request,
                    accept=accept,
                    comment=data["comment"],
                    tool=data["tool"] if linking else None,
                    new_tool=dict(tool_form.cleaned_data) if creating else None,
                )
            except DomainError as exc:
                target = tool_form if creating and exc.field in tool_form.fields else form
                target.add_domain_error(exc)
            else:
                messages.success(request, _("The decision was saved and the requester is told by e-mail."))
                return redirect("catalog:request_detail", tool_request.pk)
    context = {"tool_request": tool_request, "form": form, "tool_form": tool_form}
    return render(request, "catalog/request_decide.html", context)
