"""Reading maintenance windows: who sees which, the instances of a range (the calendar, the
portal, the feeds), and whether something is in maintenance at an instant (the status page
and monitoring use ``in_maintenance`` / ``in_maintenance_many``).

Who sees which window: staff every window; a customer those that affect their organisation —
it is named, or the window names no organisation and affects a product their organisation
deploys.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from django.db.models import Q, QuerySet

from sustain.accounts.models import Organisation, Team, User
from sustain.catalog.models import Component, Product
from sustain.core.errors import NotFound, ValidationFailed
from sustain.maintenance.choices import WindowStatus
from sustain.maintenance.models import FreezePeriod, MaintenanceWindow
from sustain.maintenance.timing import running_at, spans_of
from sustain.releases.deployments.models import Deployment

MAX_RANGE = timedelta(days=400)


def _affecting(organisation_id: int) -> Q:
    deployed = Deployment.objects.filter(organisation_id=organisation_id).values("product_id")
    return Q(organisations=organisation_id) | Q(organisations__isnull=True) & (
        Q(products__in=deployed) | Q(components__product__in=deployed)
    )


def visible_windows(viewer: User) -> QuerySet[MaintenanceWindow]:
    rows = MaintenanceWindow.objects.all()
    if viewer.is_staff_member:
        return rows
    if viewer.organisation_id is None:
        return rows.none()
    ids = MaintenanceWindow.objects.filter(_affecting(viewer.organisation_id)).values("pk")
    return rows.filter(pk__in=ids)


def windows_of_organisation(organisation: Organisation) -> QuerySet[MaintenanceWindow]:
    ids = MaintenanceWindow.objects.filter(_affecting(organisation.pk)).values("pk")
    return MaintenanceWindow.objects.filter(pk__in=ids)


def windows_of_team(team: Team) -> QuerySet[MaintenanceWindow]:
    """A team's windows: those of the team, or owned by one of its members."""
    return MaintenanceWindow.objects.filter(Q(team=team) | Q(owner__teams=team)).distinct()


def get_window_for(viewer: User, window_id: int) -> MaintenanceWindow:
    found = (
        visible_windows(viewer)
        .filter(pk=window_id)
        .select_related("owner", "team", "created_by")
        .prefetch_related("products", "components__product", "organisations")
        .first()
    )
    if found is None:
        raise NotFound(f"No maintenance window with id {window_id}.")
    return found


def affected_organisations(window: MaintenanceWindow) -> QuerySet[Organisation]:
    named = window.organisations.all()
    if named.exists():
        return named
    products = {p.pk for p in window.products.all()} | {
        c.product_id for c in window.components.all()
    }
    deploying = Deployment.objects.filter(product_id__in=products).values("organisation_id")
    return Organisation.objects.filter(pk__in=deploying)


def in_range(
    rows: QuerySet[MaintenanceWindow], start: datetime, end: datetime
) -> QuerySet[MaintenanceWindow]:
    """Planned windows with an instance that may overlap ``[start, end)`` (an index narrows
    them; the rule decides)."""
    return rows.filter(status=WindowStatus.ACTIVE, first_start__lt=end).filter(
        Q(last_end__isnull=True) | Q(last_end__gt=start)
    )


@dataclass(frozen=True, slots=True)
class Brief:
    """What a calendar, a list or a feed shows of a window (read without model instances:
    a month of 10,000 windows reads them all)."""

    pk: int
    title: str
    description: str
    adhoc: bool
    activities: list[str]
    updated_at: datetime
    owner_name: str
    products: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Entry:
    """One instance of a window, for a calendar or a list."""

    window: Brief
    start: datetime
    end: datetime

    @property
    def hours(self) -> float:
        return (self.end - self.start).total_seconds() / 3600


def check_range(start: datetime, end: datetime) -> None:
    if start.tzinfo is None or end.tzinfo is None:
        raise ValidationFailed.field("start", "Give a time zone (or UTC).")
    if end <= start:
        raise ValidationFailed.field("end", "The end must be after the start.")
    if end - start > MAX_RANGE:
        raise ValidationFailed.field("end", f"At most {MAX_RANGE.days} days at once.")


_TIMING = ("pk", "rrule", "start_date", "start_time", "time_zone", "duration", "exdates")
_SHOWN = ("title", "description", "adhoc", "activities", "updated_at", "owner__full_name")


def entries(
    rows: QuerySet[MaintenanceWindow],
    start: datetime,
    end: datetime,
    *,
    limit: int | None = None,
    with_products: bool = False,
) -> list[Entry]:
    """The instances of ``rows`` in ``[start, end)``, by start. ``limit`` stops early;
    ``with_products`` names each window's products (one more query)."""
    check_range(start, end)
    found: list[tuple[int, int, int]] = []
    shown: dict[int, tuple[Any, ...]] = {}
    for row in in_range(rows, start, end).values_list(*_TIMING, *_SHOWN):
        pk, rule, day, moment, zone, duration, exdates = row[: len(_TIMING)]
        local = datetime.combine(day, moment)
        for a, b in spans_of(rule, local, zone, duration, exdates, start, end):
            found.append((a, pk, b))
        shown[pk] = row[len(_TIMING) :]
    found.sort()
    if limit is not None:
        found = found[:limit]
    products: dict[int, list[str]] = defaultdict(list)
    if with_products and found:
        through = MaintenanceWindow.products.through.objects.filter(
            maintenancewindow_id__in={pk for _, pk, _ in found}
        ).order_by("product__name")
        for pk, name in through.values_list("maintenancewindow_id", "product__name"):
            products[pk].append(name)
    briefs: dict[int, Brief] = {}
    result = []
    for a, pk, b in found:
        brief = briefs.get(pk)
        if brief is None:
            title, description, adhoc, activities, updated_at, owner = shown[pk]
            brief = briefs[pk] = Brief(
                pk,
                title,
                description,
                adhoc,
                activities,
                updated_at,
                owner or "",
                tuple(products.get(pk, ())),
            )
        result.append(Entry(brief, datetime.fromtimestamp(a, UTC), datetime.fromtimestamp(b, UTC)))
    return result


def upcoming_for(viewer: User, now: datetime, *, days: int = 60, limit: int = 50) -> list[Entry]:
    """What a person will see coming (the portal's list), running ones included."""
    rows = visible_windows(viewer)
    return entries(rows, now, now + timedelta(days=days), limit=limit, with_products=True)


def freezes_in(start: datetime, end: datetime) -> QuerySet[FreezePeriod]:
    return (
        FreezePeriod.objects.filter(starts_at__lt=end, ends_at__gt=start)
        .prefetch_related("products")
        .order_by("starts_at", "pk")
    )


# --- in maintenance at an instant ------------------------------------------------------------
@dataclass(frozen=True)
class InMaintenance:
    products: frozenset[int]
    components: frozenset[int]


def in_maintenance(target: Product | Component, at: datetime) -> bool:
    """Whether a window is running at ``at`` for the product (a window on the product) or
    the component (a window on it or on its product)."""
    if isinstance(target, Product):
        return target.pk in in_maintenance_many(products=[target.pk], at=at).products
    return target.pk in in_maintenance_many(components=[target.pk], at=at).components


def in_maintenance_many(
    *, products: Iterable[int] = (), components: Iterable[int] = (), at: datetime
) -> InMaintenance:
    """The products and components of those asked that are in maintenance at ``at``: one
    query for the windows, then each candidate's rule at that instant."""
    if at.tzinfo is None:
        raise ValueError("at must be an aware datetime")
    wanted_products, wanted_components = set(products), set(components)
    parents = dict(
        Component.objects.filter(pk__in=wanted_components).values_list("pk", "product_id")
    )
    touched = wanted_products | set(parents.values())
    if not touched:
        return InMaintenance(frozenset(), frozenset())
    candidates = (
        in_range(MaintenanceWindow.objects.all(), at, at + timedelta(microseconds=1))
        .filter(Q(products__in=touched) | Q(components__in=wanted_components))
        .distinct()
        .prefetch_related("products", "components")
    )
    busy_products: set[int] = set()
    busy_components: set[int] = set()
    for window in candidates:
        if running_at(window, at) is None:
            continue
        window_products = {p.pk for p in window.products.all()}
        busy_products |= window_products & wanted_products
        busy_components |= {c.pk for c in window.components.all()} & wanted_components
        busy_components |= {c for c, p in parents.items() if p in window_products}
    return InMaintenance(frozenset(busy_products), frozenset(busy_components))
