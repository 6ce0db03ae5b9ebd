"""Upgrade paths through the API: a product's upgrades (edges) — read by every signed-in
caller, changed by those who change the catalogue — and a deployment's upgrade path, read by
whoever may read the deployment (a customer: their organisation's only)."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Query, Router, Status

from sustain.accounts.api import actor_of
from sustain.accounts.models import User
from sustain.catalog.models import Product, Version
from sustain.core.errors import NotFound, ValidationFailed
from sustain.core.openapi import Problem
from sustain.core.pagination import paginate
from sustain.core.schemas import Id, Ref
from sustain.releases.deployments.selectors import get_deployment_for
from sustain.releases.upgrades import selectors, services
from sustain.releases.upgrades.articles import article_links
from sustain.releases.upgrades.models import UpgradeEdge
from sustain.releases.upgrades.schemas import (
    UpgradeEdgeIn,
    UpgradeEdgeOut,
    UpgradeEdgePage,
    UpgradeEdgePageParams,
    UpgradeEdgePatch,
    UpgradeFixOut,
    UpgradePathOut,
    UpgradeSupportOut,
    UpgradeTargetOut,
)

router = Router(tags=["upgrades"])


def _product(product_id: int) -> Product:
    product = Product.objects.filter(pk=product_id).first()
    if product is None:
        raise NotFound(f"No product {product_id}.")
    return product


def _version(version_id: int, field: str) -> Version:
    version = Version.objects.filter(pk=version_id).first()
    if version is None:
        raise ValidationFailed.field(field, f"No version with id {version_id}.")
    return version


def _out(viewer: User, edges: list[UpgradeEdge]) -> list[UpgradeEdgeOut]:
    links = article_links(viewer, (int(i) for e in edges for i in e.kb_article_ids))
    return [UpgradeEdgeOut.of(edge, links) for edge in edges]


@router.get(
    "/products/{product_id}/upgrade-edges",
    response=UpgradeEdgePage,
    summary="A product's upgrades (the edges of its upgrade graph)",
)
def list_edges(
    request: HttpRequest, product_id: Id, page: Query[UpgradeEdgePageParams]
) -> UpgradeEdgePage:
    viewer = actor_of(request)
    rows = UpgradeEdge.objects.filter(product=_product(product_id)).select_related(
        "from_version", "to_version"
    )
    found = paginate(rows, order="id", cursor=page.cursor, limit=page.limit)
    return UpgradeEdgePage(items=_out(viewer, found.items), next_cursor=found.next_cursor)


@router.post(
    "/products/{product_id}/upgrade-edges",
    response={201: UpgradeEdgeOut, 409: Problem},
    summary="Add an upgrade from a version to a newer one",
)
def create_edge(
    request: HttpRequest, product_id: Id, payload: UpgradeEdgeIn
) -> Status[UpgradeEdgeOut]:
    actor = actor_of(request)
    edge = services.create_edge(
        actor=actor,
        product=_product(product_id),
        from_version=_version(payload.from_version_id, "from_version_id"),
        to_version=_version(payload.to_version_id, "to_version_id"),
        steps=payload.steps,
        breaking_changes=payload.breaking_changes,
        kb_article_ids=payload.kb_article_ids,
        supported=payload.supported,
    )
    return Status(201, _out(actor, [selectors.get_edge(edge.pk)])[0])


@router.get("/upgrade-edges/{edge_id}", response=UpgradeEdgeOut, summary="An upgrade")
def get_edge(request: HttpRequest, edge_id: Id) -> UpgradeEdgeOut:
    return _out(actor_of(request), [selectors.get_edge(edge_id)])[0]


@router.patch(
    "/upgrade-edges/{edge_id}",
    response=UpgradeEdgeOut,
    summary="Change an upgrade's steps, breaking changes, articles or support",
)
def update_edge(request: HttpRequest, edge_id: Id, payload: UpgradeEdgePatch) -> UpgradeEdgeOut:
    actor = actor_of(request)
    edge = services.update_edge(
        actor=actor, edge=selectors.get_edge(edge_id), **payload.dict(exclude_unset=True)
    )
    return _out(actor, [edge])[0]


@router.delete("/upgrade-edges/{edge_id}", response={204: None}, summary="Delete an upgrade")
def delete_edge(request: HttpRequest, edge_id: Id) -> Status[None]:
    services.delete_edge(actor=actor_of(request), edge=selectors.get_edge(edge_id))
    return Status(204, None)


@router.get(
    "/deployments/{deployment_id}/upgrade-path",
    response=UpgradePathOut,
    summary="A deployment's support and its shortest path to the latest supported version",
)
def deployment_path(request: HttpRequest, deployment_id: Id) -> UpgradePathOut:
    viewer = actor_of(request)
    deployment = get_deployment_for(viewer, deployment_id)
    [row] = selectors.upgrades_for([deployment])
    plan, support, fix = row.plan, row.support, row.fix
    target = plan.target
    return UpgradePathOut(
        deployment_id=deployment.pk,
        current=Ref(id=deployment.version.pk, name=deployment.version.name),
        state=plan.state,
        summary=plan.summary,
        target=(
            UpgradeTargetOut(
                version=Ref(id=target.version_id, name=target.name), release_line=target.line
            )
            if target
            else None
        ),
        support=UpgradeSupportOut(
            label=support.label,
            tone=support.tone,
            release_line=support.line,
            phase=support.status.phase if support.status else None,
            days_to_eol=support.status.days_to_eol if support.status else None,
        ),
        fix_available=(
            UpgradeFixOut(
                first_version=fix.version_name,
                tickets=fix.tickets,
                own_organisation_tickets=fix.own,
            )
            if fix
            else None
        ),
        steps=_out(viewer, plan.hops),
    )
