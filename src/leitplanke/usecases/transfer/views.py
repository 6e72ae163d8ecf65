"""Pages of import and export: the generic CSV upload and the inventory downloads."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from leitplanke.common.access import import_failure_context
from leitplanke.common.actors import AuthenticatedHttpRequest
from leitplanke.org.selectors import is_administrator

from ..facts import FACTS
from ..models import Stage
from ..selectors import units_user_works_in
from . import exporting, importing
from .forms import UsecaseImportForm


def _may_import(user: Any) -> bool:
    """People who may register use cases for some unit, and administrators."""
    return is_administrator(user) or units_user_works_in(user).exists()


@login_required
@require_http_methods(["GET", "POST"])
def import_usecases(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Upload a generic CSV file of use cases: every faulty line listed, or everything imported."""
    if not _may_import(request.user):
        raise Http404
    form = UsecaseImportForm(
        request.POST if request.method == "POST" else None, request.FILES if request.method == "POST" else None
    )
    context: dict[str, Any] = {
        "form": form,
        "required_columns": importing.REQUIRED_COLUMNS,
        "optional_columns": [c for c in importing.OPTIONAL_COLUMNS if c not in {f.name for f in FACTS}],
        "facts": [(fact, [code for code, _label in fact.all_choices]) for fact in FACTS],
        "stages": Stage.values,
    }
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            summary = importing.generic_csv_import(
                actor=request.user,
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
                return redirect("usecases:library")
    return render(request, "usecases/transfer/import.html", context)


@login_required
@require_GET
def export_inventory(request: HttpRequest, fmt: str) -> HttpResponseBase:
    """Download the inventory of every use case the person may see, as CSV, XLSX or JSON."""
    if fmt not in exporting.FORMATS:
        raise Http404
    return exporting.inventory_download(request.user, fmt)
