"""Update-policy pages: a product's policy and deprecation notices (forms; the product page
shows them through ``product_panel``), the two reports (with CSV), one organisation's standing,
and the per-customer lifecycle calendar. The portal shows ``portal_panel`` on "My
deployments"."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from sustain.accounts.access import capability_required, signed_in_user, staff_required
from sustain.accounts.models import Organisation, User
from sustain.accounts.services import get_organisation_for
from sustain.catalog.models import Product
from sustain.core.errors import ServiceError
from sustain.core.htmx import render_page
from sustain.core.permissions import Capability
from sustain.core.web_errors import add_service_error
from sustain.releases.deployments.selectors import environments
from sustain.releases.policy import reports, selectors, services
from sustain.releases.policy.calendar import (
    feed_url,
    key_holder,
    may_read,
    organisation_calendar,
)
from sustain.releases.policy.forms import DeprecationForm, PolicyForm, ReportFilterForm
from sustain.releases.policy.models import Deprecation

REPORT_PAGE = 50


def _product(product_id: int) -> Product:
    product = Product.objects.filter(pk=product_id).first()
    if product is None:
        raise Http404("No such product.")
    return product


def _product_url(product: Product) -> str:
    return reverse("products:product", args=[product.pk]) + "#policy-heading"


# --- panels other pages include ----------------------------------------------------------------
def product_panel(actor: User, product: Product) -> dict[str, Any]:
    """What the product page shows of its policy and notices."""
    return {
        "update_policy": selectors.policy_of(product),
        "deprecations": list(selectors.deprecations_of(product)),
        "can_edit_policy": actor.can(Capability.CATALOG_MANAGE),
    }


def portal_panel(user: User, organisation: Organisation) -> dict[str, Any]:
    """What "My deployments" shows: the notices that concern what the organisation runs, each
    deployment against its product's policy, and the calendar to subscribe to."""
    return {
        "affecting": selectors.deprecations_affecting(user, organisation),
        "standings": reports.standings_of(user, organisation.pk),
        "lifecycle_feed": feed_url(user, organisation),
    }


# --- a product's policy and notices ------------------------------------------------------------
@capability_required(Capability.CATALOG_MANAGE)
def policy_form(request: HttpRequest, product_id: int) -> HttpResponse:
    actor = signed_in_user(request)
    product = _product(product_id)
    policy = selectors.policy_of(product)
    form = PolicyForm(request.POST or None, initial=PolicyForm.initial_for(policy))
    if request.method == "POST" and form.is_valid():
        try:
            services.set_policy(actor=actor, product=product, data=form.policy_data())
        except ServiceError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, f"Saved the update policy of {product.name}.")
            return redirect(_product_url(product))
    context = {"nav": "products", "form": form, "product": product, "policy": policy}
    status = 422 if form.errors else 200
    return render_page(request, "releases/policy/policy_form.html", context, status=status)


@capability_required(Capability.CATALOG_MANAGE)
@require_POST
def policy_delete(request: HttpRequest, product_id: int) -> HttpResponse:
    product = _product(product_id)
    services.delete_policy(actor=signed_in_user(request), product=product)
    messages.success(request, f"Removed the update policy of {product.name}.")
    return redirect(_product_url(product))


def _notice(product: Product, notice_id: int) -> Deprecation:
    notice = selectors.deprecations_of(product).filter(pk=notice_id).first()
    if notice is None:
        raise Http404("No such deprecation notice.")
    return notice


@capability_required(Capability.CATALOG_MANAGE)
def deprecation_form(
    request: HttpRequest, product_id: int, notice_id: int | None = None
) -> HttpResponse:
    actor = signed_in_user(request)
    product = _product(product_id)
    notice = _notice(product, notice_id) if notice_id else None
    initial = DeprecationForm.initial_for(notice) if notice else {}
    form = DeprecationForm(request.POST or None, initial=initial, product=product)
    if request.method == "POST" and form.is_valid():
        try:
            if notice is None:
                services.create_deprecation(
                    actor=actor, product=product, data=form.deprecation_data()
                )
            else:
                services.update_deprecation(
                    actor=actor, notice=notice, data=form.deprecation_data()
                )
        except ServiceError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, "Saved the deprecation notice.")
            return redirect(_product_url(product))
    context = {"nav": "products", "form": form, "product": product, "notice": notice}
    status = 422 if form.errors else 200
    return render_page(request, "releases/policy/deprecation_form.html", context, status=status)


@capability_required(Capability.CATALOG_MANAGE)
@require_POST
def deprecation_delete(request: HttpRequest, product_id: int, notice_id: int) -> HttpResponse:
    product = _product(product_id)
    services.delete_deprecation(actor=signed_in_user(request), notice=_notice(product, notice_id))
    messages.success(request, "Withdrew the deprecation notice.")
    return redirect(_product_url(product))


# --- reports -----------------------------------------------------------------------------------
def _filters(request: HttpRequest) -> tuple[ReportFilterForm, dict[str, Any]]:
    form = ReportFilterForm(request.GET or None, environments=environments())
    chosen: dict[str, Any] = {"product_id": None, "environment": None, "days": None}
    if form.is_bound:
        form.is_valid()  # a bad field is shown on the form; the valid ones still filter
        data = form.cleaned_data
        product = data.get("product")
        chosen = {
            "product_id": product.pk if product else None,
            "environment": data.get("environment") or None,
            "days": data.get("days"),
        }
    return form, chosen


def _csv_response(text: str, name: str) -> HttpResponse:
    response = HttpResponse(text, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _report_page(
    request: HttpRequest, template: str, form: ReportFilterForm, rows: list[Any], **extra: Any
) -> HttpResponse:
    page = Paginator(rows, REPORT_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    query.pop("format", None)
    context = {
        "nav": "deployments",
        "form": form,
        "page": page,
        "total": len(rows),
        "query": query.urlencode(),
        **extra,
    }
    status = 422 if form.errors else 200
    return render_page(request, template, context, partial="results", status=status)


@staff_required
def behind_report(request: HttpRequest) -> HttpResponse:
    actor = signed_in_user(request)
    form, chosen = _filters(request)
    rows = reports.behind_policy(
        actor, product_id=chosen["product_id"], environment=chosen["environment"]
    )
    if request.GET.get("format") == "csv":
        return _csv_response(reports.behind_csv(rows), "behind-update-policy.csv")
    return _report_page(request, "releases/policy/behind.html", form, rows)


@staff_required
def eol_report(request: HttpRequest) -> HttpResponse:
    actor = signed_in_user(request)
    form, chosen = _filters(request)
    days = chosen["days"] if chosen["days"] is not None else reports.DEFAULT_EOL_DAYS
    rows = reports.nearing_eol(
        actor, days=days, product_id=chosen["product_id"], environment=chosen["environment"]
    )
    if request.GET.get("format") == "csv":
        return _csv_response(reports.eol_csv(rows), f"end-of-life-within-{days}-days.csv")
    return _report_page(request, "releases/policy/eol.html", form, rows, days=days)


# --- one organisation, and its calendar ---------------------------------------------------------
@staff_required
def organisation(request: HttpRequest, organisation_id: int) -> HttpResponse:
    actor = signed_in_user(request)
    org = get_organisation_for(actor, organisation_id)
    context = {"nav": "deployments", "organisation": org, **portal_panel(actor, org)}
    return render_page(request, "releases/policy/organisation.html", context)


def organisation_feed(request: HttpRequest, organisation_id: int) -> HttpResponse:
    """The lifecycle dates of what the organisation runs: with a person's key (calendar apps
    cannot sign in), or to anyone signed in who may see the organisation. Anything else is a
    404, whether the organisation exists or not."""
    user = request.user
    if isinstance(user, User) and user.is_authenticated and may_read(user, organisation_id):
        allowed = True
    else:
        allowed = key_holder(organisation_id, request.GET.get("key", "")[:100]) is not None
    org = Organisation.objects.filter(pk=organisation_id).first()
    if not allowed or org is None:
        raise Http404("No such feed.")
    body = organisation_calendar(org, domain=request.get_host().split(":")[0])
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="organisation-{org.pk}-lifecycle.ics"'
    return response
