"""Settings: staff users (list, invite, edit role, deactivate) and their tokens."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Prefetch, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from sustain.accounts import admin_services, services
from sustain.accounts.access import capability_required, signed_in_user
from sustain.accounts.choices import STAFF_ROLES, Role
from sustain.accounts.models import ApiToken, Team, User
from sustain.accounts.settings.common import page_of, query_without
from sustain.accounts.settings.forms import UserEditForm, UserInviteForm
from sustain.core.errors import Conflict, ValidationFailed
from sustain.core.htmx import render_page
from sustain.core.permissions import Capability
from sustain.core.web_errors import add_service_error

STAFF_ROLE_CHOICES = [(r.value, r.label) for r in Role if r in STAFF_ROLES]
STATE_FILTERS: dict[str, dict[str, bool]] = {
    "active": {"is_active": True, "is_away": False},
    "away": {"is_active": True, "is_away": True},
    "deactivated": {"is_active": False},
}


def user_url(user: User) -> str:
    """Staff are edited under Users, contacts under their organisation."""
    if user.is_customer and user.organisation_id is not None:
        return reverse("settings:contact", args=[user.organisation_id, user.pk])
    return reverse("settings:user", args=[user.pk])


@capability_required(Capability.SETTINGS_READ)
def user_list(request: HttpRequest) -> HttpResponse:
    actor = signed_in_user(request)
    users = services.visible_users(actor).filter(role__in=list(STAFF_ROLES))
    role = request.GET.get("role", "")
    if role in dict(STAFF_ROLE_CHOICES):
        users = users.filter(role=role)
    state = request.GET.get("state", "")
    if state in STATE_FILTERS:
        users = users.filter(**STATE_FILTERS[state])
    q = request.GET.get("q", "").strip()
    if q:
        users = users.filter(Q(email__icontains=q) | Q(full_name__icontains=q))
    users = users.prefetch_related(Prefetch("teams", queryset=Team.objects.order_by("name")))
    page = page_of(request, users, order="email")
    context = {
        "nav": "settings",
        "section": "users",
        "page": page,
        "q": q,
        "role": role,
        "roles": STAFF_ROLE_CHOICES,
        "state": state,
        "pager_query": query_without(request, "cursor"),
    }
    return render_page(request, "accounts/settings/users.html", context, partial="results")


@capability_required(Capability.PEOPLE_MANAGE)
def user_new(request: HttpRequest) -> HttpResponse:
    actor = signed_in_user(request)
    form = UserInviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = admin_services.invite_user(
                actor=actor,
                email=data["email"],
                full_name=data["full_name"],
                role=data["role"],
                organisation=data["organisation"],
                time_zone=data["time_zone"],
            )
        except (ValidationFailed, Conflict) as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, f"{user.email} is invited: they get an e-mail to sign in.")
            return redirect(user_url(user))
    status = 422 if form.errors else 200
    context = {"nav": "settings", "section": "users", "form": form}
    return render_page(request, "accounts/settings/user_new.html", context, status=status)


@capability_required(Capability.SETTINGS_READ)
def user_detail(request: HttpRequest, user_id: int) -> HttpResponse:
    actor = signed_in_user(request)
    user = services.get_user_for(actor, user_id)
    if user.is_customer and user.organisation_id is not None:
        return redirect(user_url(user))
    initial = {
        "full_name": user.full_name,
        "role": user.role,
        "organisation": user.organisation,
        "time_zone": user.time_zone,
        "is_away": user.is_away,
    }
    form = UserEditForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_user(actor=actor, user=user, changes=form.changes())
        except (ValidationFailed, Conflict) as exc:
            user.refresh_from_db()
            add_service_error(form, exc)
        else:
            messages.success(request, f"Saved the changes to {user.email}.")
            return redirect(user_url(user))
    tokens = None
    if actor.can(Capability.TOKENS_MANAGE_ALL):
        tokens = page_of(
            request, ApiToken.objects.filter(user=user), order="-created_at", param="tokens"
        )
    context = {
        "nav": "settings",
        "section": "users",
        "subject": user,
        "form": form,
        "can_edit": actor.can(Capability.PEOPLE_MANAGE),
        "tokens": tokens,
        "tokens_query": query_without(request, "tokens"),
        "teams": list(user.teams.order_by("name")),
    }
    status = 422 if form.errors else 200
    return render_page(request, "accounts/settings/user_detail.html", context, status=status)


@require_POST
@capability_required(Capability.PEOPLE_MANAGE)
def user_invite_again(request: HttpRequest, user_id: int) -> HttpResponse:
    actor = signed_in_user(request)
    user = services.get_user_for(actor, user_id)
    try:
        admin_services.resend_invitation(actor=actor, user=user)
    except Conflict as exc:
        messages.error(request, exc.detail)
    else:
        messages.success(request, f"Sent {user.email} a new invitation.")
    return redirect(user_url(user))


@require_POST
@capability_required(Capability.PEOPLE_MANAGE)
def user_active(request: HttpRequest, user_id: int) -> HttpResponse:
    actor = signed_in_user(request)
    user = services.get_user_for(actor, user_id)
    active = request.POST.get("active") == "1"
    try:
        admin_services.set_user_active(actor=actor, user=user, active=active)
    except (ValidationFailed, Conflict) as exc:
        messages.error(request, exc.detail)
    else:
        state = "reactivated" if active else "deactivated: they can no longer sign in"
        messages.success(request, f"{user.email} is {state}.")
    return redirect(user_url(user))
