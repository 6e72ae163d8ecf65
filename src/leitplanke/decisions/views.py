"""Decision pages: the reviews routed to me, deciding one, and the team lead's approval."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from leitplanke.common.access import only_for
from leitplanke.common.actors import AuthenticatedHttpRequest
from leitplanke.common.charts import csv_response
from leitplanke.common.errors import Conflict, DomainError
from leitplanke.guardrails.presentation import explanation_for
from leitplanke.usecases.models import Status, UseCase
from leitplanke.usecases.selectors import can_edit

from . import selectors, services
from .forms import ApprovalForm, ObligationDoneForm, ReviewDecisionForm, StageForm
from .metrics import bottlenecks, can_read_metrics, overdue_obligations
from .models import ReviewStatus
from .presentation import waiting_chart


@login_required
def review_list(request: HttpRequest) -> HttpResponse:
    """Open reviews routed to me, the most urgent first, and the ones I decided lately."""
    context = {
        "open": list(selectors.open_reviews_for(request.user)[:200]),
        "decided": list(
            selectors.reviews_for(request.user)
            .filter(decided_by_id=request.user.pk)
            .exclude(status=ReviewStatus.OPEN)
            .order_by("-decided_at")[:20]
        ),
        "today": timezone.localdate(),
    }
    return render(request, "decisions/review_list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def review_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """One review: the use case's verdict and answers, the other reviews, and the decision form."""
    review = get_object_or_404(selectors.reviews_for(request.user), pk=pk)
    usecase = review.usecase
    may_decide = (
        review.status == ReviewStatus.OPEN
        and usecase.status == Status.IN_REVIEW
        and selectors.can_decide_review(request.user, review)
    )
    form = ReviewDecisionForm(request.POST if request.method == "POST" else None, initial={"version": review.version})
    if request.method == "POST":
        if not may_decide:
            messages.error(request, _("This review is already decided or no longer needed."))
            return redirect("decisions:review_detail", review.pk)
        if form.is_valid():
            data = form.cleaned_data
            try:
                decided = services.review_decide(
                    actor=request.user,
                    review=review,
                    outcome=data["outcome"],
                    comment=data["comment"],
                    conditions=data["conditions"],
                    expected_version=data["version"],
                )
            except Conflict:
                messages.error(request, _("Someone decided this review in the meantime."))
                return redirect("decisions:review_detail", review.pk)
            except DomainError as exc:
                form.add_domain_error(exc)
            else:
                if decided.status == ReviewStatus.CANCELLED:
                    messages.warning(
                        request, _("The rules see this use case differently now; your review is no longer needed.")
                    )
                else:
                    messages.success(
                        request, _("Your decision was recorded; the owner is informed on the use case's page.")
                    )
                return redirect("decisions:review_list")
    context = {
        "review": review,
        "usecase": usecase,
        "others": [r for r in selectors.current_reviews(usecase) if r.pk != review.pk],
        "verdict": explanation_for(usecase),
        "form": form if may_decide else None,
        "today": timezone.localdate(),
    }
    return render(request, "decisions/review_detail.html", context, status=400 if form.errors else 200)


@login_required
@require_POST
def usecase_approve(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The team lead's approval, from the decision panel of the use case's page."""
    usecase = get_object_or_404(UseCase.objects.visible_to(request.user).select_related("unit"), pk=pk)
    if not selectors.can_approve(request.user, usecase):
        raise Http404
    form = ApprovalForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
        return redirect("usecases:detail", usecase.pk)
    try:
        approved = services.usecase_approve(
            actor=request.user,
            usecase=usecase,
            scope=form.cleaned_data["scope"],
            expected_version=form.cleaned_data["version"],
        )
    except Conflict:
        messages.error(request, _("The use case changed in the meantime. Please look at it again before you approve."))
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        if approved.status == Status.APPROVED:
            messages.success(request, _("You approved “%(title)s”.") % {"title": approved.title})
        else:
            messages.warning(
                request,
                _("The rules see this use case differently now, so it was not approved: see its way to a decision."),
            )
    return redirect("usecases:detail", usecase.pk)


@login_required
@require_http_methods(["GET", "POST"])
def obligation_done(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Record the evidence that an obligation of a use case is fulfilled."""
    obligation = get_object_or_404(
        selectors.obligations_visible_to(request.user).select_related("usecase", "usecase__unit"), pk=pk
    )
    editor = can_edit(request.user, obligation.usecase)
    if request.method == "POST" and not editor:
        raise Http404
    if request.method == "POST":
        form = ObligationDoneForm(request.POST, request.FILES, initial={"version": obligation.version})
    else:
        form = ObligationDoneForm(initial={"version": obligation.version})
    if request.method == "POST" and form.is_valid():
        try:
            services.obligation_complete(
                actor=request.user,
                obligation=obligation,
                evidence=form.cleaned_data["evidence"],
                evidence_link=form.cleaned_data["evidence_link"],
                evidence_file=form.cleaned_data["evidence_file"],
                expected_version=form.cleaned_data["version"],
            )
        except Conflict:
            messages.error(request, _("Someone else changed this obligation in the meantime."))
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            messages.success(request, _("The obligation is done."))
            return redirect("usecases:detail", obligation.usecase.pk)
    context = {"obligation": obligation, "usecase": obligation.usecase, "form": form if editor else None}
    return render(request, "decisions/obligation_form.html", context, status=400 if form.errors else 200)


@login_required
@require_http_methods(["GET", "HEAD"])
def evidence_download(request: HttpRequest, pk: int) -> FileResponse:
    """The file attached as evidence to an obligation, for those who can see its use case."""
    obligation = get_object_or_404(selectors.obligations_visible_to(request.user).exclude(evidence_file=""), pk=pk)
    try:
        handle = obligation.evidence_file.open("rb")
    except FileNotFoundError:  # the row names a file the storage no longer has
        raise Http404 from None
    response = FileResponse(handle, as_attachment=True, filename=obligation.evidence_file_name)
    response["X-Content-Type-Options"] = "nosniff"
    return response


@only_for(can_read_metrics)
def metrics(request: HttpRequest) -> HttpResponse:
    """Where decisions wait: open reviews by role and age, time to decision, the team leads' share."""
    figures = bottlenecks()
    context = {
        "figures": figures,
        "overdue": overdue_obligations(request.user),
        "waiting_chart": waiting_chart(figures),
    }
    return render(request, "decisions/metrics.html", context)


@only_for(can_read_metrics)
def metrics_waiting_csv(request: HttpRequest) -> HttpResponse:
    """The waiting time per review role (the metrics page's chart) as CSV."""
    return csv_response(waiting_chart(bottlenecks()), "waiting-time-per-role.csv")


@login_required
@require_POST
def usecase_stage(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Move an approved use case into pilot or production, submit it for production, or retire it."""
    from . import lifecycle

    usecase = get_object_or_404(UseCase.objects.visible_to(request.user).select_related("unit"), pk=pk)
    if not can_edit(request.user, usecase):
        raise Http404
    form = StageForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose what should happen with the use case."))
        return redirect("usecases:detail", usecase.pk)
    action, version = form.cleaned_data["action"], form.cleaned_data["version"]
    try:
        if action == "submit_production":
            moved = lifecycle.usecase_submit_for_production(
                actor=request.user, usecase=usecase, expected_version=version
            )
        else:
            moved = lifecycle.usecase_stage_move(
                actor=request.user, usecase=usecase, stage=action, expected_version=version
            )
    except Conflict:
        messages.error(request, _("The use case changed in the meantime. Please look at it again."))
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        if action == "submit_production":
            messages.success(
                request, _("Submitted for production: %(status)s.") % {"status": moved.get_status_display()}
            )
        else:
            messages.success(
                request, _("The use case is now in the stage “%(stage)s”.") % {"stage": moved.get_stage_display()}
            )
    return redirect("usecases:detail", usecase.pk)
