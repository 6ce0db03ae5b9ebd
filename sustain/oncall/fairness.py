"""Fairness: on-call hours per person (and team) per month.

A month runs from its first to its last day in the site's time zone (``settings.TIME_ZONE``),
so "October" is the same stretch for everybody who reads the report. Hours are elapsed time:
the 25-hour shift of the night the clocks go back counts 25, weekend and night hours are
counted apart because they weigh more (Grafana OnCall #1304 asks for exactly this).
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.utils import timezone

from sustain.accounts.models import Team, User
from sustain.core.errors import ValidationFailed
from sustain.oncall.selectors import plan_of
from sustain.oncall.shifts import Piece

_MONTH = re.compile(r"(\d{4})-(\d{2})")
# Night: 22:00-06:00 in the site's zone.
NIGHT_START, NIGHT_END = 22, 6


def parse_month(text: str | None) -> date:
    """``YYYY-MM`` to the month's first day; the site's current month when empty."""
    if not text:
        return timezone.localdate(timezone=timezone.get_default_timezone()).replace(day=1)
    match = _MONTH.fullmatch(text.strip())
    if match is None or not (1 <= int(match[2]) <= 12) or not (2000 <= int(match[1]) <= 2100):
        raise ValidationFailed.field("month", "Give a month as YYYY-MM, e.g. 2026-10.")
    return date(int(match[1]), int(match[2]), 1)


def month_bounds(first: date) -> tuple[datetime, datetime]:
    zone = timezone.get_default_timezone()
    following = (first.replace(day=28) + timedelta(days=4)).replace(day=1)
    return (
        datetime.combine(first, datetime.min.time(), tzinfo=zone),
        datetime.combine(following, datetime.min.time(), tzinfo=zone),
    )


@dataclass
class FairnessRow:
    user: User
    team: Team
    hours: float = 0.0
    weekend_hours: float = 0.0
    night_hours: float = 0.0
    shifts: int = 0


def _split(piece: Piece) -> tuple[float, float]:
    """The weekend and the night hours of a piece, counted hour by hour in the site's zone
    (a piece's edges are whole minutes; a quarter of an hour is fine enough for a report)."""
    zone = timezone.get_default_timezone()
    weekend = night = 0.0
    step = timedelta(minutes=15)
    at = piece.start
    while at < piece.end:
        span = min(step, piece.end - at).total_seconds() / 3600
        local = at.astimezone(zone)
        if local.weekday() >= 5:
            weekend += span
        if local.hour >= NIGHT_START or local.hour < NIGHT_END:
            night += span
        at += step
    return weekend, night


def monthly_hours(first: date, team_ids: list[int] | None = None) -> list[FairnessRow]:
    """Each person's on-call hours in each team during the month, most hours first."""
    start, end = month_bounds(first)
    teams = Team.objects.order_by("name")
    if team_ids is not None:
        teams = teams.filter(pk__in=team_ids)
    teams_by_id = {t.pk: t for t in teams}
    plan = plan_of(list(teams_by_id), start, end)
    rows: dict[tuple[int, int], FairnessRow] = {}
    pieces: list[tuple[int, Piece]] = [
        (team_id, piece) for team_id in teams_by_id for piece in plan.schedule(team_id, start, end)
    ]
    users = User.objects.in_bulk({p.user_id for _, p in pieces})
    for team_id, piece in pieces:
        user = users.get(piece.user_id)
        if user is None:
            continue
        row = rows.setdefault(
            (team_id, piece.user_id), FairnessRow(user=user, team=teams_by_id[team_id])
        )
        weekend, night = _split(piece)
        row.hours += piece.hours
        row.weekend_hours += weekend
        row.night_hours += night
        row.shifts += 1
    return sorted(rows.values(), key=lambda r: (r.team.name, -r.hours, r.user.display_name))


def as_csv(first: date, rows: list[FairnessRow]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    header = ["month", "team", "person", "email", "hours", "weekend_hours", "night_hours"]
    writer.writerow([*header, "stretches"])
    for row in rows:
        writer.writerow(
            [
                f"{first:%Y-%m}",
                _cell(row.team.name),
                _cell(row.user.display_name),
                _cell(row.user.email),
                f"{row.hours:.2f}",
                f"{row.weekend_hours:.2f}",
                f"{row.night_hours:.2f}",
                row.shifts,
            ]
        )
    return out.getvalue()


def _cell(text: str) -> str:
    # A spreadsheet would run a name starting with = + - @ as a formula.
    return f"'{text}" if text[:1] in ("=", "+", "-", "@") else text
