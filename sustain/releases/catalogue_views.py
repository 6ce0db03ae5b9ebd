"""Product pages of the agent workspace: the catalogue, a product with its components, versions
in scheme order, release lines and lifecycle timeline; forms to change them; lifecycle import
and export; the iCalendar feed."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from sustain.accounts.access import capability_required, signed_in_user, staff_required
from sustain.accounts.settings.common import page_of
from sustain.catalog import services as catalog
from sustain.catalog.models import Product, Version
from sustain.core.errors import ServiceError
from sustain.core.htmx import render_page
from sustain.core.permissions import Capability
from sustain.core.web_errors import add_service_error
from sustain.releases import line_services
from sustain.releases.catalogue_forms import (
    ComponentForm,
    ImportForm,
    LineForm,
    ProductForm,
    VersionForm,
)
from sustain.releases.ical import feed_key, key_opens, lifecycle_calendar
from sustain.releases.lifecycle import holds, site_today
from sustain.releases.lifecycle_io import ImportRefused, Problem, export_lifecycle, import_lifecycle
from sustain.releases.line_models import ReleaseLine
from sustain.releases.line_selectors import line_views
from sustain.releases.line_services import line_data
from sustain.releases.policy.views import product_panel
from sustain.releases.timeline import build_timeline


def _product(product_id: int) -> Product:
    product = Product.objects.filter(pk=product_id).first()
    if product is None:
        raise Http404("No such product.")
    return product


@staff_required
def products(request: HttpRequest) -> HttpResponse:
    actor = signed_in_user(request)
    page = page_of(request, Product.objects.all(), order="name")
    context = {
        "nav": "products",
        "page": page,
        "can_edit": actor.can(Capability.CATALOG_MANAGE),
    }
    return render_page(request, "releases/products.html", context)


@dataclass(frozen=True)
class VersionRow:
    version: Version
    lines: list[str]


@staff_required
def product(request: HttpRequest, product_id: int) -> HttpResponse:
    actor = signed_in_user(request)
    item = _product(product_id)
    today = site_today()
    views = line_views(item, today)
    versions = page_of(request, Version.objects.filter(product=item), order="-sort_key")
    rows = [
        VersionRow(v, [lv.line.name for lv in views if _holds(lv.line, v.name)])
        for v in versions.items
    ]
    context = {
        "nav": "products",
        "product": item,
        "components": item.components.order_by("name"),
        "versions": rows,
        "versions_page": versions,
        "lines": views,
        "timeline": build_timeline(views, today),
        "today": today,
        "can_edit": actor.can(Capability.CATALOG_MANAGE),
        "component_form": ComponentForm(),
        "version_form": VersionForm(),
        "feed_key": feed_key(item.pk),
        **product_panel(actor, item),
    }
    return render_page(request, "releases/product.html", context)


def _holds(line: ReleaseLine, name: str) -> bool:
    return holds(line.name, line.version_prefix, name)


@capability_required(Capability.CATALOG_MANAGE)
def product_form(request: HttpRequest, product_id: int | None = None) -> HttpResponse:
    actor = signed_in_user(request)
    item = _product(product_id) if product_id else None
    initial = (
        {"name": item.name, "description": item.description, "version_scheme": item.version_scheme}
        if item
        else {}
    )
    form = ProductForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if item is None:
                item = catalog.create_product(actor=actor, **data)
            else:
                item = catalog.update_product(actor=actor, product=item, **data)
        except ServiceError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, f"Saved {item.name}.")
            return redirect("products:product", item.pk)
    context = {"nav": "products", "form": form, "product": item}
    return render_page(
        request, "releases/product_form.html", context, status=422 if form.errors else 200
    )


@capability_required(Capability.CATALOG_MANAGE)
@require_POST
def add_component(request: HttpRequest, product_id: int) -> HttpResponse:
    item = _product(product_id)
    form = ComponentForm(request.POST)
    if form.is_valid():
        try:
            catalog.create_component(
                actor=signed_in_user(request), product=item, name=form.cleaned_data["name"]
            )
        except ServiceError as exc:
            messages.error(request, exc.detail)
        else:
            messages.success(request, f"Added the component {form.cleaned_data['name']}.")
    else:
        messages.error(request, "A component needs a name.")
    return redirect("products:product", item.pk)


@capability_required(Capability.CATALOG_MANAGE)
@require_POST
def add_version(request: HttpRequest, product_id: int) -> HttpResponse:
    item = _product(product_id)
    form = VersionForm(request.POST)
    if form.is_valid():
        try:
            catalog.create_version(actor=signed_in_user(request), product=item, **form.cleaned_data)
        except ServiceError as exc:
            messages.error(request, exc.detail)
        else:
            messages.success(request, f"Added the version {form.cleaned_data['name']}.")
    else:
        messages.error(request, "A version needs a name, and a release date if any.")
    return redirect("products:product", item.pk)


@capability_required(Capability.CATALOG_MANAGE)
def line_form(request: HttpRequest, product_id: int, line_id: int | None = None) -> HttpResponse:
    actor = signed_in_user(request)
    item = _product(product_id)
    line = ReleaseLine.objects.filter(product=item, pk=line_id).first() if line_id else None
    if line_id and line is None:
        raise Http404("No such release line.")
    initial = LineForm.initial_for(line_data(line)) if line else {}
    form = LineForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            if line is None:
                line = line_services.create_line(
                    actor=actor, product=item, data=form.line_data(new=True)
                )
            else:
                line = line_services.update_line(
                    actor=actor, line=line, data=form.line_data(new=False)
                )
        except ServiceError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, f"Saved the release line {line.name}.")
            return redirect("products:product", item.pk)
    context = {"nav": "products", "form": form, "product": item, "line": line}
    return render_page(
        request, "releases/line_form.html", context, status=422 if form.errors else 200
    )


@capability_required(Capability.CATALOG_MANAGE)
@require_POST
def line_delete(request: HttpRequest, product_id: int, line_id: int) -> HttpResponse:
    item = _product(product_id)
    line = ReleaseLine.objects.filter(product=item, pk=line_id).first()
    if line is None:
        raise Http404("No such release line.")
    line_services.delete_line(actor=signed_in_user(request), line=line)
    messages.success(request, f"Deleted the release line {line.name}.")
    return redirect("products:product", item.pk)


@capability_required(Capability.CATALOG_MANAGE)
def import_form(request: HttpRequest, product_id: int) -> HttpResponse:
    item = _product(product_id)
    form = ImportForm(request.POST or None, request.FILES or None)
    problems: list[Problem] = []
    if request.method == "POST" and form.is_valid():
        try:
            result = import_lifecycle(
                actor=signed_in_user(request),
                product=item,
                text=form.text(),
                dry_run=form.cleaned_data["dry_run"],
            )
        except ImportRefused as refused:
            problems = refused.problems
        except ServiceError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, result.summary())
            if not result.dry_run:
                return redirect("products:product", item.pk)
    context = {"nav": "products", "form": form, "product": item, "problems": problems}
    status = 422 if form.errors or problems else 200
    return render_page(request, "releases/import.html", context, status=status)


@staff_required
def export(request: HttpRequest, product_id: int, fmt: str) -> HttpResponse:
    item = _product(product_id)
    content_type = "application/yaml" if fmt == "yaml" else "application/json"
    response = HttpResponse(export_lifecycle(item, fmt), content_type=content_type)
    filename = f"{item.name.lower().replace(' ', '-')}-lifecycle.{fmt}"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def ical_feed(request: HttpRequest, product_id: int) -> HttpResponse:
    """The product's lifecycle dates for calendar apps: open with the feed's key (calendar
    apps cannot sign in), or to anyone signed in."""
    item = _product(product_id)
    signed_in = request.user.is_authenticated
    if not signed_in and not key_opens(item.pk, request.GET.get("key", "")):
        raise Http404("No such feed.")
    lines = ReleaseLine.objects.filter(product=item).select_related("product").order_by("id")
    body = lifecycle_calendar(
        lines, name=f"{item.name} lifecycle", domain=request.get_host().split(":")[0]
    )
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="product-{item.pk}-lifecycle.ics"'
    return response
