"""Release record endpoints: list (cursor pages), read, create a draft, change, delete a draft,
publish. Reading is open to anonymous callers, who like customers see published releases only."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from ninja import Query, Router
from ninja import Status as HttpStatus

from sustain.accounts.api import actor_of
from sustain.accounts.auth import API_AUTH
from sustain.accounts.models import User
from sustain.catalog.models import Version
from sustain.core.errors import PermissionDenied, ValidationFailed
from sustain.core.openapi import AllowAnonymous, Problem
from sustain.core.pagination import paginate
from sustain.core.schemas import Id, Ref
from sustain.releases import release_services as services
from sustain.releases.release_models import Release
from sustain.releases.release_schemas import (
    DraftOut,
    FixedTicketOut,
    PublishedOut,
    ReleaseDetail,
    ReleaseFilters,
    ReleaseIn,
    ReleaseOut,
    ReleasePage,
    ReleasePatch,
)
from sustain.releases.release_selectors import fixed_tickets, get_release_for, visible_releases
from sustain.tickets.choices import Kind, Status
from sustain.tickets.models import ticket_number

router = Router(tags=["releases"])
PUBLIC = [*API_AUTH, AllowAnonymous()]


def _reader(request: HttpRequest) -> Any:
    return request.auth  # type: ignore[attr-defined]


def release_out(release: Release) -> dict[str, Any]:
    version = release.version
    url = reverse("releases:public", args=[release.pk]) if release.is_published else ""
    return {
        "id": release.pk,
        "product": Ref(id=version.product_id, name=version.product.name),
        "version": Ref(id=version.pk, name=version.name),
        "kind": release.kind,
        "date": release.date,
        "status": release.status,
        "published_at": release.published_at,
        "revision": release.revision,
        "url": url,
    }


def release_detail(reader: Any, release: Release) -> dict[str, Any]:
    tickets = (
        fixed_tickets(reader, release).order_by("pk").values("pk", "title", "kind", "status")
        if isinstance(reader, User)
        else []
    )
    return {
        **release_out(release),
        "notes": release.notes,
        "notes_html": release.notes_html,
        "fixed_tickets": [
            FixedTicketOut(
                number=ticket_number(t["pk"]),
                title=t["title"],
                kind=Kind(t["kind"]),
                status=Status(t["status"]),
            )
            for t in tickets
        ],
    }


@router.get("/releases", response=ReleasePage, auth=PUBLIC, summary="Releases you can read")
def list_releases(request: HttpRequest, filters: Query[ReleaseFilters]) -> ReleasePage:
    releases = visible_releases(_reader(request))
    if filters.product_id is not None:
        releases = releases.filter(version__product_id=filters.product_id)
    if filters.status is not None:
        releases = releases.filter(status=filters.status)
    page = paginate(releases, order="-created_at", cursor=filters.cursor, limit=filters.limit)
    return ReleasePage(
        items=[ReleaseOut(**release_out(r)) for r in page.items], next_cursor=page.next_cursor
    )


@router.get("/releases/{release_id}", response=ReleaseDetail, auth=PUBLIC)
def get_release(request: HttpRequest, release_id: Id) -> ReleaseDetail:
    reader = _reader(request)
    return ReleaseDetail(**release_detail(reader, get_release_for(reader, release_id)))


@router.get(
    "/releases/{release_id}/draft",
    response={200: DraftOut, 403: Problem},
    summary="Notes drafted from the resolved tickets fixed in the version now",
)
def draft(request: HttpRequest, release_id: Id) -> DraftOut:
    actor = actor_of(request)
    release = get_release_for(actor, release_id)
    if not actor.is_staff_member:
        raise PermissionDenied("Customers read published notes, not drafts.")
    return DraftOut(notes=services.drafted_notes(release.version))


@router.post(
    "/releases", response={201: ReleaseDetail, 409: Problem}, summary="Create a draft release"
)
def create_release(request: HttpRequest, payload: ReleaseIn) -> HttpStatus[ReleaseDetail]:
    actor = actor_of(request)
    version = Version.objects.select_related("product").filter(pk=payload.version_id).first()
    if version is None:
        raise ValidationFailed.field("version_id", f"No version with id {payload.version_id}.")
    release = services.create_release(
        actor=actor,
        version=version,
        kind=payload.kind,
        release_date=payload.date,
        notes=payload.notes,
    )
    return HttpStatus(201, ReleaseDetail(**release_detail(actor, release)))


@router.patch("/releases/{release_id}", response={200: ReleaseDetail, 409: Problem})
def update_release(request: HttpRequest, release_id: Id, payload: ReleasePatch) -> ReleaseDetail:
    actor = actor_of(request)
    changes = payload.dict(exclude_unset=True)
    revision = changes.pop("revision", None)
    release = services.update_release(
        actor=actor, release_id=release_id, changes=changes, expected_revision=revision
    )
    return ReleaseDetail(**release_detail(actor, release))


@router.delete("/releases/{release_id}", response={204: None, 409: Problem})
def delete_release(request: HttpRequest, release_id: Id) -> HttpStatus[None]:
    services.delete_release(actor=actor_of(request), release_id=release_id)
    return HttpStatus(204, None)


@router.post(
    "/releases/{release_id}/publish",
    response=PublishedOut,
    summary="Publish; tells the reporters and watchers of the fixed tickets, once",
)
def publish_release(request: HttpRequest, release_id: Id) -> PublishedOut:
    actor = actor_of(request)
    published = services.publish_release(actor=actor, release_id=release_id)
    fan_out = published.fan_out
    return PublishedOut(
        **release_detail(actor, published.release),
        tickets_fixed=fan_out.tickets if fan_out else None,
        people_told=fan_out.people if fan_out else None,
    )
