"""Start page, area pages and health endpoints."""

from __future__ import annotations

import io
from collections import Counter

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone, translation
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from leitplanke.decisions.selectors import approvals_waiting_for, obligations_due_for, open_reviews_for
from leitplanke.impact.portfolio_views import portfolio_for
from leitplanke.org.selectors import has_any_review_role, memberships_of, roles_of, units_led_by
from leitplanke.usecases.models import Status, UseCase
from leitplanke.web.dbhealth import cached_integrity_problems

from . import portfolio_report as portfolio_report_module
from .navigation import AREAS, AREAS_BY_KEY
from .pdf import CONTENT_TYPE as PDF
from .pdf import pdf_language
from .steckbrief import steckbrief_filename, steckbrief_pdf, usecase_for_document


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """My work: where the person belongs and what they are responsible for."""
    user = request.user
    mine = UseCase.objects.visible_to(user).filter(owner_id=user.pk)
    context = {
        "memberships": memberships_of(user),
        "led_units": units_led_by(user).order_by("path"),
        "roles": roles_of(user),
        "approvals": approvals_waiting_for(user),
        "reviews": list(open_reviews_for(user)[:10]),
        "review_count": open_reviews_for(user).count(),
        "is_reviewer": has_any_review_role(user),
        "obligations": list(obligations_due_for(user)[:10]),
        "obligation_count": obligations_due_for(user).count(),
        "owned": list(mine.select_related("unit").order_by("-updated_at", "-pk")[:10]),
        "owned_counts": [
            (Status(code).label, count)
            for code, count in sorted(Counter(mine.values_list("status", flat=True)).items())
        ],
        "today": timezone.localdate(),
        "announced": any(not entry.ready for entry in AREAS),
    }
    return render(request, "web/home.html", context)


@login_required
def area(request: HttpRequest, key: str) -> HttpResponse:
    """An area of the product that is announced in the navigation but not yet available."""
    found = AREAS_BY_KEY.get(key)
    if found is None or found.ready:
        raise Http404
    return render(request, "web/area.html", {"area": found})


@never_cache
@require_GET
def healthz(request: HttpRequest) -> HttpResponse:
    """Liveness: the process answers."""
    return JsonResponse({"status": "ok"})


@never_cache
@require_GET
def readyz(request: HttpRequest) -> HttpResponse:
    """Readiness: the database answers a query and passed its integrity check (run at a process's
    first probe, then at most every ``LEITPLANKE_INTEGRITY_CHECK_MINUTES``)."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:  # noqa: BLE001 - any database failure means "not ready"
        return JsonResponse({"status": "unavailable", "database": "error"}, status=503)
    if cached_integrity_problems():
        # The details are in the log (and in 'leitplanke check'), not for anonymous callers.
        return JsonResponse({"status": "unavailable", "database": "damaged"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


@login_required
@require_GET
def usecase_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """The Steckbrief of one use case as PDF, for whoever may see the use case (``?lang=de|en``)."""
    usecase = usecase_for_document(pk, reader=request.user)
    if usecase is None:
        raise Http404
    document = steckbrief_pdf(usecase, language=pdf_language(request.GET.get("lang")))
    response = HttpResponse(document, content_type=PDF)
    response["Content-Disposition"] = f'attachment; filename="{steckbrief_filename(usecase)}"'
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_GET
def portfolio_report(request: HttpRequest, fmt: str) -> HttpResponse:
    """The portfolio for the page's filters as PDF, JSON or XLSX (``?lang=de|en`` for the PDF and the workbook)."""
    if fmt not in portfolio_report_module.FORMATS:
        raise Http404
    language = pdf_language(request.GET.get("lang"))
    figures, _form = portfolio_for(request)
    if fmt == "pdf":
        response = HttpResponse(portfolio_report_module.portfolio_pdf(figures, language=language), content_type=PDF)
    elif fmt == "json":
        response = HttpResponse(
            portfolio_report_module.portfolio_json(figures), content_type="application/json; charset=utf-8"
        )
    else:
        buffer = io.BytesIO()
        with translation.override(language):
            portfolio_report_module.write_portfolio_xlsx(figures, buffer)
        response = HttpResponse(buffer.getvalue(), content_type=portfolio_report_module.XLSX)
    with translation.override(language):
        filename = portfolio_report_module.portfolio_filename(figures, fmt)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
