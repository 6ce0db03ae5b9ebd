"""Upgrade-path pages: a product's upgrade graph as tables (staff; changed by catalogue
managers), and the "support and upgrades" panel of an organisation's deployments (the staff
page and the portal's, through ``deployments.panels``)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.http import require_POST

from sustain.accounts.access import capability_required, signed_in_user, staff_required
from sustain.accounts.models import Organisation, User
from sustain.catalog.models import Product, Version
from sustain.catalog.selectors import version_order
from sustain.core.errors import ServiceError
from sustain.core.htmx import render_page
from sustain.core.permissions import Capability
from sustain.core.web_errors import add_service_error
from sustain.releases.deployments.models import Deployment
from sustain.releases.release_notes import render_notes
from sustain.releases.upgrades import selectors, services
from sustain.releases.upgrades.articles import ArticleLink, article_links
from sustain.releases.upgrades.forms import EdgeForm, NewEdgeForm
from sustain.releases.upgrades.graph import forward
from sustain.releases.upgrades.models import UpgradeEdge

MAX_PATH_ROWS = 200


# --- what an upgrade shows -----------------------------------------------------------------------
@dataclass(frozen=True)
class EdgeView:
    edge: UpgradeEdge
    steps: list[SafeString]
    breaking: SafeString
    articles: list[ArticleLink]
    backwards: bool = False  # goes down the order since a change of the version scheme


def _html(markdown: str) -> SafeString:
    return mark_safe(render_notes(markdown))  # noqa: S308 - rendered by markdown-it, cleaned by nh3


def edge_views(viewer: Any, edges: Sequence[UpgradeEdge]) -> list[EdgeView]:
    links = article_links(viewer, (int(i) for e in edges for i in e.kb_article_ids))
    return [
        EdgeView(
            edge=edge,
            steps=[_html(step) for step in edge.steps],
            breaking=_html(edge.breaking_changes) if edge.breaking_changes else SafeString(""),
            articles=[links[int(i)] for i in edge.kb_article_ids if int(i) in links],
            backwards=not forward(
                edge.from_version_id,
                edge.to_version_id,
                {v.pk: (v.sort_key, v.pk) for v in (edge.from_version, edge.to_version)},
            ),
        )
        for edge in edges
    ]


@dataclass(frozen=True)
class DeploymentUpgradeView:
    row: selectors.DeploymentUpgrade
    hops: list[EdgeView]


def deployment_upgrade_views(
    viewer: User, deployments: Sequence[Deployment]
) -> list[DeploymentUpgradeView]:
    rows = selectors.upgrades_for(deployments)
    hops = edge_views(viewer, [edge for row in rows for edge in row.plan.hops])
    by_edge = {view.edge.pk: view for view in hops}
    return [
        DeploymentUpgradeView(row=row, hops=[by_edge[e.pk] for e in row.plan.hops]) for row in rows
    ]


def deployments_panel(
    viewer: User, organisation: Organisation, deployments: Sequence[Deployment]
) -> dict[str, Any] | None:
    """The "Support and upgrades" section of an organisation's deployments."""
    if not deployments:
        return None
    return {
        "organisation": organisation,
        "rows": deployment_upgrade_views(viewer, deployments),
        "staff": viewer.is_staff_member,
    }


# --- the product's upgrade graph -----------------------------------------------------------------
def _product(product_id: int) -> Product:
    product = Product.objects.filter(pk=product_id).first()
    if product is None:
        raise Http404("No such product.")
    return product


@dataclass(frozen=True)
class PathRow:
    version: Version
    deployments: int
    plan: selectors.Plan


def _path_rows(
    product: Product, edges: Iterable[UpgradeEdge], upgrades: selectors.ProductUpgrades
) -> list[PathRow]:
    """The path from each version that an upgrade starts from or somebody runs, newest first."""
    running = dict(
        Deployment.objects.filter(product=product)
        .values_list("version_id")
        .annotate(n=Count("id"))
        .values_list("version_id", "n")
    )
    ids = {e.from_version_id for e in edges} | set(running)
    versions = Version.objects.filter(pk__in=ids).order_by(*version_order(newest_first=True))[
        :MAX_PATH_ROWS
    ]
    return [PathRow(v, running.get(v.pk, 0), upgrades.plan(v)) for v in versions]


@staff_required
def graph(request: HttpRequest, product_id: int) -> HttpResponse:
    return _graph_page(request, _product(product_id), form=None)


def _graph_page(
    request: HttpRequest, product: Product, *, form: NewEdgeForm | None, status: int = 200
) -> HttpResponse:
    actor = signed_in_user(request)
    can_edit = actor.can(Capability.CATALOG_MANAGE)
    edges = list(selectors.edges_of(product))
    upgrades = selectors.product_upgrades([product.pk])[product.pk]
    context = {
        "nav": "products",
        "product": product,
        "edges": edge_views(actor, edges),
        "target": upgrades.target,
        "paths": _path_rows(product, edges, upgrades),
        "can_edit": can_edit,
        "form": (form or NewEdgeForm(product=product)) if can_edit else None,
    }
    return render_page(request, "releases/upgrades/graph.html", context, status=status)


@capability_required(Capability.CATALOG_MANAGE)
@require_POST
def add_edge(request: HttpRequest, product_id: int) -> HttpResponse:
    product = _product(product_id)
    form = NewEdgeForm(request.POST, product=product)
    if form.is_valid():
        data = form.cleaned_data
        versions = Version.objects.in_bulk([data["from_version"], data["to_version"]])
        try:
            edge = services.create_edge(
                actor=signed_in_user(request),
                product=product,
                from_version=versions[data["from_version"]],
                to_version=versions[data["to_version"]],
                steps=data["steps"],
                breaking_changes=data["breaking_changes"],
                kb_article_ids=data["kb_article_ids"],
                supported=data["supported"],
            )
        except ServiceError as exc:
            add_service_error(form, exc, rename=_ALIASES)
        else:
            messages.success(
                request, f"Added the upgrade {edge.from_version.name} → {edge.to_version.name}."
            )
            return redirect("products:upgrades", product.pk)
    return _graph_page(request, product, form=form, status=422)


_ALIASES = {"from_version_id": "from_version", "to_version_id": "to_version"}


@capability_required(Capability.CATALOG_MANAGE)
def edit_edge(request: HttpRequest, product_id: int, edge_id: int) -> HttpResponse:
    product = _product(product_id)
    edge = selectors.edges_of(product).filter(pk=edge_id).first()
    if edge is None:
        raise Http404("No such upgrade.")
    initial = EdgeForm.initial_for(
        edge.supported, list(edge.steps), edge.breaking_changes, list(edge.kb_article_ids)
    )
    form = EdgeForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_edge(actor=signed_in_user(request), edge=edge, **form.cleaned_data)
        except ServiceError as exc:
            add_service_error(form, exc)
        else:
            messages.success(
                request, f"Saved the upgrade {edge.from_version.name} → {edge.to_version.name}."
            )
            return redirect("products:upgrades", product.pk)
    context = {"nav": "products", "product": product, "edge": edge, "form": form}
    return render_page(
        request, "releases/upgrades/edge_form.html", context, status=422 if form.errors else 200
    )


@capability_required(Capability.CATALOG_MANAGE)
@require_POST
def delete_edge(request: HttpRequest, product_id: int, edge_id: int) -> HttpResponse:
    product = _product(product_id)
    edge = selectors.edges_of(product).filter(pk=edge_id).first()
    if edge is None:
        raise Http404("No such upgrade.")
    services.delete_edge(actor=signed_in_user(request), edge=edge)
    messages.success(
        request, f"Deleted the upgrade {edge.from_version.name} → {edge.to_version.name}."
    )
    return redirect("products:upgrades", product.pk)
