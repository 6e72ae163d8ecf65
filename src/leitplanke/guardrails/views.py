"""Guardrail pages: the published rules for everyone, publishing for AI governance, the live verdict.

Reads go through ``selectors``, writes through ``services``. Publishing is for AI governance only;
everybody else is told "not found".
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from leitplanke.common.access import only_for
from leitplanke.common.actors import AuthenticatedHttpRequest
from leitplanke.common.errors import DomainError, NotFound
from leitplanke.usecases import selectors as usecase_selectors
from leitplanke.usecases.facts import FACTS

from . import evaluators, presentation, selectors, services
from .archive import zip_files
from .engine import Bundle, CheckReport, InputInvalid, files_digest
from .forms import BundleUploadForm
from .models import RuleBundle

#: The candidate bundle between the check and the decision to publish it, kept in the session.
_CANDIDATE = "guardrails_candidate"

governance_only = only_for(selectors.can_publish)


def _bundle_context(row: RuleBundle, bundle: Bundle) -> dict[str, Any]:
    lang = presentation.language()
    return {
        "row": row,
        "bundle": bundle,
        "bundle_title": bundle.title.get(lang),
        "bundle_description": bundle.description.get(lang),
        "dates": [
            (date.title.get(lang), date.date, date.source)
            for date in sorted(bundle.dates.values(), key=lambda d: d.date)
        ],
        "files": presentation.rules_by_file(bundle),
        "can_publish": selectors.can_publish,
    }


@login_required
@require_GET
def overview(request: HttpRequest) -> HttpResponse:
    """The rules that decide now, with their texts, references and tests, and the bundle history."""
    row = selectors.bundle_in_force()
    evaluator = selectors.evaluator_for(row)
    context = {
        **_bundle_context(row, evaluator.bundle),
        "history": selectors.bundles()[:20],
        "can_publish": selectors.can_publish(request.user),
    }
    return render(request, "guardrails/overview.html", context)


@login_required
@require_GET
def bundle_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A published bundle (also an earlier one), with what its what-if found when it was published."""
    row = get_object_or_404(selectors.bundles(), pk=pk)
    context = {
        **_bundle_context(row, selectors.evaluator_for(row).bundle),
        "whatif": selectors.publication_whatif(request.user, row),
        "can_publish": selectors.can_publish(request.user),
    }
    return render(request, "guardrails/bundle.html", context)


@login_required
@require_GET
def bundle_download(request: HttpRequest, pk: int) -> HttpResponse:
    """A published bundle as a ZIP archive, to change it and upload it again."""
    row = get_object_or_404(selectors.bundles(), pk=pk)
    folder = f"{row.bundle_id}-{row.version}"
    response = HttpResponse(zip_files(selectors.bundle_files(row), folder), content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{folder}.zip"'
    return response


@governance_only
@require_http_methods(["GET", "POST"])
def publish(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Upload a bundle; it is checked and compared with the portfolio, then published on confirmation."""
    if request.method == "POST" and request.POST.get("confirm"):
        return _publish_confirmed(request)
    form = BundleUploadForm(request.POST or None, request.FILES or None)
    context: dict[str, Any] = {"form": form, "active": selectors.active_bundle()}
    if request.method == "POST" and form.is_valid():
        files = form.cleaned_data["archive"]
        report = evaluators.check(files)
        context["report"] = report
        if report.ok:
            try:
                whatif = selectors.what_if(files)
            except evaluators.RuleStopped as exc:
                context["report"] = exc.report(files)
                request.session.pop(_CANDIDATE, None)
                return render(request, "guardrails/publish.html", context, status=422)
            context["whatif"] = whatif.as_dict(limit=presentation.WHATIF_LISTED)
            context["digest"] = files_digest(files)
            request.session[_CANDIDATE] = {"files": files, "report": report.as_dict()}
        else:
            request.session.pop(_CANDIDATE, None)
        return render(request, "guardrails/publish.html", context, status=200 if report.ok else 422)
    return render(request, "guardrails/publish.html", context)


def _publish_confirmed(request: AuthenticatedHttpRequest) -> HttpResponse:
    candidate = request.session.get(_CANDIDATE)
    if not candidate or files_digest(candidate["files"]) != request.POST.get("digest"):
        messages.error(request, _("The checked bundle is no longer available. Please upload it again."))
        return redirect("guardrails:publish")
    try:
        publication = services.bundle_publish(
            actor=request.user, files=candidate["files"], checked=CheckReport.from_dict(candidate["report"])
        )
    except services.BundleRefused as exc:
        context = {"form": BundleUploadForm(), "report": exc.report, "active": selectors.active_bundle()}
        return render(request, "guardrails/publish.html", context, status=422)
    except evaluators.RuleStopped as exc:
        context = {
            "form": BundleUploadForm(),
            "report": exc.report(candidate["files"]),
            "active": selectors.active_bundle(),
        }
        return render(request, "guardrails/publish.html", context, status=422)
    except DomainError as exc:
        messages.error(request, str(exc.message))
        return redirect("guardrails:publish")
    request.session.pop(_CANDIDATE, None)
    messages.success(
        request,
        _("Version %(version)s is published; %(changed)s verdicts changed.")
        % {"version": publication.bundle.version, "changed": len(publication.whatif.changes)},
    )
    return redirect("guardrails:bundle", publication.bundle.pk)


@login_required
@require_POST
def preview(request: HttpRequest, pk: int) -> HttpResponse:
    """The verdict for the risk answers in the form, before they are saved (the intake shows it live)."""
    try:
        usecase = usecase_selectors.usecase_for_editor(request.user, pk)
    except NotFound as exc:
        raise Http404 from exc
    data = selectors.evaluation_input(usecase)
    # The risk step posts every question: an unticked list is an empty answer, an unchosen one is open.
    for fact in FACTS:
        values = request.POST.getlist(fact.name)
        if fact.multiple:
            data["facts"][fact.name] = values
        elif values and values[0]:
            data["facts"][fact.name] = values[0]
        else:
            data["facts"].pop(fact.name, None)
    evaluator = selectors.evaluator_for(selectors.bundle_in_force())
    try:
        verdict = evaluators.evaluate_or_stop(evaluator, data)
        explanation = presentation.explain(verdict, evaluator.bundle, unit_name=usecase.unit.name)
    except InputInvalid:
        return render(request, "guardrails/_verdict.html", {"explanation": None, "live": True, "invalid": True})
    return render(request, "guardrails/_verdict.html", {"explanation": explanation, "live": True})
