"""Business calendars, SLA policies with targets and escalation rules, and ticket clocks."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone

from sustain.accounts.models import Organisation, User
from sustain.catalog.models import Product
from sustain.sla.businesstime import ALWAYS, MINUTES_PER_DAY, Calendar
from sustain.sla.choices import ClockState, EscalationAction, Target, Threshold
from sustain.tickets.models import Tag, Ticket


def default_pause_statuses() -> list[str]:
    return ["pending_customer", "pending_third_party"]


class BusinessCalendar(models.Model):
    """When a support team works: intervals per weekday, a time zone and holidays."""

    name = models.CharField(max_length=100, unique=True)
    time_zone = models.CharField(max_length=64, default="UTC")
    # Public holidays of this country (and subdivision) from the `holidays` package.
    country = models.CharField(max_length=3, blank=True, default="")
    subdivision = models.CharField(max_length=10, blank=True, default="")
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def as_value(self) -> Calendar:
        """The value object of businesstime; intervals and holidays should be prefetched."""
        week: list[list[tuple[int, int]]] = [[] for _ in range(7)]
        for interval in self.intervals.all():
            week[interval.weekday].append(interval.minutes)
        holidays = list(self.holidays.all())
        return Calendar(
            zone=self.time_zone,
            week=tuple(tuple(sorted(day)) for day in week),
            dates=frozenset(h.date for h in holidays if not h.yearly),
            yearly=frozenset((h.date.month, h.date.day) for h in holidays if h.yearly),
            country=self.country,
            subdivision=self.subdivision,
        )


class CalendarInterval(models.Model):
    calendar = models.ForeignKey(
        BusinessCalendar, on_delete=models.CASCADE, related_name="intervals"
    )
    weekday = models.PositiveSmallIntegerField()  # 0 = Monday
    start = models.TimeField()
    # 00:00 as an end means midnight at the end of the day (24:00).
    end = models.TimeField()

    class Meta:
        ordering = ["weekday", "start"]

    def __str__(self) -> str:
        return f"{self.weekday} {self.start:%H:%M}-{self.end:%H:%M}"

    @property
    def minutes(self) -> tuple[int, int]:
        end = self.end.hour * 60 + self.end.minute
        return self.start.hour * 60 + self.start.minute, end or MINUTES_PER_DAY


class Holiday(models.Model):
    calendar = models.ForeignKey(
        BusinessCalendar, on_delete=models.CASCADE, related_name="holidays"
    )
    date = models.DateField()
    # A yearly holiday repeats on the same month and day (the year of ``date`` is ignored).
    yearly = models.BooleanField(default=False)
    name = models.CharField(max_length=100, blank=True, default="")

    class Meta:
        ordering = ["date"]
        constraints = [
            models.UniqueConstraint(fields=["calendar", "date", "yearly"], name="holiday_unique")
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.name}"


class SlaPolicy(models.Model):
    """Targets that apply to the tickets its conditions match; the first match (by position)
    applies. An empty condition matches anything."""

    name = models.CharField(max_length=100, unique=True)
    position = models.PositiveIntegerField(default=0)
    is_active = models.BooleanField(default=True)
    # No calendar: the built-in 24x7 calendar.
    calendar = models.ForeignKey(
        BusinessCalendar, null=True, blank=True, on_delete=models.PROTECT, related_name="policies"
    )
    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    customer_tier = models.CharField(max_length=50, blank=True, default="")
    product = models.ForeignKey(
        Product, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    tag = models.ForeignKey(Tag, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    kinds = models.JSONField(default=list, blank=True)
    priorities = models.JSONField(default=list, blank=True)
    channels = models.JSONField(default=list, blank=True)
    # Share of a target after which the clock warns, e.g. 0.75.
    warning_share = models.FloatField(default=0.75)
    pause_statuses = models.JSONField(default=default_pause_statuses, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["position", "id"]
        verbose_name_plural = "SLA policies"

    def __str__(self) -> str:
        return self.name

    def calendar_value(self) -> Calendar:
        return self.calendar.as_value() if self.calendar is not None else ALWAYS


class SlaTarget(models.Model):
    """Minutes of business time per priority; an empty target has no clock."""

    policy = models.ForeignKey(SlaPolicy, on_delete=models.CASCADE, related_name="targets")
    priority = models.PositiveSmallIntegerField()
    first_response_minutes = models.PositiveIntegerField(null=True, blank=True)
    next_response_minutes = models.PositiveIntegerField(null=True, blank=True)
    resolution_minutes = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["priority"]
        constraints = [
            models.UniqueConstraint(fields=["policy", "priority"], name="slatarget_unique")
        ]

    def __str__(self) -> str:
        return f"{self.policy_id} P{self.priority}"

    def minutes_for(self, target: str) -> int | None:
        value: int | None = getattr(self, f"{target}_minutes")
        return value


class EscalationRule(models.Model):
    """What happens when a clock of the policy reaches a threshold (once per clock)."""

    policy = models.ForeignKey(SlaPolicy, on_delete=models.CASCADE, related_name="escalations")
    # Blank: every target of the policy.
    target = models.CharField(max_length=20, choices=Target.choices, blank=True, default="")
    threshold = models.CharField(max_length=10, choices=Threshold.choices)
    action = models.CharField(max_length=20, choices=EscalationAction.choices)
    # The person to notify or to reassign to.
    user = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return f"{self.threshold}: {self.action}"


class TicketClock(models.Model):
    """One SLA target of one ticket, recomputed from the ticket's activity log.

    ``next_deadline`` is the next instant the sweep must look at the clock (its warning, then
    its due time); it is null when nothing is pending, so the partial index stays small.
    """

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="sla_clocks")
    target = models.CharField(max_length=20, choices=Target.choices)
    policy = models.ForeignKey(
        SlaPolicy, null=True, blank=True, on_delete=models.SET_NULL, related_name="clocks"
    )
    # Why this policy applies, e.g. "organisation is Acme; priority P1".
    reason = models.CharField(max_length=500, blank=True, default="")
    target_minutes = models.PositiveIntegerField()
    state = models.CharField(max_length=10, choices=ClockState.choices)
    started_at = models.DateTimeField()
    warning_at = models.DateTimeField(null=True, blank=True)
    due_at = models.DateTimeField(null=True, blank=True)
    met_at = models.DateTimeField(null=True, blank=True)
    breached_at = models.DateTimeField(null=True, blank=True)
    # Paused spans as [[start, end-or-null], ...] in ISO 8601.
    paused = models.JSONField(default=list, blank=True)
    # Business time used until ``computed_at`` (or until met).
    elapsed_seconds = models.PositiveIntegerField(default=0)
    computed_at = models.DateTimeField(default=timezone.now)
    next_deadline = models.DateTimeField(null=True, blank=True)
    # Set by the sweep when it claims the threshold: escalations run once per clock.
    warning_escalated_at = models.DateTimeField(null=True, blank=True)
    breach_escalated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["ticket", "target"]
        constraints = [
            models.UniqueConstraint(fields=["ticket", "target"], name="ticketclock_unique")
        ]
        indexes = [
            models.Index(
                fields=["next_deadline"],
                name="ticketclock_deadline_idx",
                condition=Q(next_deadline__isnull=False),
            ),
            models.Index(fields=["due_at"], name="ticketclock_due_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.target} of ticket {self.ticket_id}: {self.state}"
