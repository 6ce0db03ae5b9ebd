"""Maintenance through the API: windows (list, plan, check, read, change, cancel), ad-hoc
maintenance, the instances of a range, "in maintenance now?", freeze periods."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from ninja import Query, Router, Status

from sustain.accounts.api import actor_of
from sustain.accounts.models import Organisation, Team, User
from sustain.core.errors import PermissionDenied, ValidationFailed
from sustain.core.openapi import Problem
from sustain.core.pagination import paginate
from sustain.core.permissions import Capability
from sustain.core.schemas import Id
from sustain.maintenance import ical, selectors, services
from sustain.maintenance.choices import ConflictKind
from sustain.maintenance.models import FeedKey, FreezePeriod, MaintenanceWindow
from sustain.maintenance.schemas import (
    MaintenanceAdhocIn,
    MaintenanceConflictOut,
    MaintenanceConflictsOut,
    MaintenanceFeedCreatedOut,
    MaintenanceFeedIn,
    MaintenanceFeedOut,
    MaintenanceFreezeIn,
    MaintenanceFreezeOut,
    MaintenanceOccurrenceOut,
    MaintenancePageParams,
    MaintenancePlannedOut,
    MaintenanceRange,
    MaintenanceStatusOut,
    MaintenanceStatusQuery,
    MaintenanceWindowFilters,
    MaintenanceWindowIn,
    MaintenanceWindowOut,
    MaintenanceWindowPage,
)

router = Router(tags=["maintenance"])


def _listed(rows: QuerySet[MaintenanceWindow]) -> QuerySet[MaintenanceWindow]:
    return rows.select_related("owner", "team").prefetch_related(
        "products", "components__product", "organisations"
    )


def _local(name: str, text: str) -> datetime:
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise ValidationFailed.field(name, f"'{text}' is not a real date and time.") from None


def _spec(payload: MaintenanceWindowIn) -> services.WindowSpec:
    return services.WindowSpec(
        title=payload.title,
        description=payload.description,
        start=_local("start", payload.start),
        time_zone=payload.time_zone,
        duration=payload.duration,
        rrule=payload.rrule,
        exdates=[_local("exdates", text) for text in payload.exdates],
        product_ids=payload.product_ids,
        component_ids=payload.component_ids,
        organisation_ids=payload.organisation_ids,
        activities=payload.activities,
        owner_id=payload.owner_id,
        team_id=payload.team_id,
    )


def _planned(actor: User, planned: services.Planned) -> MaintenancePlannedOut:
    window = selectors.get_window_for(actor, planned.window.pk)
    return MaintenancePlannedOut(
        window=MaintenanceWindowOut.of(window, staff=True),
        warnings=[MaintenanceConflictOut.of(c) for c in planned.warnings],
    )


@router.get(
    "/maintenance/windows",
    response=MaintenanceWindowPage,
    summary="Maintenance windows you may see, by first start",
    description="Staff see every window; customers those affecting their organisation.",
)
def list_windows(
    request: HttpRequest,
    filters: Query[MaintenanceWindowFilters],
    page: Query[MaintenancePageParams],
) -> MaintenanceWindowPage:
    actor = actor_of(request)
    rows = selectors.visible_windows(actor)
    if filters.status is not None:
        rows = rows.filter(status=filters.status)
    if filters.product_id is not None:
        rows = rows.filter(products=filters.product_id)
    if filters.component_id is not None:
        rows = rows.filter(components=filters.component_id)
    if filters.organisation_id is not None:
        rows = rows.filter(organisations=filters.organisation_id)
    found = paginate(_listed(rows), order="first_start", cursor=page.cursor, limit=page.limit)
    staff = actor.is_staff_member
    return MaintenanceWindowPage(
        items=[MaintenanceWindowOut.of(row, staff=staff) for row in found.items],
        next_cursor=found.next_cursor,
    )


@router.post(
    "/maintenance/windows",
    response={201: MaintenancePlannedOut, 409: Problem},
    summary="Plan a maintenance window (one-off or recurring)",
    description=(
        "Conflicts that the policy refuses (`SUSTAIN_MAINTENANCE_REFUSE`, a freeze by "
        "default) are a 409 naming each; the others come back as `warnings`. Engineers, "
        "leads and administrators."
    ),
)
def plan_window(
    request: HttpRequest, payload: MaintenanceWindowIn
) -> Status[MaintenancePlannedOut]:
    actor = actor_of(request)
    planned = services.plan_window(actor=actor, spec=_spec(payload), creator=actor)
    return Status(201, _planned(actor, planned))


@router.post(
    "/maintenance/windows/check",
    response=MaintenanceConflictsOut,
    summary="The conflicts a window would have, without planning it",
)
def check_window(request: HttpRequest, payload: MaintenanceWindowIn) -> MaintenanceConflictsOut:
    actor = actor_of(request)
    if not services.may_plan(actor):
        raise PermissionDenied(services.NOT_ALLOWED)
    found = services.check_plan(services.clean(_spec(payload)))
    return MaintenanceConflictsOut(
        conflicts=[MaintenanceConflictOut.of(c) for c in found],
        refused=[ConflictKind(k) for k in settings.SUSTAIN_MAINTENANCE_REFUSE],
    )


@router.get("/maintenance/windows/{window_id}", response=MaintenanceWindowOut, summary="One window")
def get_window(request: HttpRequest, window_id: Id) -> MaintenanceWindowOut:
    actor = actor_of(request)
    window = selectors.get_window_for(actor, window_id)
    return MaintenanceWindowOut.of(window, staff=actor.is_staff_member)


@router.put(
    "/maintenance/windows/{window_id}",
    response={200: MaintenancePlannedOut, 409: Problem},
    summary="Change a window (the whole of it)",
)
def update_window(
    request: HttpRequest, window_id: Id, payload: MaintenanceWindowIn
) -> MaintenancePlannedOut:
    actor = actor_of(request)
    selectors.get_window_for(actor, window_id)
    planned = services.update_window(actor=actor, window_id=window_id, spec=_spec(payload))
    return _planned(actor, planned)


@router.post(
    "/maintenance/windows/{window_id}/cancel",
    response=MaintenanceWindowOut,
    summary="Cancel a window (its instances no longer happen)",
)
def cancel_window(request: HttpRequest, window_id: Id) -> MaintenanceWindowOut:
    actor = actor_of(request)
    selectors.get_window_for(actor, window_id)
    services.cancel_window(actor=actor, window_id=window_id)
    return MaintenanceWindowOut.of(selectors.get_window_for(actor, window_id), staff=True)


@router.post(
    "/maintenance/adhoc",
    response={201: MaintenancePlannedOut, 409: Problem},
    summary="Maintenance for the next N hours, from now",
)
def adhoc(request: HttpRequest, payload: MaintenanceAdhocIn) -> Status[MaintenancePlannedOut]:
    actor = actor_of(request)
    planned = services.start_adhoc(
        actor=actor,
        hours=payload.hours,
        title=payload.title,
        product_ids=payload.product_ids,
        component_ids=payload.component_ids,
        organisation_ids=payload.organisation_ids,
        creator=actor,
    )
    return Status(201, _planned(actor, planned))


@router.get(
    "/maintenance/occurrences",
    response=list[MaintenanceOccurrenceOut],
    summary="The instances of the windows you may see in a range",
    description="Each instance's UTC start and end, by start; at most 400 days at once.",
)
def occurrences(
    request: HttpRequest, span: Query[MaintenanceRange]
) -> list[MaintenanceOccurrenceOut]:
    rows = selectors.visible_windows(actor_of(request))
    start = span.start or timezone.now()
    end = span.end or start + timedelta(days=31)
    found = selectors.entries(rows, start, end, limit=10_000)
    return [MaintenanceOccurrenceOut.of(entry) for entry in found]


@router.get(
    "/maintenance/status",
    response={200: MaintenanceStatusOut, 403: Problem},
    summary="Which of these products and components are in maintenance at an instant",
    description="Staff only (the status page and monitoring read it).",
)
def status(request: HttpRequest, query: Query[MaintenanceStatusQuery]) -> MaintenanceStatusOut:
    actor = actor_of(request)
    if not actor.is_staff_member:
        raise PermissionDenied("Only staff may ask which products are in maintenance.")
    at = query.at or timezone.now()
    busy = selectors.in_maintenance_many(
        products=query.product_id, components=query.component_id, at=at
    )
    return MaintenanceStatusOut(
        at=at, products=sorted(busy.products), components=sorted(busy.components)
    )


@router.get(
    "/maintenance/freezes",
    response={200: list[MaintenanceFreezeOut], 403: Problem},
    summary="Freeze periods that have not ended (staff)",
)
def list_freezes(request: HttpRequest) -> list[MaintenanceFreezeOut]:
    if not actor_of(request).is_staff_member:
        raise PermissionDenied("Only staff see freeze periods.")
    rows = FreezePeriod.objects.filter(ends_at__gt=timezone.now()).prefetch_related("products")
    return [MaintenanceFreezeOut.of(row) for row in rows.order_by("starts_at", "pk")[:500]]


@router.post(
    "/maintenance/freezes",
    response={201: MaintenanceFreezeOut},
    summary="Declare a freeze period",
)
def create_freeze(
    request: HttpRequest, payload: MaintenanceFreezeIn
) -> Status[MaintenanceFreezeOut]:
    actor = actor_of(request)
    freeze = services.create_freeze(
        actor=actor,
        title=payload.title,
        reason=payload.reason,
        starts_at=payload.starts_at,
        ends_at=payload.ends_at,
        product_ids=payload.product_ids,
        creator=actor,
    )
    return Status(201, MaintenanceFreezeOut.of(freeze))


@router.delete(
    "/maintenance/freezes/{freeze_id}", response={204: None}, summary="Remove a freeze period"
)
def delete_freeze(request: HttpRequest, freeze_id: Id) -> Status[None]:
    actor = actor_of(request)
    if not actor.can(Capability.MAINTENANCE_WRITE):
        raise PermissionDenied(services.NOT_ALLOWED)
    services.delete_freeze(actor=actor, freeze_id=freeze_id)
    return Status(204, None)


@router.get("/maintenance/feeds", response=list[MaintenanceFeedOut], summary="Your calendar keys")
def list_feeds(request: HttpRequest) -> list[MaintenanceFeedOut]:
    rows = FeedKey.objects.filter(created_by=actor_of(request)).select_related(
        "team", "organisation"
    )
    return [MaintenanceFeedOut.of(row) for row in rows.order_by("-created_at", "-pk")]


@router.post(
    "/maintenance/feeds",
    response={201: MaintenanceFeedCreatedOut},
    summary="A calendar address (iCalendar) for a team's or an organisation's windows",
    description=(
        "The address carries a secret key, returned only in this answer; only its digest is "
        "kept. Staff: any organisation, or a team of theirs (leads and administrators: any). "
        "Customers: their own organisation."
    ),
)
def create_feed(
    request: HttpRequest, payload: MaintenanceFeedIn
) -> Status[MaintenanceFeedCreatedOut]:
    actor = actor_of(request)
    team = organisation = None
    if payload.team_id is not None:
        team = Team.objects.filter(pk=payload.team_id).first()
        if team is None:
            raise ValidationFailed.field("team_id", f"No team with id {payload.team_id}.")
    if payload.organisation_id is not None:
        organisation = Organisation.objects.filter(pk=payload.organisation_id).first()
        if organisation is None:
            raise ValidationFailed.field(
                "organisation_id", f"No organisation with id {payload.organisation_id}."
            )
    row, raw = ical.create_feed_key(actor=actor, team=team, organisation=organisation)
    url = request.build_absolute_uri(reverse("maintenance:feed", args=[raw]))
    out = MaintenanceFeedOut.of(row)
    return Status(201, MaintenanceFeedCreatedOut(**out.model_dump(), url=url))


@router.delete(
    "/maintenance/feeds/{key_id}", response={204: None}, summary="Revoke one of your calendar keys"
)
def revoke_feed(request: HttpRequest, key_id: Id) -> Status[None]:
    ical.revoke_feed_key(actor=actor_of(request), key_id=key_id)
    return Status(204, None)
