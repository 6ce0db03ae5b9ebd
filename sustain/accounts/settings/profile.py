"""Settings for everybody signed in, customers too: own profile and own API tokens."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from sustain.accounts import services, tokens
from sustain.accounts.access import signed_in_user
from sustain.accounts.models import ApiToken, User
from sustain.accounts.settings.common import page_of, query_without
from sustain.accounts.settings.forms import (
    ProfileForm,
    StaffProfileForm,
    TokenForm,
)
from sustain.accounts.settings.people import user_url
from sustain.core.errors import Conflict, ValidationFailed
from sustain.core.htmx import render_page
from sustain.core.permissions import Capability
from sustain.core.web_errors import add_service_error


def _profile_form(user: User, data: Any = None) -> ProfileForm:
    form_class = StaffProfileForm if user.is_staff_member else ProfileForm
    initial = {"full_name": user.full_name, "time_zone": user.time_zone, "is_away": user.is_away}
    return form_class(data, initial=initial)


def _page(
    request: HttpRequest,
    *,
    profile_form: ProfileForm | None = None,
    token_form: TokenForm | None = None,
    created: tuple[ApiToken, str] | None = None,
    status: int = 200,
) -> HttpResponse:
    user = signed_in_user(request)
    context = {
        "nav": "settings" if user.can(Capability.SETTINGS_READ) else "",
        "section": "tokens",
        "profile_form": profile_form or _profile_form(user),
        "token_form": token_form or TokenForm(),
        "created_token": created[0] if created else None,
        "raw_token": created[1] if created else "",
        "tokens": page_of(
            request, ApiToken.objects.filter(user=user), order="-created_at", param="tokens"
        ),
        "tokens_query": query_without(request, "tokens"),
    }
    response = render_page(request, "accounts/settings/tokens.html", context, status=status)
    if created:
        # The only copy of the plain token: no cache, proxy or back button may keep it.
        response["Cache-Control"] = "no-store"
    return response


@login_required
def token_page(request: HttpRequest) -> HttpResponse:
    """GET: profile and tokens. POST: create a token and show it, this once."""
    user = signed_in_user(request)
    if request.method != "POST":
        return _page(request)
    form = TokenForm(request.POST)
    if form.is_valid():
        try:
            created = tokens.create_token(
                actor=user, user=user, name=form.cleaned_data["name"], expires_at=form.expires_at()
            )
        except ValidationFailed as exc:
            add_service_error(form, exc, rename={"expires_at": "expires_on"})
        else:
            return _page(request, created=created, status=201)
    return _page(request, token_form=form, status=422)


@require_POST
@login_required
def profile(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    form = _profile_form(user, request.POST)
    if form.is_valid():
        try:
            services.update_user(actor=user, user=user, changes=dict(form.cleaned_data))
        except (ValidationFailed, Conflict) as exc:
            user.refresh_from_db()
            add_service_error(form, exc)
        else:
            messages.success(request, "Saved your profile.")
            return redirect("settings:tokens")
    return _page(request, profile_form=form, status=422)


@require_POST
@login_required
def token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    actor = signed_in_user(request)
    token = tokens.revoke_token(actor=actor, token_id=token_id)
    messages.success(request, f"Revoked the token “{token.name}”: it no longer works.")
    if token.user_id == actor.pk:
        return redirect("settings:tokens")
    owner = services.get_user_for(actor, token.user_id)
    return redirect(user_url(owner))
