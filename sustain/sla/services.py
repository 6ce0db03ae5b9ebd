"""Services for SLA configuration: business calendars and policies (admins and leads write).

Every change bumps ``updated_at`` of the calendar or policy, which is what tells the clock
computation (``engine.active_policies``) to reload. Clocks of existing tickets move when
``sustain sla recompute`` replays them; new ticket changes use the new rules at once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, time

from django.db import transaction
from django.db.models import ProtectedError, QuerySet
from django.utils import timezone

from sustain.accounts.models import Organisation, User
from sustain.catalog.models import Product
from sustain.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from sustain.core.permissions import Capability
from sustain.sla.businesstime import CalendarError, is_known_zone, make_calendar
from sustain.sla.choices import EscalationAction, Target, Threshold
from sustain.sla.models import (
    BusinessCalendar,
    CalendarInterval,
    EscalationRule,
    Holiday,
    SlaPolicy,
    SlaTarget,
)
from sustain.tickets.choices import Channel, Kind, Priority, Status
from sustain.tickets.validation import ensure_tags


def require_sla_reader(actor: User) -> None:
    if not actor.is_active or not actor.is_staff_member:
        raise PermissionDenied("Only staff can read SLA settings.")


def require_sla_admin(actor: User) -> None:
    # The role's capability, and an account still active (services may be handed any user).
    if not actor.is_active or not actor.can(Capability.SLA_MANAGE):
        raise PermissionDenied("Only administrators and team leads can change SLA settings.")


# --- calendars ----------------------------------------------------------------------------
@dataclass
class CalendarData:
    name: str
    time_zone: str
    # (weekday 0 = Monday, start, end); an end of 00:00 means midnight.
    intervals: list[tuple[int, time, time]]
    holidays: list[tuple[date, bool, str]] = field(default_factory=list)
    country: str = ""
    subdivision: str = ""


def check_calendar(data: CalendarData) -> None:
    """Refuse what the clock maths cannot use, naming the field."""
    name = data.name.strip()
    if not name:
        raise ValidationFailed.field("name", "A calendar needs a name.")
    if not is_known_zone(data.time_zone):
        raise ValidationFailed.field(
            "time_zone",
            f"Unknown time zone '{data.time_zone}'; use an IANA name like Europe/Berlin.",
        )
    week: list[list[tuple[time, time]]] = [[] for _ in range(7)]
    for weekday, start, end in data.intervals:
        if not 0 <= weekday <= 6:
            raise ValidationFailed.field("intervals", f"Weekday {weekday} is not 0 (Monday) to 6.")
        week[weekday].append((start, end))
    try:
        make_calendar(
            zone=data.time_zone,
            week=week,
            dates=[d for d, yearly, _ in data.holidays if not yearly],
            yearly=[(d.month, d.day) for d, yearly, _ in data.holidays if yearly],
            country=data.country,
            subdivision=data.subdivision,
        )
    except CalendarError as exc:
        text = str(exc)
        where = "country" if "country" in text or "subdivision" in text else "intervals"
        raise ValidationFailed.field(where, text) from None
    seen: set[tuple[date, bool]] = set()
    for day, yearly, _ in data.holidays:
        key = (date(2000, day.month, day.day) if yearly else day, yearly)
        if key in seen:
            raise ValidationFailed.field("holidays", f"{day} is listed twice.")
        seen.add(key)


def _write_calendar(calendar: BusinessCalendar, data: CalendarData) -> BusinessCalendar:
    calendar.name = data.name.strip()
    calendar.time_zone = data.time_zone
    calendar.country = data.country.strip().upper()
    calendar.subdivision = data.subdivision.strip()
    calendar.updated_at = timezone.now()
    if BusinessCalendar.objects.filter(name=calendar.name).exclude(pk=calendar.pk).exists():
        raise Conflict(f"A calendar named '{calendar.name}' exists already.")
    calendar.save()
    calendar.intervals.all().delete()
    calendar.holidays.all().delete()
    CalendarInterval.objects.bulk_create(
        CalendarInterval(calendar=calendar, weekday=w, start=s, end=e) for w, s, e in data.intervals
    )
    Holiday.objects.bulk_create(
        Holiday(calendar=calendar, date=d, yearly=y, name=n[:100]) for d, y, n in data.holidays
    )
    return calendar


def create_calendar(*, actor: User, data: CalendarData) -> BusinessCalendar:
    require_sla_admin(actor)
    check_calendar(data)
    with transaction.atomic():
        return _write_calendar(BusinessCalendar(), data)


def update_calendar(*, actor: User, calendar_id: int, data: CalendarData) -> BusinessCalendar:
    require_sla_admin(actor)
    check_calendar(data)
    with transaction.atomic():
        calendar = get_calendar_for(actor, calendar_id, for_update=True)
        return _write_calendar(calendar, data)


def delete_calendar(*, actor: User, calendar_id: int) -> None:
    require_sla_admin(actor)
    with transaction.atomic():
        calendar = get_calendar_for(actor, calendar_id, for_update=True)
        try:
            calendar.delete()
        except ProtectedError:
            names = ", ".join(p.name for p in calendar.policies.all())
            raise Conflict(
                f"The calendar is used by: {names}. Change those policies first."
            ) from None


def get_calendar_for(
    actor: User, calendar_id: int, *, for_update: bool = False
) -> BusinessCalendar:
    require_sla_reader(actor)
    calendars = BusinessCalendar.objects.prefetch_related("intervals", "holidays")
    if for_update:
        calendars = BusinessCalendar.objects.select_for_update()
    calendar = calendars.filter(pk=calendar_id).first()
    if calendar is None:
        raise NotFound(f"No calendar {calendar_id}.")
    return calendar


# --- policies -----------------------------------------------------------------------------
@dataclass
class TargetData:
    priority: int
    first_response_minutes: int | None = None
    next_response_minutes: int | None = None
    resolution_minutes: int | None = None


@dataclass
class EscalationData:
    threshold: str
    action: str
    target: str = ""
    user_id: int | None = None


@dataclass
class PolicyData:
    name: str
    targets: list[TargetData]
    position: int = 0
    is_active: bool = True
    calendar_id: int | None = None
    organisation_id: int | None = None
    customer_tier: str = ""
    product_id: int | None = None
    tag: str = ""
    kinds: list[str] = field(default_factory=list)
    priorities: list[int] = field(default_factory=list)
    channels: list[str] = field(default_factory=list)
    warning_share: float = 0.75
    pause_statuses: list[str] = field(
        default_factory=lambda: [Status.PENDING_CUSTOMER, Status.PENDING_THIRD_PARTY]
    )
    escalations: list[EscalationData] = field(default_factory=list)


def _check_values(name: str, values: list[str] | list[int], allowed: list[str] | list[int]) -> None:
    unknown = [v for v in values if v not in allowed]
    if unknown:
        listed = ", ".join(str(a) for a in allowed)
        raise ValidationFailed.field(name, f"{unknown[0]!r} is not one of: {listed}.")


def check_policy(data: PolicyData) -> None:
    if not data.name.strip():
        raise ValidationFailed.field("name", "A policy needs a name.")
    if not 0 < data.warning_share < 1:
        raise ValidationFailed.field("warning_share", "Give a share between 0 and 1, e.g. 0.75.")
    _check_values("kinds", data.kinds, Kind.values)
    _check_values("priorities", data.priorities, Priority.values)
    _check_values("channels", data.channels, Channel.values)
    _check_values("pause_statuses", data.pause_statuses, Status.values)
    if {Status.RESOLVED, Status.CLOSED} & set(data.pause_statuses):
        raise ValidationFailed.field("pause_statuses", "Resolved and closed always stop clocks.")
    priorities = [t.priority for t in data.targets]
    _check_values("targets", priorities, Priority.values)
    if len(set(priorities)) != len(priorities):
        raise ValidationFailed.field("targets", "Each priority may have one set of targets.")
    for target in data.targets:
        values = (
            target.first_response_minutes,
            target.next_response_minutes,
            target.resolution_minutes,
        )
        if any(v is not None and v <= 0 for v in values):
            raise ValidationFailed.field("targets", f"P{target.priority}: minutes must be above 0.")
    for rule in data.escalations:
        _check_values("escalations", [rule.threshold], Threshold.values)
        _check_values("escalations", [rule.action], EscalationAction.values)
        if rule.target:
            _check_values("escalations", [rule.target], Target.values)
        needs_user = rule.action in (EscalationAction.NOTIFY_USER, EscalationAction.REASSIGN)
        if needs_user and rule.user_id is None:
            raise ValidationFailed.field("escalations", f"'{rule.action}' needs a user.")


def _lookup[M: (BusinessCalendar, Organisation, Product, User)](
    model: type[M], pk: int | None, name: str
) -> M | None:
    if pk is None:
        return None
    found = model.objects.filter(pk=pk).first()
    if found is None:
        raise ValidationFailed.field(name, f"No {model._meta.verbose_name} with id {pk}.")
    return found


def _write_policy(policy: SlaPolicy, data: PolicyData) -> SlaPolicy:
    policy.name = data.name.strip()
    if SlaPolicy.objects.filter(name=policy.name).exclude(pk=policy.pk).exists():
        raise Conflict(f"A policy named '{policy.name}' exists already.")
    policy.position = data.position
    policy.is_active = data.is_active
    policy.calendar = _lookup(BusinessCalendar, data.calendar_id, "calendar_id")
    policy.organisation = _lookup(Organisation, data.organisation_id, "organisation_id")
    policy.product = _lookup(Product, data.product_id, "product_id")
    policy.tag = ensure_tags([data.tag.strip()])[0] if data.tag.strip() else None
    policy.customer_tier = data.customer_tier.strip()
    policy.kinds, policy.channels = sorted(data.kinds), sorted(data.channels)
    policy.priorities = sorted(data.priorities)
    policy.warning_share = data.warning_share
    policy.pause_statuses = sorted(data.pause_statuses)
    policy.updated_at = timezone.now()
    policy.save()
    policy.targets.all().delete()
    policy.escalations.all().delete()
    SlaTarget.objects.bulk_create(
        SlaTarget(
            policy=policy,
            priority=t.priority,
            first_response_minutes=t.first_response_minutes,
            next_response_minutes=t.next_response_minutes,
            resolution_minutes=t.resolution_minutes,
        )
        for t in data.targets
    )
    EscalationRule.objects.bulk_create(
        EscalationRule(
            policy=policy,
            threshold=r.threshold,
            action=r.action,
            target=r.target,
            user=_lookup(User, r.user_id, "escalations"),
            position=index,
        )
        for index, r in enumerate(data.escalations)
    )
    return policy


def create_policy(*, actor: User, data: PolicyData) -> SlaPolicy:
    require_sla_admin(actor)
    check_policy(data)
    with transaction.atomic():
        return _write_policy(SlaPolicy(), data)


def update_policy(*, actor: User, policy_id: int, data: PolicyData) -> SlaPolicy:
    require_sla_admin(actor)
    check_policy(data)
    with transaction.atomic():
        return _write_policy(get_policy_for(actor, policy_id, for_update=True), data)


def delete_policy(*, actor: User, policy_id: int) -> None:
    """Clocks keep their values (their policy becomes empty) until the next recompute."""
    require_sla_admin(actor)
    with transaction.atomic():
        get_policy_for(actor, policy_id, for_update=True).delete()


def get_policy_for(actor: User, policy_id: int, *, for_update: bool = False) -> SlaPolicy:
    require_sla_reader(actor)
    policies = policy_queryset()
    if for_update:
        policies = SlaPolicy.objects.select_for_update()
    policy = policies.filter(pk=policy_id).first()
    if policy is None:
        raise NotFound(f"No SLA policy {policy_id}.")
    return policy


def policy_queryset() -> QuerySet[SlaPolicy]:
    return SlaPolicy.objects.select_related(
        "calendar", "organisation", "product", "tag"
    ).prefetch_related("targets", "escalations__user")
