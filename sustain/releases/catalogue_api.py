"""Catalogue and lifecycle endpoints: products, components, versions in their scheme's order,
release lines with their lifecycle, endoflife.date files in and out (thin: services decide).

Every signed-in caller reads the catalogue (customers pick a product and version when they
write in, and read their versions' lifecycle); changes need ``catalog.manage``.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from django.http import HttpRequest
from ninja import Query, Router
from ninja import Status as HttpStatus

from sustain.accounts.api import actor_of
from sustain.catalog import services as catalog
from sustain.catalog.models import Component, Product, Version
from sustain.core.errors import NotFound, ValidationFailed
from sustain.core.openapi import Problem
from sustain.core.pagination import paginate
from sustain.core.schemas import Id
from sustain.releases import catalogue_services, line_services
from sustain.releases.catalogue_schemas import (
    CataloguePage,
    ComponentIn,
    ComponentOut,
    ComponentPage,
    LifecycleImportIn,
    LifecycleImportOut,
    LifecycleOut,
    LifecycleRelease,
    LineIn,
    LineOut,
    LinePage,
    LinePatch,
    LineStatusOut,
    MoveIn,
    ProductIn,
    ProductOut,
    ProductPage,
    ProductPatch,
    VersionIn,
    VersionOut,
    VersionPage,
    VersionPageParams,
    VersionPatch,
)
from sustain.releases.lifecycle import milestone, site_today, status
from sustain.releases.lifecycle_io import import_lifecycle, lifecycle_rows
from sustain.releases.line_models import ReleaseLine
from sustain.releases.line_selectors import lines_of
from sustain.releases.line_services import LineData, line_data

router = Router(tags=["catalogue"])


# --- lookups and shaping -------------------------------------------------------------------------
def _product(product_id: int) -> Product:
    product = Product.objects.filter(pk=product_id).first()
    if product is None:
        raise NotFound(f"No product {product_id}.")
    return product


def _version(version_id: int) -> Version:
    version = Version.objects.filter(pk=version_id).first()
    if version is None:
        raise NotFound(f"No version {version_id}.")
    return version


def _component(component_id: int) -> Component:
    component = Component.objects.filter(pk=component_id).first()
    if component is None:
        raise NotFound(f"No component {component_id}.")
    return component


def _line(line_id: int) -> ReleaseLine:
    line = ReleaseLine.objects.filter(pk=line_id).values_list("product_id", flat=True).first()
    if line is None:
        raise NotFound(f"No release line {line_id}.")
    found = lines_of(line).filter(pk=line_id).first()
    assert found is not None
    return found


def product_out(p: Product) -> ProductOut:
    return ProductOut(
        id=p.pk,
        name=p.name,
        description=p.description,
        version_scheme=p.version_scheme,  # type: ignore[arg-type]
        created_at=p.created_at,
    )


def version_out(v: Version) -> VersionOut:
    return VersionOut(
        id=v.pk,
        product_id=v.product_id,
        name=v.name,
        released_on=v.released_on,
        end_of_life=v.end_of_life,
        sort_key=v.sort_key,
        position=v.position,
    )


def line_out(line: ReleaseLine) -> LineOut:
    got = status(line, site_today())
    return LineOut(
        id=line.pk,
        product_id=line.product_id,
        name=line.name,
        codename=line.codename,
        version_prefix=line.version_prefix,
        link=line.link,
        release_date=line.release_date,
        lts=milestone(line, "lts"),
        eoas=milestone(line, "eoas"),
        eol=milestone(line, "eol"),
        eoes=milestone(line, "eoes"),
        discontinued=milestone(line, "discontinued"),
        latest_version=getattr(line, "latest_version_name", None),
        status=LineStatusOut(**got.__dict__),
    )


# --- products ------------------------------------------------------------------------------------
@router.get("/products", response=ProductPage, summary="Products")
def list_products(request: HttpRequest, page: Query[CataloguePage]) -> ProductPage:
    actor_of(request)
    found = paginate(Product.objects.all(), order="name", cursor=page.cursor, limit=page.limit)
    return ProductPage(items=[product_out(p) for p in found.items], next_cursor=found.next_cursor)


@router.post("/products", response={201: ProductOut, 409: Problem}, summary="Create a product")
def create_product(request: HttpRequest, payload: ProductIn) -> HttpStatus[ProductOut]:
    product = catalog.create_product(
        actor=actor_of(request),
        name=payload.name,
        description=payload.description,
        version_scheme=payload.version_scheme,
    )
    return HttpStatus(201, product_out(product))


@router.get("/products/{product_id}", response=ProductOut, summary="A product")
def get_product(request: HttpRequest, product_id: Id) -> ProductOut:
    actor_of(request)
    return product_out(_product(product_id))


@router.patch(
    "/products/{product_id}",
    response={200: ProductOut, 409: Problem},
    summary="Change a product (its scheme re-keys its versions)",
)
def update_product(request: HttpRequest, product_id: Id, payload: ProductPatch) -> ProductOut:
    changes = payload.dict(exclude_unset=True)
    product = catalog.update_product(
        actor=actor_of(request), product=_product(product_id), **changes
    )
    return product_out(product)


# --- components ----------------------------------------------------------------------------------
@router.get(
    "/products/{product_id}/components", response=ComponentPage, summary="A product's components"
)
def list_components(
    request: HttpRequest, product_id: Id, page: Query[CataloguePage]
) -> ComponentPage:
    actor_of(request)
    rows = Component.objects.filter(product=_product(product_id))
    found = paginate(rows, order="name", cursor=page.cursor, limit=page.limit)
    return ComponentPage(
        items=[ComponentOut(id=c.pk, product_id=c.product_id, name=c.name) for c in found.items],
        next_cursor=found.next_cursor,
    )


@router.post(
    "/products/{product_id}/components",
    response={201: ComponentOut, 409: Problem},
    summary="Add a component",
)
def create_component(
    request: HttpRequest, product_id: Id, payload: ComponentIn
) -> HttpStatus[ComponentOut]:
    c = catalog.create_component(
        actor=actor_of(request), product=_product(product_id), name=payload.name
    )
    return HttpStatus(201, ComponentOut(id=c.pk, product_id=c.product_id, name=c.name))


@router.patch(
    "/components/{component_id}",
    response={200: ComponentOut, 409: Problem},
    summary="Rename a component",
)
def rename_component(request: HttpRequest, component_id: Id, payload: ComponentIn) -> ComponentOut:
    c = catalog.rename_component(
        actor=actor_of(request), component=_component(component_id), name=payload.name
    )
    return ComponentOut(id=c.pk, product_id=c.product_id, name=c.name)


@router.delete(
    "/components/{component_id}",
    response={204: None, 409: Problem},
    summary="Delete a component no ticket refers to",
)
def delete_component(request: HttpRequest, component_id: Id) -> HttpStatus[None]:
    catalogue_services.delete_component(actor=actor_of(request), component=_component(component_id))
    return HttpStatus(204, None)


# --- versions ------------------------------------------------------------------------------------
@router.get(
    "/products/{product_id}/versions",
    response=VersionPage,
    summary="A product's versions, in the order of its version scheme",
)
def list_versions(
    request: HttpRequest, product_id: Id, page: Query[VersionPageParams]
) -> VersionPage:
    actor_of(request)
    rows = Version.objects.filter(product=_product(product_id))
    order = "-sort_key" if page.newest_first else "sort_key"
    found = paginate(rows, order=order, cursor=page.cursor, limit=page.limit)
    return VersionPage(items=[version_out(v) for v in found.items], next_cursor=found.next_cursor)


@router.post(
    "/products/{product_id}/versions",
    response={201: VersionOut, 409: Problem},
    summary="Add a version (read by the product's scheme)",
)
def create_version(
    request: HttpRequest, product_id: Id, payload: VersionIn
) -> HttpStatus[VersionOut]:
    version = catalog.create_version(
        actor=actor_of(request),
        product=_product(product_id),
        name=payload.name,
        released_on=payload.released_on,
        end_of_life=payload.end_of_life,
    )
    version.refresh_from_db()  # a release line may have set its end of life
    return HttpStatus(201, version_out(version))


@router.get("/versions/{version_id}", response=VersionOut, summary="A version")
def get_version(request: HttpRequest, version_id: Id) -> VersionOut:
    actor_of(request)
    return version_out(_version(version_id))


@router.patch(
    "/versions/{version_id}",
    response={200: VersionOut, 409: Problem},
    summary="Rename or re-date a version",
)
def update_version(request: HttpRequest, version_id: Id, payload: VersionPatch) -> VersionOut:
    changes: dict[str, Any] = payload.dict(exclude_unset=True)
    version = catalog.update_version(
        actor=actor_of(request), version=_version(version_id), **changes
    )
    version.refresh_from_db()
    return version_out(version)


@router.post(
    "/versions/{version_id}/move",
    response=VersionOut,
    summary="Place a version of a free-form product after another",
)
def move_version(request: HttpRequest, version_id: Id, payload: MoveIn) -> VersionOut:
    after = None
    if payload.after_id is not None:
        after = Version.objects.filter(pk=payload.after_id).first()
        if after is None:
            raise ValidationFailed.field("after_id", "No such version.")
    version = catalog.move_version(
        actor=actor_of(request), version=_version(version_id), after=after
    )
    return version_out(version)


@router.delete(
    "/versions/{version_id}",
    response={204: None, 409: Problem},
    summary="Delete a version nothing refers to",
)
def delete_version(request: HttpRequest, version_id: Id) -> HttpStatus[None]:
    catalogue_services.delete_version(actor=actor_of(request), version=_version(version_id))
    return HttpStatus(204, None)


# --- release lines -------------------------------------------------------------------------------
def _line_data(payload: LineIn) -> LineData:
    return LineData(**payload.dict())


@router.get(
    "/products/{product_id}/release-lines",
    response=LinePage,
    summary="A product's release lines with their lifecycle, newest first",
)
def list_lines(request: HttpRequest, product_id: Id, page: Query[CataloguePage]) -> LinePage:
    actor_of(request)
    rows = lines_of(_product(product_id))
    found = paginate(rows, order="-sort_key", cursor=page.cursor, limit=page.limit)
    return LinePage(items=[line_out(line) for line in found.items], next_cursor=found.next_cursor)


@router.post(
    "/products/{product_id}/release-lines",
    response={201: LineOut, 409: Problem},
    summary="Add a release line",
)
def create_line(request: HttpRequest, product_id: Id, payload: LineIn) -> HttpStatus[LineOut]:
    line = line_services.create_line(
        actor=actor_of(request), product=_product(product_id), data=_line_data(payload)
    )
    return HttpStatus(201, line_out(_line(line.pk)))


@router.get("/release-lines/{line_id}", response=LineOut, summary="A release line")
def get_line(request: HttpRequest, line_id: Id) -> LineOut:
    actor_of(request)
    return line_out(_line(line_id))


@router.patch(
    "/release-lines/{line_id}",
    response={200: LineOut, 409: Problem},
    summary="Change a release line's lifecycle",
)
def update_line(request: HttpRequest, line_id: Id, payload: LinePatch) -> LineOut:
    line = _line(line_id)
    data = replace(line_data(line), **payload.dict(exclude_unset=True))
    line_services.update_line(actor=actor_of(request), line=line, data=data)
    return line_out(_line(line_id))


@router.delete("/release-lines/{line_id}", response={204: None}, summary="Delete a release line")
def delete_line(request: HttpRequest, line_id: Id) -> HttpStatus[None]:
    line_services.delete_line(actor=actor_of(request), line=_line(line_id))
    return HttpStatus(204, None)


# --- lifecycle files -----------------------------------------------------------------------------
@router.get(
    "/products/{product_id}/lifecycle",
    response=LifecycleOut,
    summary="The lifecycle table in endoflife.date's release format",
)
def export_lifecycle(request: HttpRequest, product_id: Id) -> LifecycleOut:
    actor_of(request)
    rows = lifecycle_rows(_product(product_id))
    return LifecycleOut(releases=[LifecycleRelease(**row) for row in rows])


@router.post(
    "/products/{product_id}/lifecycle/import",
    response=LifecycleImportOut,
    summary="Import an endoflife.date release list (YAML or JSON); all or nothing",
)
def import_lifecycle_file(
    request: HttpRequest, product_id: Id, payload: LifecycleImportIn
) -> LifecycleImportOut:
    result = import_lifecycle(
        actor=actor_of(request),
        product=_product(product_id),
        text=payload.content,
        dry_run=payload.dry_run,
    )
    return LifecycleImportOut(**result.__dict__)
