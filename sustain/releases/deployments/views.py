"""Deployment pages of the agent workspace: the matrix, and one organisation's deployments
(current, set and remove, history). The portal's "My deployments" reuses the parts below."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from sustain.accounts.access import signed_in_user, staff_required
from sustain.accounts.models import Organisation, User
from sustain.accounts.services import get_organisation_for
from sustain.catalog.models import Product, Version
from sustain.core.errors import NotFound, ValidationFailed
from sustain.core.htmx import render_page
from sustain.core.pagination import Page, paginate
from sustain.core.web_errors import add_service_error
from sustain.releases.deployments import selectors, services, webhooks
from sustain.releases.deployments.choices import DeploymentChannel
from sustain.releases.deployments.forms import RemoveDeploymentForm, SetDeploymentForm
from sustain.releases.deployments.matrix import build_matrix
from sustain.releases.deployments.models import DeploymentChange
from sustain.releases.deployments.panels import panel_styles, shown_panels

HISTORY_PAGE = 25


def _int(raw: str | None) -> int | None:
    return int(raw) if raw and raw.isdigit() and len(raw) < 19 else None


@staff_required
def matrix(request: HttpRequest) -> HttpResponse:
    actor = signed_in_user(request)
    products = list(Product.objects.order_by("name"))
    chosen = _int(request.GET.get("product"))
    product = next((p for p in products if p.pk == chosen), products[0] if products else None)
    context: dict[str, Any] = {
        "nav": "deployments",
        "products": products,
        "product": product,
        "environments": selectors.environments(),
        "phases": list(selectors.PHASES.values()),
        "matrix": None,
    }
    if product is not None:
        environment = request.GET.get("environment") or None
        if environment not in context["environments"]:
            environment = None
        version_id = _int(request.GET.get("version"))
        version = (
            Version.objects.filter(pk=version_id, product=product).first() if version_id else None
        )
        try:
            built = build_matrix(
                actor,
                product=product,
                environment=environment,
                phase=request.GET.get("phase", ""),
                version=version,
                cursor=request.GET.get("cursor") or None,
            )
        except ValidationFailed:
            messages.error(request, "That page link no longer works; here is the first page.")
            built = build_matrix(actor, product=product, environment=environment, version=version)
        query = request.GET.copy()
        query.pop("cursor", None)
        context.update(matrix=built, version=version, pager_query=query.urlencode())
    return render_page(request, "releases/deployments/matrix.html", context, partial="results")


# --- one organisation -----------------------------------------------------------------------
def organisation_context(
    request: HttpRequest, actor: User, organisation: Organisation, *, form: SetDeploymentForm | None
) -> dict[str, Any]:
    """What the per-organisation view shows: current deployments, the form to set one (when
    ``actor`` may), the history. Shared with the portal."""
    may_change = services.may_change_deployments(actor, organisation.pk)
    history = _history_page(request, actor, organisation)
    query = request.GET.copy()
    query.pop("cursor", None)
    may_manage_hooks = webhooks.may_manage_hooks(actor, organisation.pk)
    deployments = selectors.deployments_of(actor, organisation)
    return {
        "organisation": organisation,
        "deployments": deployments,
        "panels": shown_panels(actor, organisation, deployments),
        "panel_styles": panel_styles(),
        "history": history,
        "pager_query": query.urlencode(),
        "may_change": may_change,
        "form": (form or SetDeploymentForm()) if may_change else None,
        "may_manage_hooks": may_manage_hooks,
        "hooks": (
            list(selectors.visible_hooks(actor).filter(organisation=organisation))
            if may_manage_hooks
            else []
        ),
        "base_url": settings.SUSTAIN_BASE_URL.rstrip("/"),
    }


def create_hook_from_form(
    request: HttpRequest, actor: User, organisation: Organisation
) -> dict[str, Any]:
    """Create a webhook for ``organisation`` from a POST; what the page shows next (the secret,
    once, or the refusal)."""
    try:
        hook, secret = webhooks.create_hook(
            actor=actor, name=request.POST.get("name", ""), organisation=organisation
        )
    except ValidationFailed as exc:
        return {"hook_error": exc.errors.get("name", [exc.detail])[0]}
    return {"new_hook": hook, "new_secret": secret}


def revoke_hook_from_form(actor: User, organisation: Organisation, hook_id: int) -> None:
    hook = webhooks.get_hook_for(actor, hook_id)
    if hook.organisation_id != organisation.pk:
        raise NotFound(f"{organisation.name} has no webhook with id {hook_id}.")
    webhooks.revoke_hook(actor=actor, hook_id=hook_id)


def _history_page(
    request: HttpRequest, actor: User, organisation: Organisation
) -> Page[DeploymentChange]:
    rows = selectors.history_of(actor, organisation)
    try:
        return paginate(
            rows, order="-created_at", cursor=request.GET.get("cursor"), limit=HISTORY_PAGE
        )
    except ValidationFailed:
        return paginate(rows, order="-created_at", cursor=None, limit=HISTORY_PAGE)


def set_from_form(
    request: HttpRequest, actor: User, organisation: Organisation, channel: DeploymentChannel
) -> SetDeploymentForm | None:
    """Run the set form of a POST; None when it succeeded (the caller redirects), else the
    form with its errors."""
    form = SetDeploymentForm(request.POST)
    if form.is_valid():
        try:
            outcome = services.set_deployment(
                actor=actor,
                organisation=organisation,
                version=form.version_row(),
                environment=form.cleaned_data["environment"],
                note=form.cleaned_data["note"],
                channel=channel,
            )
        except ValidationFailed as exc:
            add_service_error(form, exc)
        else:
            deployment = outcome.deployment
            assert deployment is not None
            if outcome.changed:
                messages.success(
                    request,
                    f"{organisation.name} runs {deployment.version} in {deployment.environment}.",
                )
            else:
                messages.info(request, "That version already ran there; nothing changed.")
            return None
    return form


def remove_from_form(
    request: HttpRequest,
    actor: User,
    organisation: Organisation,
    deployment_id: int,
    channel: DeploymentChannel,
) -> None:
    deployment = selectors.get_deployment_for(actor, deployment_id)
    if deployment.organisation_id != organisation.pk:
        raise NotFound(f"{organisation.name} has no deployment with id {deployment_id}.")
    form = RemoveDeploymentForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    services.remove_deployment(
        actor=actor,
        organisation=organisation,
        product=deployment.product,
        environment=deployment.environment,
        note=note,
        channel=channel,
    )
    messages.success(
        request,
        f"Removed {deployment.product.name} ({deployment.environment}) from {organisation.name}.",
    )


def _organisation_url(organisation: Organisation) -> str:
    return reverse("deployments:organisation", args=[organisation.pk])


@staff_required
def organisation(request: HttpRequest, organisation_id: int) -> HttpResponse:
    actor = signed_in_user(request)
    org = get_organisation_for(actor, organisation_id)
    form = None
    if request.method == "POST":
        form = set_from_form(request, actor, org, DeploymentChannel.STAFF)
        if form is None:
            return redirect(_organisation_url(org))
    context = {"nav": "deployments", **organisation_context(request, actor, org, form=form)}
    status = 422 if form is not None and form.errors else 200
    return render_page(
        request,
        "releases/deployments/organisation.html",
        context,
        partial="history",
        status=status,
    )


@staff_required
@require_POST
def remove(request: HttpRequest, organisation_id: int, deployment_id: int) -> HttpResponse:
    actor = signed_in_user(request)
    org = get_organisation_for(actor, organisation_id)
    remove_from_form(request, actor, org, deployment_id, DeploymentChannel.STAFF)
    return redirect(_organisation_url(org))


@staff_required
@require_POST
def create_hook(request: HttpRequest, organisation_id: int) -> HttpResponse:
    actor = signed_in_user(request)
    org = get_organisation_for(actor, organisation_id)
    shown = create_hook_from_form(request, actor, org)
    context = {
        "nav": "deployments",
        **organisation_context(request, actor, org, form=None),
        **shown,
    }
    status = 422 if "hook_error" in shown else 201
    return render_page(request, "releases/deployments/organisation.html", context, status=status)


@staff_required
@require_POST
def revoke_hook(request: HttpRequest, organisation_id: int, hook_id: int) -> HttpResponse:
    actor = signed_in_user(request)
    org = get_organisation_for(actor, organisation_id)
    revoke_hook_from_form(actor, org, hook_id)
    messages.success(request, "Revoked the webhook: its reports are refused from now on.")
    return redirect(_organisation_url(org))
