"""The token page: every signed-in person lists, creates and revokes their own personal access tokens.

A new token's plain text exists only in the response to the form that created it: it is never put
in the URL, the session or the database. Each rendering of the form carries a one-time key, so that
sending the same form again (a reload of that response) creates no second token.
"""

from __future__ import annotations

import secrets

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from leitplanke.common.actors import AuthenticatedHttpRequest
from leitplanke.common.errors import DomainError

from . import services
from .forms import TokenCreateForm
from .selectors import tokens_of

PAGE_SIZE = 50
#: The session key of the form keys handed out and not yet used (the newest few).
FORM_KEYS = "api.token_form_keys"
FORM_KEYS_KEPT = 5


def _form_key_issue(request: HttpRequest) -> str:
    key = secrets.token_urlsafe(16)
    request.session[FORM_KEYS] = [*request.session.get(FORM_KEYS, [])[-(FORM_KEYS_KEPT - 1) :], key]
    return key


def _form_key_spend(request: HttpRequest, key: str) -> None:
    request.session[FORM_KEYS] = [k for k in request.session.get(FORM_KEYS, []) if k != key]


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def token_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The person's tokens, newest first, and the form for a new one; after creating, the token once."""
    created = None
    form = TokenCreateForm()
    if request.method == "POST":
        key = request.POST.get("form_key", "")
        if key not in request.session.get(FORM_KEYS, []):
            messages.info(request, _("This form was already sent. A token created then is not shown again."))
            return redirect("api:token_list")
        form = TokenCreateForm(request.POST)
        if form.is_valid():
            try:
                created = services.token_create(actor=request.user, user=request.user, **form.cleaned_data)
            except DomainError as exc:
                form.add_domain_error(exc)
            else:
                _form_key_spend(request, key)
                form = TokenCreateForm()
    context = {
        "created": created,
        "form": form,
        "form_key": request.POST["form_key"] if form.is_bound else _form_key_issue(request),
        "tokens": Paginator(tokens_of(request.user), PAGE_SIZE).get_page(request.GET.get("page")),
    }
    return render(request, "api/token_list.html", context, status=400 if form.errors else 200)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def token_revoke(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Ask, then revoke one of the person's own tokens for good (another person's token is not found)."""
    token = get_object_or_404(tokens_of(request.user), pk=pk)
    if token.revoked_at is not None:
        messages.info(request, _("The token “%(name)s” is already revoked.") % {"name": token.name})
        return redirect("api:token_list")
    if request.method == "POST":
        services.token_revoke(actor=request.user, token=token)
        messages.success(
            request,
            _("The token “%(name)s” was revoked. Scripts using it can no longer sign in.") % {"name": token.name},
        )
        return redirect("api:token_list")
    return render(request, "api/token_revoke.html", {"token": token})
