"""Account pages: sign in and out, profile, password, language."""

from __future__ import annotations

from typing import cast

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from leitplanke.audit.selectors import history_for
from leitplanke.common.errors import DomainError
from leitplanke.org.selectors import memberships_of, roles_of, units_led_by

from .forms import LanguageForm, LoginForm
from .lockout import cool_off
from .models import User
from .services import user_set_language, user_set_password


class LoginView(auth_views.LoginView):
    """The sign-in page."""

    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    """Sign out (POST only, as Django requires)."""


def locked_out(request: HttpRequest, credentials: object = None, *args: object, **kwargs: object) -> HttpResponse:
    """What a person sees after too many failed sign-ins (called by django-axes)."""
    minutes = max(1, int(cool_off(request).total_seconds() // 60))
    return render(request, "accounts/locked_out.html", {"cooloff_minutes": minutes}, status=429)


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    """The person's own page: who they are, where they belong, what roles they hold."""
    user = cast(User, request.user)
    form = PasswordChangeForm(user)
    if request.method == "POST":
        form = PasswordChangeForm(user, request.POST)
        if form.is_valid():
            try:
                saved = user_set_password(actor=user, user=user, password=form.cleaned_data["new_password1"])
            except DomainError as exc:
                form.add_error("new_password1", str(exc.message))
            else:
                update_session_auth_hash(request, saved)
                messages.success(request, _("Your password was changed."))
                return redirect("accounts:profile")
    context = {
        "person": user,
        "memberships": memberships_of(user),
        "roles": roles_of(user),
        "led_units": units_led_by(user).order_by("path"),
        "password_form": form,
        "history": history_for(user, limit=20),
        "show_details": True,  # one's own page
    }
    return render(request, "accounts/profile.html", context)


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """Switch the UI language; for a signed-in person the choice is kept on their account."""
    form = LanguageForm(request.POST)
    next_url = request.POST.get("next") or reverse("web:home")
    if not url_has_allowed_host_and_scheme(next_url, {request.get_host()}, request.is_secure()):
        next_url = reverse("web:home")
    response = HttpResponseRedirect(next_url)
    if not form.is_valid():
        messages.error(request, _("This language is not available."))
        return response
    language = form.cleaned_data["language"]
    if request.user.is_authenticated:
        user_set_language(actor=request.user, user=request.user, language=language)
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=365 * 24 * 3600,
        samesite="Lax",
        secure=getattr(settings, "LANGUAGE_COOKIE_SECURE", False),
        httponly=True,
    )
    return response
