"""Reading rollouts: what a viewer may see, one rollout, and the change failure rate.

Who sees which rollouts is the rule of organisations (``accounts.services.
visible_organisations``), as for deployments: staff every organisation's, a customer their
own organisation's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from sustain.accounts.models import User
from sustain.accounts.services import visible_organisations
from sustain.core.errors import NotFound, ValidationFailed
from sustain.releases.rollouts.choices import ACTIVE, FINISHED, RolloutStatus
from sustain.releases.rollouts.models import Rollout, RolloutEvent

_LISTED = (
    "organisation",
    "product",
    "version",
    "change_ticket",
    "planned_by",
    "started_by",
    "finished_by",
)


def visible_rollouts(viewer: User) -> QuerySet[Rollout]:
    return Rollout.objects.filter(organisation__in=visible_organisations(viewer))


def listed(rows: QuerySet[Rollout]) -> QuerySet[Rollout]:
    """``rows`` with what a list shows of each, read in the same query."""
    return rows.select_related(*_LISTED)


def get_rollout_for(viewer: User, rollout_id: int) -> Rollout:
    found = listed(visible_rollouts(viewer)).filter(pk=rollout_id).first()
    if found is None:
        raise NotFound(f"No rollout with id {rollout_id}.")
    return found


def events_of(rollout: Rollout) -> list[RolloutEvent]:
    return list(RolloutEvent.objects.filter(rollout=rollout).select_related("actor"))


# --- change failure rate (DORA) -------------------------------------------------------------
@dataclass(frozen=True)
class FailureRate:
    """Of the rollouts finished in a period, how many were rolled back. ``rate`` is None when
    none finished: no rollouts is not a rate of 0 %."""

    done: int
    rolled_back: int
    product_id: int | None = None
    product_name: str = ""

    @property
    def finished(self) -> int:
        return self.done + self.rolled_back

    @property
    def rate(self) -> float | None:
        return self.rolled_back / self.finished if self.finished else None

    @property
    def percent(self) -> str:
        """The rate as people read it ("25 %"), or "—" without finished rollouts."""
        return "—" if self.rate is None else f"{self.rate * 100:.0f} %"


@dataclass(frozen=True)
class FailureRates:
    since: datetime
    until: datetime
    overall: FailureRate
    per_product: list[FailureRate]


def change_failure_rate(
    viewer: User,
    *,
    since: datetime,
    until: datetime,
    product_id: int | None = None,
    organisation_id: int | None = None,
) -> FailureRates:
    """The change failure rate of the rollouts ``viewer`` may see that finished (done or
    rolled back) in ``[since, until)``, overall and per product (by name). A cancelled
    rollout never went out and does not count."""
    if since >= until:
        raise ValidationFailed.field("since", "The period must start before it ends.")
    rows = visible_rollouts(viewer).filter(
        status__in=FINISHED, finished_at__gte=since, finished_at__lt=until
    )
    if product_id is not None:
        rows = rows.filter(product_id=product_id)
    if organisation_id is not None:
        rows = rows.filter(organisation_id=organisation_id)
    counted = (
        rows.order_by()
        .values("product_id", "product__name")
        .annotate(
            done=Count("pk", filter=Q(status=RolloutStatus.DONE)),
            rolled_back=Count("pk", filter=Q(status=RolloutStatus.ROLLED_BACK)),
        )
    )
    per_product = sorted(
        (
            FailureRate(
                done=row["done"],
                rolled_back=row["rolled_back"],
                product_id=row["product_id"],
                product_name=row["product__name"],
            )
            for row in counted
        ),
        key=lambda rate: (rate.product_name, rate.product_id or 0),
    )
    overall = FailureRate(
        done=sum(r.done for r in per_product), rolled_back=sum(r.rolled_back for r in per_product)
    )
    return FailureRates(since=since, until=until, overall=overall, per_product=per_product)


RATE_PERIOD = timedelta(days=90)


def rate_period(
    since: datetime | None = None, until: datetime | None = None
) -> tuple[datetime, datetime]:
    """The period of a change failure rate: the last 90 days unless given."""
    until = until or timezone.now()
    return since or until - RATE_PERIOD, until


def upcoming_of(viewer: User, organisation_id: int) -> list[Rollout]:
    """An organisation's rollouts still to come or under way (planned, in progress), soonest
    first: what the portal shows its customers."""
    rows = visible_rollouts(viewer).filter(organisation_id=organisation_id, status__in=ACTIVE)
    return list(
        rows.select_related("product", "version", "change_ticket").order_by("planned_start", "id")[
            :50
        ]
    )
