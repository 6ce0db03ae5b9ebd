"""What a planned window clashes with, over the coming year of its instances:

- **overlap**: another planned window on the same component at the same time (a window on a
  whole product covers each of its components);
- **rollout**: a planned rollout of an affected product that starts outside every window for
  that product (this plan included);
- **freeze**: an instance inside a freeze period of an affected product (or of everything).

Each is reported once per other window, rollout or freeze, at the first instant it happens.
Whether a kind refuses the plan or only warns is the policy's (``services``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from sustain.core.recurrence import Duration, spans
from sustain.maintenance.choices import ConflictKind, WindowStatus
from sustain.maintenance.models import FreezePeriod, MaintenanceWindow
from sustain.maintenance.timing import exdates_of, instance_spans
from sustain.releases.rollouts.checks import PlanProblem
from sustain.releases.rollouts.choices import RolloutStatus
from sustain.releases.rollouts.models import Rollout

HORIZON = timedelta(days=366)


@dataclass(frozen=True)
class Found:
    kind: str
    message: str
    at: datetime | None = None
    window_id: int | None = None
    rollout_id: int | None = None
    freeze_id: int | None = None


@dataclass(frozen=True)
class Scope:
    """What a window affects: products named, components named, and those components'
    products."""

    products: frozenset[int] = frozenset()
    components: frozenset[int] = frozenset()
    component_products: frozenset[int] = frozenset()

    @property
    def covered_products(self) -> frozenset[int]:
        return self.products | self.component_products

    def clashes(self, other: Scope) -> bool:
        return bool(
            self.products & other.covered_products
            or other.products & self.covered_products
            or self.components & other.components
        )

    @classmethod
    def of(cls, window: MaintenanceWindow) -> Scope:
        components = list(window.components.all())
        return cls(
            frozenset(p.pk for p in window.products.all()),
            frozenset(c.pk for c in components),
            frozenset(c.product_id for c in components),
        )


@dataclass(frozen=True)
class Timing:
    rrule: str
    start_local: datetime
    zone: str
    duration: Duration
    exdates: Sequence[datetime] = field(default_factory=tuple)
    first_start: datetime | None = None
    last_end: datetime | None = None

    def spans(self, start: datetime, end: datetime) -> list[tuple[int, int]]:
        return spans(
            self.rrule or None,
            self.start_local,
            self.zone,
            self.duration,
            start,
            end,
            self.exdates,
        )


def find(
    timing: Timing,
    scope: Scope,
    *,
    exclude_window: int | None = None,
    now: datetime | None = None,
) -> list[Found]:
    now = now or timezone.now()
    if not (scope.products or scope.components):
        return []
    # Rollouts of the coming year are checked whatever this plan's own dates.
    mine = timing.spans(now, now + HORIZON)
    found = _rollouts(mine, scope, now, now + HORIZON, exclude_window)
    start = max(now, timing.first_start or now)
    end = now + HORIZON
    if timing.last_end is not None:
        end = min(end, timing.last_end)
    if end <= start or not mine:
        return found
    return [
        *_overlaps(mine, scope, start, end, exclude_window),
        *_freezes(mine, scope, start, end),
        *found,
    ]


def _windows_touching(
    products: Iterable[int], start: datetime, end: datetime, exclude: int | None
) -> list[MaintenanceWindow]:
    touched = set(products)
    rows = (
        MaintenanceWindow.objects.filter(status=WindowStatus.ACTIVE, first_start__lt=end)
        .filter(Q(last_end__isnull=True) | Q(last_end__gt=start))
        .filter(Q(products__in=touched) | Q(components__product__in=touched))
        .distinct()
        .prefetch_related("products", "components")
        .order_by("first_start", "pk")
    )
    if exclude is not None:
        rows = rows.exclude(pk=exclude)
    return list(rows)


def _overlaps(
    mine: list[tuple[int, int]], scope: Scope, start: datetime, end: datetime, exclude: int | None
) -> list[Found]:
    found = []
    for other in _windows_touching(scope.covered_products, start, end, exclude):
        if not scope.clashes(Scope.of(other)):
            continue
        at = first_overlap(mine, instance_spans(other, start, end))
        if at is not None:
            found.append(
                Found(
                    ConflictKind.OVERLAP,
                    f"Overlaps “{other.title}” on the same component at {_when(at)}.",
                    at=_instant(at),
                    window_id=other.pk,
                )
            )
    return found


def _freezes(
    mine: list[tuple[int, int]], scope: Scope, start: datetime, end: datetime
) -> list[Found]:
    rows = (
        FreezePeriod.objects.filter(starts_at__lt=end, ends_at__gt=start)
        .filter(Q(products__isnull=True) | Q(products__in=scope.covered_products))
        .distinct()
        .order_by("starts_at", "pk")
    )
    found = []
    for freeze in rows:
        period = [(int(freeze.starts_at.timestamp()), int(freeze.ends_at.timestamp()))]
        at = first_overlap(mine, period)
        if at is not None:
            found.append(
                Found(
                    ConflictKind.FREEZE,
                    f"Falls inside the freeze “{freeze.title}” at {_when(at)}.",
                    at=_instant(at),
                    freeze_id=freeze.pk,
                )
            )
    return found


def _rollouts(
    mine: list[tuple[int, int]], scope: Scope, start: datetime, end: datetime, exclude: int | None
) -> list[Found]:
    rollouts = list(
        Rollout.objects.filter(
            status=RolloutStatus.PLANNED,
            product_id__in=scope.covered_products,
            planned_start__gte=start,
            planned_start__lt=end,
        )
        .select_related("product", "organisation", "version")
        .order_by("planned_start", "pk")
    )
    if not rollouts:
        return []
    # Each product's windows: this plan (if it covers the whole product) and the others.
    covering: dict[int, list[list[tuple[int, int]]]] = {}
    for product in {r.product_id for r in rollouts}:
        covering[product] = [mine] if product in scope.covered_products else []
    for other in _windows_touching(covering, start, end, exclude):
        other_scope = Scope.of(other)
        other_spans = instance_spans(other, start, end)
        for product in covering:
            if product in other_scope.covered_products:
                covering[product].append(other_spans)
    found = []
    for rollout in rollouts:
        at = int(rollout.planned_start.timestamp())
        inside = any(a <= at < b for spans_ in covering[rollout.product_id] for a, b in spans_)
        if not inside:
            found.append(
                Found(
                    ConflictKind.ROLLOUT,
                    f"The rollout of {rollout.product.name} {rollout.version.name} to "
                    f"{rollout.organisation.name} at {_when(at)} is outside any maintenance "
                    f"window for {rollout.product.name}.",
                    at=rollout.planned_start,
                    rollout_id=rollout.pk,
                )
            )
    return found


def first_overlap(a: list[tuple[int, int]], b: list[tuple[int, int]]) -> int | None:
    """The first instant at which an interval of ``a`` and one of ``b`` (each sorted by
    start, half-open) overlap."""
    i = j = 0
    ordered_b = sorted(b)
    while i < len(a) and j < len(ordered_b):
        (s1, e1), (s2, e2) = a[i], ordered_b[j]
        if s1 < e2 and s2 < e1:
            return max(s1, s2)
        if e1 <= e2:
            i += 1
        else:
            j += 1
    return None


def _instant(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


def _when(seconds: int) -> str:
    return _instant(seconds).strftime("%Y-%m-%d %H:%M UTC")


def timing_of(window: MaintenanceWindow) -> Timing:
    return Timing(
        window.rrule,
        window.start_local,
        window.time_zone,
        Duration.parse(window.duration),
        exdates_of(window),
        window.first_start,
        window.last_end,
    )


# How far around a rollout's start a product's windows are looked for: a product none of whose
# windows comes this close is not planned in windows at all, and its rollouts are left alone.
ROLLOUT_REACH = timedelta(days=31)


def rollout_outside_windows(product_id: int, planned_start: datetime) -> list[PlanProblem]:
    """The rollouts side of the **rollout** conflict (``releases.rollouts.checks``): a rollout
    of a product that is planned in maintenance windows, starting outside all of them."""
    windows = _windows_touching(
        [product_id], planned_start - ROLLOUT_REACH, planned_start + ROLLOUT_REACH, None
    )
    if not windows:
        return []
    at = int(planned_start.timestamp())
    moment = datetime.fromtimestamp(at, tz=UTC)
    for window in windows:
        if any(
            a <= at < b for a, b in instance_spans(window, moment, moment + timedelta(seconds=1))
        ):
            return []
    return [
        PlanProblem(
            f"{_when(at)} is outside every maintenance window of this product.",
            refuses=ConflictKind.ROLLOUT in settings.SUSTAIN_MAINTENANCE_REFUSE,
        )
    ]
