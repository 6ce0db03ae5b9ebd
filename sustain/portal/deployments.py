"""The portal's "My deployments": what the customer's organisation runs, where, since when, and
its history. Every customer of the organisation reads it; a customer admin also sets and
removes deployments (the services check that again)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from sustain.accounts.access import customer_required, signed_in_user
from sustain.accounts.models import Organisation, User
from sustain.core.errors import NotFound
from sustain.core.htmx import render_page
from sustain.releases.deployments.choices import DeploymentChannel
from sustain.releases.deployments.views import (
    create_hook_from_form,
    organisation_context,
    remove_from_form,
    revoke_hook_from_form,
    set_from_form,
)
from sustain.releases.policy.views import portal_panel
from sustain.releases.rollouts.selectors import upcoming_of


def _organisation_of(user: User) -> Organisation:
    if user.organisation is None:
        raise NotFound("You belong to no organisation.")
    return user.organisation


@customer_required
def deployments(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    organisation = _organisation_of(user)
    form = None
    if request.method == "POST":
        form = set_from_form(request, user, organisation, DeploymentChannel.PORTAL)
        if form is None:
            return redirect("portal:deployments")
    context = {
        "nav": "portal-deployments",
        **organisation_context(request, user, organisation, form=form),
        "rollouts": upcoming_of(user, organisation.pk),
        **portal_panel(user, organisation),
    }
    status = 422 if form is not None and form.errors else 200
    return render_page(
        request, "portal/deployments.html", context, partial="history", status=status
    )


@customer_required
@require_POST
def remove(request: HttpRequest, deployment_id: int) -> HttpResponse:
    user = signed_in_user(request)
    remove_from_form(request, user, _organisation_of(user), deployment_id, DeploymentChannel.PORTAL)
    return redirect(reverse("portal:deployments"))


@customer_required
@require_POST
def create_hook(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    organisation = _organisation_of(user)
    shown = create_hook_from_form(request, user, organisation)
    context = {
        "nav": "portal-deployments",
        **organisation_context(request, user, organisation, form=None),
        **shown,
    }
    status = 422 if "hook_error" in shown else 201
    return render_page(request, "portal/deployments.html", context, status=status)


@customer_required
@require_POST
def revoke_hook(request: HttpRequest, hook_id: int) -> HttpResponse:
    user = signed_in_user(request)
    revoke_hook_from_form(user, _organisation_of(user), hook_id)
    messages.success(request, "Revoked the webhook: its reports are refused from now on.")
    return redirect(reverse("portal:deployments"))
