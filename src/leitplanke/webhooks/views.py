"""Webhook pages for AI governance: endpoints, their secret (once), the delivery log, test and redeliver.

Everyone else is told "not found". A new endpoint's secret is shown on the endpoint's page right
after it was created, once: the session holds only the endpoint's id until that page is shown. A
rotated secret is shown the same way, right after the rotation.
"""

from __future__ import annotations

from functools import partial

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from leitplanke.common.access import only_for
from leitplanke.common.actors import AuthenticatedHttpRequest
from leitplanke.common.errors import Conflict, DomainError, NotFound
from leitplanke.common.forms import save_versioned

from . import selectors, services
from .forms import EndpointForm, RotateSecretForm
from .models import DeliveryStatus, Endpoint

PAGE_SIZE = 50
#: The session key naming the endpoint whose secret is still to be shown.
REVEAL = "webhooks.reveal_secret_of"

governance_only = only_for(selectors.can_manage_webhooks)


def _endpoint(request: HttpRequest, pk: int) -> Endpoint:
    try:
        return selectors.endpoint_for(request.user, pk)
    except NotFound as exc:
        raise Http404 from exc


@governance_only
def endpoint_list(request: HttpRequest) -> HttpResponse:
    """The endpoints, active first, with their waiting and failed deliveries counted."""
    endpoints = Paginator(selectors.endpoints_visible_to(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "webhooks/endpoint_list.html", {"page": endpoints})


@governance_only
@require_http_methods(["GET", "POST"])
def endpoint_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    """A new endpoint; its secret is shown on the next page, once."""
    form = EndpointForm(request.POST if request.method == "POST" else None, creating=True)
    if request.method == "POST" and form.is_valid():
        try:
            endpoint = services.endpoint_create(actor=request.user, **form.cleaned_data)
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            request.session[REVEAL] = endpoint.pk
            messages.success(request, _("The endpoint was added."))
            return redirect("webhooks:endpoint_detail", endpoint.pk)
    return render(
        request, "webhooks/endpoint_form.html", {"form": form, "endpoint": None}, status=400 if form.errors else 200
    )


@never_cache
@governance_only
def endpoint_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One endpoint: its settings, the secret right after creation, and its delivery log, newest first."""
    endpoint = _endpoint(request, pk)
    secret = None
    if request.session.get(REVEAL) == endpoint.pk:
        del request.session[REVEAL]
        secret = endpoint.secret
    deliveries = Paginator(selectors.deliveries_of(endpoint), PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "endpoint": endpoint,
        "secret": secret,
        "previous_signs": endpoint.previous_secret_signs(),
        "page": deliveries,
        "failed": DeliveryStatus.FAILED,
    }
    return render(request, "webhooks/endpoint_detail.html", context)


@governance_only
@require_http_methods(["GET", "POST"])
def endpoint_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Change address, description and events; a change by someone else in the meantime is a conflict."""
    endpoint = _endpoint(request, pk)
    initial = {
        "url": endpoint.url,
        "description": endpoint.description,
        "event_types": endpoint.event_types,
        "version": endpoint.version,
    }
    form = EndpointForm(request.POST if request.method == "POST" else None, creating=False, initial=initial)
    conflict = None
    if request.method == "POST" and form.is_valid():
        saved, conflict = save_versioned(
            form, Endpoint, partial(services.endpoint_update, actor=request.user, endpoint=endpoint)
        )
        if saved is not None:
            messages.success(request, _("The endpoint was saved."))
            return redirect("webhooks:endpoint_detail", saved.pk)
    context = {"form": form, "endpoint": endpoint, "conflict": conflict}
    return render(
        request, "webhooks/endpoint_form.html", context, status=409 if conflict else 400 if form.errors else 200
    )


@governance_only
@require_POST
def endpoint_active(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Deactivate an endpoint (``active=0``) or activate it again (``active=1``)."""
    endpoint = _endpoint(request, pk)
    active = request.POST.get("active") == "1"
    try:
        services.endpoint_set_active(actor=request.user, endpoint=endpoint, active=active)
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(
            request,
            _("The endpoint is active again.")
            if active
            else _("The endpoint was deactivated. It receives no more events."),
        )
    return redirect("webhooks:endpoint_detail", endpoint.pk)


@governance_only
@require_http_methods(["GET", "POST"])
def endpoint_rotate_secret(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Confirm, then give the endpoint a new secret; it is shown once, on the endpoint's page, as after creation.

    GET explains the grace period (the old secret still signs for a while); POST rotates. A rotation
    by someone else since the page was shown is a conflict: nothing changes until it is confirmed again.
    """
    endpoint = _endpoint(request, pk)
    form = RotateSecretForm(request.POST if request.method == "POST" else None, initial={"version": endpoint.version})
    conflict = False
    if request.method == "POST" and form.is_valid():
        try:
            services.endpoint_rotate_secret(
                actor=request.user, endpoint=endpoint, expected_version=form.cleaned_data["version"]
            )
        except DomainError as exc:
            form.add_domain_error(exc)
            conflict = isinstance(exc, Conflict)
        else:
            request.session[REVEAL] = endpoint.pk
            messages.success(request, _("The endpoint has a new secret."))
            return redirect("webhooks:endpoint_detail", endpoint.pk)
    context = {
        "endpoint": endpoint,
        "form": form,
        "grace_hours": services.secret_grace_hours(),
        "previous_signs": endpoint.previous_secret_signs(),
    }
    status = 409 if conflict else 400 if form.errors else 200
    return render(request, "webhooks/endpoint_rotate_secret.html", context, status=status)


@governance_only
@require_POST
def endpoint_test(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Send the endpoint a test event; the log below shows how it went."""
    endpoint = _endpoint(request, pk)
    try:
        services.endpoint_test(actor=request.user, endpoint=endpoint)
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("A test event is on its way. Reload the page to see how it was answered."))
    return redirect("webhooks:endpoint_detail", endpoint.pk)


@governance_only
@require_POST
def delivery_redeliver(request: AuthenticatedHttpRequest, pk: int, delivery_pk: int) -> HttpResponse:
    """Send a failed delivery again: the same event, with a new round of attempts."""
    endpoint = _endpoint(request, pk)
    try:
        delivery = selectors.delivery_for(request.user, endpoint, delivery_pk)
    except NotFound as exc:
        raise Http404 from exc
    try:
        services.delivery_redeliver(actor=request.user, delivery=delivery)
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("The delivery is sent again."))
    return redirect("webhooks:endpoint_detail", endpoint.pk)
