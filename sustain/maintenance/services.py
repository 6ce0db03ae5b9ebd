"""Planning maintenance windows and freeze periods. One transaction each, the actor checked.

- **Plan / change** a window: a title, a local start in its own time zone, an RFC 5545
  duration, optionally a recurrence rule (and local starts left out), the products, components
  and organisations it affects, its planned activities, an owner and a team. The conflicts
  (``conflicts.py``) are found first: those the policy names (``SUSTAIN_MAINTENANCE_REFUSE``)
  refuse the plan (409, each conflict named), the others come back as warnings.
- **Ad-hoc**: "maintenance for the next N hours" — a one-off window starting now.
- **Cancel** a window; **create / delete** a freeze period.

Who may: people whose role may write maintenance (``maintenance.write``: engineers, leads,
administrators); the command line as the operator.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from sustain.accounts.models import Organisation, Team, User
from sustain.catalog.models import Component, Product
from sustain.core.errors import Conflict, NotFound, ValidationFailed
from sustain.core.permissions import Actor, Capability, require
from sustain.core.recurrence import Duration, parse_rule, zone_named
from sustain.maintenance import conflicts
from sustain.maintenance.choices import WindowStatus
from sustain.maintenance.models import (
    ACTIVITY_MAX_LENGTH,
    MAX_ACTIVITIES,
    TITLE_MAX_LENGTH,
    FreezePeriod,
    MaintenanceWindow,
)
from sustain.maintenance.timing import EXDATE_FORMAT, bounds

NOT_ALLOWED = "Only engineers, leads and administrators may plan maintenance."
MAX_ADHOC_HOURS = 72


@dataclass(frozen=True)
class WindowSpec:
    """What a window is, as a caller gives it (ids, texts); ``clean`` checks it."""

    title: str
    start: datetime  # naive: the local wall time in ``time_zone``
    time_zone: str
    duration: str
    rrule: str = ""
    exdates: Sequence[datetime] = ()
    description: str = ""
    product_ids: Sequence[int] = ()
    component_ids: Sequence[int] = ()
    organisation_ids: Sequence[int] = ()
    activities: Sequence[str] = ()
    owner_id: int | None = None
    team_id: int | None = None


@dataclass
class CleanSpec:
    title: str
    description: str
    start: datetime
    time_zone: str
    duration: Duration
    rrule: str
    exdates: list[datetime]
    products: list[Product]
    components: list[Component]
    organisations: list[Organisation]
    activities: list[str]
    owner: User | None
    team: Team | None
    first_start: datetime
    last_end: datetime | None

    @property
    def product_ids(self) -> set[int]:
        return {p.pk for p in self.products}

    @property
    def timing(self) -> conflicts.Timing:
        return conflicts.Timing(
            self.rrule,
            self.start,
            self.time_zone,
            self.duration,
            self.exdates,
            self.first_start,
            self.last_end,
        )

    @property
    def scope(self) -> conflicts.Scope:
        return conflicts.Scope(
            frozenset(self.product_ids),
            frozenset(c.pk for c in self.components),
            frozenset(c.product_id for c in self.components),
        )


@dataclass(frozen=True)
class Planned:
    window: MaintenanceWindow
    warnings: list[conflicts.Found]


def may_plan(actor: Actor) -> bool:
    return actor.can(Capability.MAINTENANCE_WRITE)


def clean(spec: WindowSpec) -> CleanSpec:
    """Check everything a window needs; all bad fields at once in one ``ValidationFailed``."""
    errors: dict[str, list[str]] = {}

    def check[T](name: str, read: Callable[[], T]) -> T | None:
        try:
            return read()
        except ValidationFailed as error:
            for messages in (error.errors or {name: [error.detail]}).values():
                errors.setdefault(name, []).extend(messages)
            return None

    title = " ".join((spec.title or "").split())
    if not title:
        errors["title"] = ["A window needs a title."]
    elif len(title) > TITLE_MAX_LENGTH:
        errors["title"] = [f"At most {TITLE_MAX_LENGTH} characters."]
    if spec.start.tzinfo is not None:
        errors["start"] = ["Give the local start in the window's own time zone, without offset."]
    zone = check("time_zone", lambda: zone_named(spec.time_zone))
    duration = check("duration", lambda: Duration.parse(spec.duration))
    rule_text = (spec.rrule or "").strip()
    rule = check("rrule", lambda: parse_rule(rule_text)) if rule_text else None
    if rule is not None and rule.count is not None and rule.count > 10_000:
        errors.setdefault("rrule", []).append("COUNT may be at most 10000.")
    activities = [" ".join(a.split()) for a in spec.activities if a and a.strip()]
    if len(activities) > MAX_ACTIVITIES:
        errors["activities"] = [f"At most {MAX_ACTIVITIES} planned activities."]
    if any(len(a) > ACTIVITY_MAX_LENGTH for a in activities):
        errors.setdefault("activities", []).append(
            f"Each activity at most {ACTIVITY_MAX_LENGTH} characters."
        )
    products = _rows(Product, spec.product_ids, "product_ids", errors)
    components = _rows(Component, spec.component_ids, "component_ids", errors)
    organisations = _rows(Organisation, spec.organisation_ids, "organisation_ids", errors)
    owner = _one(User, spec.owner_id, "owner_id", errors)
    if owner is not None and not owner.is_staff_member:
        errors["owner_id"] = ["The owner must be a member of staff."]
    team = _one(Team, spec.team_id, "team_id", errors)
    text = rule.text if rule is not None else ""
    exdates = [moment.replace(tzinfo=None, second=0, microsecond=0) for moment in spec.exdates]
    if exdates and not text:
        errors["exdates"] = ["Only a recurring window leaves instances out."]
    first_start, last_end = None, None
    if not errors and zone is not None and duration is not None:
        span = check(
            "rrule" if text else "start",
            lambda: bounds(text or None, spec.start, zone.key, duration, exdates),
        )
        if span is not None:
            first_start, last_end = span
    if errors or first_start is None or duration is None:
        raise ValidationFailed("The window is not valid.", errors=errors)
    return CleanSpec(
        title=title,
        description=(spec.description or "").strip(),
        start=spec.start.replace(second=0, microsecond=0),
        time_zone=spec.time_zone,
        duration=duration,
        rrule=text,
        exdates=exdates,
        products=products,
        components=components,
        organisations=organisations,
        activities=activities,
        owner=owner,
        team=team,
        first_start=first_start,
        last_end=last_end,
    )


def _rows[M: (Product, Component, Organisation)](
    model: type[M], ids: Sequence[int], name: str, errors: dict[str, list[str]]
) -> list[M]:
    wanted = set(ids)
    found = list(model.objects.filter(pk__in=wanted)) if wanted else []
    missing = wanted - {row.pk for row in found}
    if missing:
        listed = ", ".join(str(pk) for pk in sorted(missing))
        errors[name] = [f"No {model._meta.verbose_name} with id {listed}."]
    return found


def _one[M: (User, Team)](
    model: type[M], pk: int | None, name: str, errors: dict[str, list[str]]
) -> M | None:
    if pk is None:
        return None
    found = model.objects.filter(pk=pk).first()
    if found is None:
        errors[name] = [f"No {model._meta.verbose_name} with id {pk}."]
    return found


def check_plan(spec: CleanSpec, *, window_id: int | None = None) -> list[conflicts.Found]:
    """The conflicts a plan would have (what the editor shows before saving)."""
    return conflicts.find(spec.timing, spec.scope, exclude_window=window_id)


def _refuse_or_warn(found: list[conflicts.Found]) -> list[conflicts.Found]:
    refused = [c for c in found if c.kind in settings.SUSTAIN_MAINTENANCE_REFUSE]
    if refused:
        raise Conflict(
            "The plan conflicts with the maintenance policy: "
            + " ".join(c.message for c in refused),
            errors={"conflicts": [c.message for c in refused]},
        )
    return found


def plan_window(
    *, actor: Actor, spec: WindowSpec, creator: User | None = None, adhoc: bool = False
) -> Planned:
    require(actor, Capability.MAINTENANCE_WRITE, NOT_ALLOWED)
    cleaned = clean(spec)
    with transaction.atomic():
        found = _refuse_or_warn(check_plan(cleaned))
        window = MaintenanceWindow(created_by=creator, adhoc=adhoc)
        _fill(window, cleaned)
        window.save()
        _relate(window, cleaned)
    return Planned(window, found)


def update_window(*, actor: Actor, window_id: int, spec: WindowSpec) -> Planned:
    require(actor, Capability.MAINTENANCE_WRITE, NOT_ALLOWED)
    cleaned = clean(spec)
    with transaction.atomic():
        window = _locked(window_id)
        if window.status == WindowStatus.CANCELLED:
            raise Conflict("A cancelled window cannot be changed.")
        found = _refuse_or_warn(check_plan(cleaned, window_id=window.pk))
        _fill(window, cleaned)
        window.updated_at = timezone.now()
        window.save()
        _relate(window, cleaned)
    return Planned(window, found)


def cancel_window(*, actor: Actor, window_id: int) -> MaintenanceWindow:
    require(actor, Capability.MAINTENANCE_WRITE, NOT_ALLOWED)
    with transaction.atomic():
        window = _locked(window_id)
        if window.status != WindowStatus.CANCELLED:
            window.status = WindowStatus.CANCELLED
            window.cancelled_at = window.updated_at = timezone.now()
            window.save(update_fields=["status", "cancelled_at", "updated_at"])
    return window


def start_adhoc(
    *,
    actor: Actor,
    hours: int,
    title: str = "",
    product_ids: Sequence[int] = (),
    component_ids: Sequence[int] = (),
    organisation_ids: Sequence[int] = (),
    creator: User | None = None,
    now: datetime | None = None,
) -> Planned:
    """Maintenance for the next ``hours`` hours, starting now (a one-off window in UTC)."""
    if not isinstance(hours, int) or not 1 <= hours <= MAX_ADHOC_HOURS:
        raise ValidationFailed.field(
            "hours", f"Give a whole number of hours, 1 to {MAX_ADHOC_HOURS}."
        )
    start = (now or timezone.now()).astimezone(UTC).replace(second=0, microsecond=0)
    spec = WindowSpec(
        title=title or f"Maintenance for {hours} h",
        start=start.replace(tzinfo=None),
        time_zone="UTC",
        duration=f"PT{hours}H",
        product_ids=product_ids,
        component_ids=component_ids,
        organisation_ids=organisation_ids,
        owner_id=creator.pk if creator and creator.is_staff_member else None,
    )
    return plan_window(actor=actor, spec=spec, creator=creator, adhoc=True)


def _locked(window_id: int) -> MaintenanceWindow:
    found = MaintenanceWindow.objects.select_for_update().filter(pk=window_id).first()
    if found is None:
        raise NotFound(f"No maintenance window with id {window_id}.")
    return found


def _fill(window: MaintenanceWindow, spec: CleanSpec) -> None:
    window.title = spec.title
    window.description = spec.description
    window.time_zone = spec.time_zone
    window.start_date = spec.start.date()
    window.start_time = spec.start.time()
    window.duration = spec.duration.to_text()
    window.rrule = spec.rrule
    window.exdates = sorted(moment.strftime(EXDATE_FORMAT) for moment in spec.exdates)
    window.activities = spec.activities
    window.owner = spec.owner
    window.team = spec.team
    window.first_start = spec.first_start
    window.last_end = spec.last_end


def _relate(window: MaintenanceWindow, spec: CleanSpec) -> None:
    window.products.set(spec.products)
    window.components.set(spec.components)
    window.organisations.set(spec.organisations)


# --- freeze periods --------------------------------------------------------------------------
def create_freeze(
    *,
    actor: Actor,
    title: str,
    starts_at: datetime,
    ends_at: datetime,
    reason: str = "",
    product_ids: Sequence[int] = (),
    creator: User | None = None,
) -> FreezePeriod:
    require(actor, Capability.MAINTENANCE_WRITE, NOT_ALLOWED)
    errors: dict[str, list[str]] = {}
    title = " ".join((title or "").split())
    if not title or len(title) > TITLE_MAX_LENGTH:
        errors["title"] = [f"A title of 1 to {TITLE_MAX_LENGTH} characters."]
    if timezone.is_naive(starts_at) or timezone.is_naive(ends_at):
        errors["starts_at"] = ["Give a time zone (or UTC)."]
    elif ends_at <= starts_at:
        errors["ends_at"] = ["A freeze ends after it starts."]
    elif ends_at - starts_at > timedelta(days=366):
        errors["ends_at"] = ["A freeze lasts at most a year."]
    products = _rows(Product, product_ids, "product_ids", errors)
    if errors:
        raise ValidationFailed("The freeze period is not valid.", errors=errors)
    with transaction.atomic():
        freeze = FreezePeriod.objects.create(
            title=title,
            reason=(reason or "").strip(),
            starts_at=starts_at,
            ends_at=ends_at,
            created_by=creator,
        )
        freeze.products.set(products)
    return freeze


def delete_freeze(*, actor: Actor, freeze_id: int) -> None:
    require(actor, Capability.MAINTENANCE_WRITE, NOT_ALLOWED)
    deleted, _ = FreezePeriod.objects.filter(pk=freeze_id).delete()
    if not deleted:
        raise NotFound(f"No freeze period with id {freeze_id}.")
