"""The workload of people and teams: open tickets, SLA risk, planned hours this week, and each
team's capacity against its planned work.

- **Open tickets**: assigned to the person (open, pending included), or in the team.
- **SLA risk**: clocks of those open tickets that are breached and not met ("over"), or still
  running or paused with their due time within ``RISK_WITHIN`` ("near").
- **Planned hours** in the week (Monday to Monday in the site's time zone): on-call hours from
  the schedules, plus every source registered in ``accounts/planned_work.py`` (maintenance
  windows when that app lands), each in a column of its own.
- **Capacity**: the team's hours per member per week (``TeamCapacity``, 40 unless set) times
  its active members who are not away, against the team's planned hours.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db.models import Count, Q
from django.utils import timezone

from sustain.accounts.away import away_at
from sustain.accounts.models import Team, User
from sustain.accounts.planned_work import planned_work_sources
from sustain.oncall.models import TeamCapacity
from sustain.oncall.selectors import plan_of
from sustain.oncall.shifts import hours_by_user
from sustain.sla.choices import ClockState
from sustain.sla.models import TicketClock
from sustain.tickets.choices import OPEN_STATUSES
from sustain.tickets.models import Ticket

RISK_WITHIN = timedelta(hours=4)
DEFAULT_CAPACITY = 40


def week_of(day: date) -> tuple[datetime, datetime]:
    """Monday 00:00 to the next Monday 00:00 in the site's time zone."""
    zone = timezone.get_default_timezone()
    monday = day - timedelta(days=day.weekday())
    start = datetime.combine(monday, datetime.min.time(), tzinfo=zone)
    return start, datetime.combine(monday + timedelta(days=7), datetime.min.time(), tzinfo=zone)


@dataclass
class PersonLoad:
    user: User
    away: bool = False
    open_tickets: int = 0
    sla_near: int = 0
    sla_over: int = 0
    on_call_hours: float = 0.0
    # Hours of each registered planned-work source, by its name.
    planned: dict[str, float] = field(default_factory=dict)

    @property
    def planned_hours(self) -> float:
        return self.on_call_hours + sum(self.planned.values())


@dataclass
class TeamLoad:
    team: Team
    people: list[PersonLoad]
    open_tickets: int
    sla_near: int
    sla_over: int
    hours_per_member: int
    available: int  # active members who are not away
    on_call_hours: float
    planned: dict[str, float]

    @property
    def capacity(self) -> int:
        return self.hours_per_member * self.available

    @property
    def planned_hours(self) -> float:
        return self.on_call_hours + sum(self.planned.values())

    @property
    def load_percent(self) -> int | None:
        return round(100 * self.planned_hours / self.capacity) if self.capacity else None


def _risk(clocks: Q, now: datetime) -> tuple[Q, Q]:
    over = clocks & Q(state=ClockState.BREACHED, met_at__isnull=True)
    near = clocks & Q(
        state__in=[ClockState.RUNNING, ClockState.PAUSED], due_at__lte=now + RISK_WITHIN
    )
    return near, over


def workload(teams: list[Team], *, now: datetime | None = None) -> list[TeamLoad]:
    """The workload of ``teams`` and their members in the week of ``now``."""
    now = now or timezone.now()
    start, end = week_of(timezone.localdate(now, timezone=timezone.get_default_timezone()))
    members: dict[int, list[User]] = {
        t.pk: list(t.members.filter(is_active=True).order_by("full_name", "email")) for t in teams
    }
    people = {u.pk: PersonLoad(u) for us in members.values() for u in us}
    ids = list(people)
    open_tickets = Ticket.objects.filter(status__in=OPEN_STATUSES)
    for pk, n in (
        open_tickets.filter(assignee_id__in=ids)
        .order_by()
        .values_list("assignee_id")
        .annotate(n=Count("*"))
    ):
        people[pk].open_tickets = n
    near, over = _risk(Q(ticket__status__in=OPEN_STATUSES, ticket__assignee_id__in=ids), now)
    for name, condition in (("sla_near", near), ("sla_over", over)):
        for pk, n in (
            TicketClock.objects.filter(condition)
            .order_by()
            .values_list("ticket__assignee_id")
            .annotate(n=Count("ticket_id", distinct=True))
        ):
            setattr(people[pk], name, n)
    plan = plan_of([t.pk for t in teams], start, end)
    team_hours: dict[int, float] = {}
    for team in teams:
        hours = hours_by_user(plan.schedule(team.pk, start, end))
        team_hours[team.pk] = sum(hours.values())
        for pk, value in hours.items():
            if pk in people:
                people[pk].on_call_hours += value
    away = away_at(ids, now)
    for pk in away:
        people[pk].away = True
    for source in planned_work_sources():
        for pk, value in source.hours(ids, start, end).items():
            if pk in people:
                people[pk].planned[source.name] = value
    return [
        _team_load(team, members[team.pk], people, team_hours[team.pk], now, away) for team in teams
    ]


def _team_load(
    team: Team,
    members: list[User],
    people: dict[int, PersonLoad],
    on_call: float,
    now: datetime,
    away: set[int],
) -> TeamLoad:
    loads = [people[u.pk] for u in members]
    in_team = Q(ticket__status__in=OPEN_STATUSES, ticket__team_id=team.pk)
    near, over = _risk(in_team, now)
    # Narrowed first (the team's open tickets), then counted: never a walk of every clock.
    counts = {
        name: TicketClock.objects.filter(condition).values("ticket_id").distinct().count()
        for name, condition in (("near", near), ("over", over))
    }
    capacity = TeamCapacity.objects.filter(team=team).first()
    planned: dict[str, float] = {}
    for load in loads:
        for name, value in load.planned.items():
            planned[name] = planned.get(name, 0.0) + value
    return TeamLoad(
        team=team,
        people=loads,
        open_tickets=Ticket.objects.filter(team=team, status__in=OPEN_STATUSES).count(),
        sla_near=counts["near"],
        sla_over=counts["over"],
        hours_per_member=capacity.hours_per_member_week if capacity else DEFAULT_CAPACITY,
        available=sum(1 for u in members if u.pk not in away),
        on_call_hours=on_call,
        planned=planned,
    )
