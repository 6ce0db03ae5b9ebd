"""When a window happens: its instances as instants, through ``core.recurrence``."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from functools import lru_cache

from sustain.core.errors import ValidationFailed
from sustain.core.recurrence import Duration, Occurrence, occurrences, parse_rule, spans
from sustain.maintenance.models import MaintenanceWindow

# Far enough for "every instance" of a rule with COUNT or UNTIL, near enough for date maths.
FAR_FUTURE = datetime(4000, 1, 1, tzinfo=UTC)
EXDATE_FORMAT = "%Y-%m-%dT%H:%M"


def exdates_of(window: MaintenanceWindow) -> list[datetime]:
    return [datetime.strptime(text, EXDATE_FORMAT) for text in window.exdates]  # noqa: DTZ007


def instances(window: MaintenanceWindow, start: datetime, end: datetime) -> list[Occurrence]:
    """The window's instances that overlap ``[start, end)``."""
    return list(
        occurrences(
            window.rrule or None,
            window.start_local,
            window.time_zone,
            Duration.parse(window.duration),
            start,
            end,
            exdates_of(window),
        )
    )


def instance_spans(
    window: MaintenanceWindow, start: datetime, end: datetime
) -> list[tuple[int, int]]:
    """The same as epoch seconds: for pages and checks over many windows."""
    return spans(
        window.rrule or None,
        window.start_local,
        window.time_zone,
        Duration.parse(window.duration),
        start,
        end,
        exdates_of(window),
    )


@lru_cache(maxsize=256)
def duration_of(text: str) -> Duration:
    return Duration.parse(text)


def spans_of(
    rrule: str,
    start_local: datetime,
    zone: str,
    duration: str,
    exdates: list[str],
    start: datetime,
    end: datetime,
) -> list[tuple[int, int]]:
    """``instance_spans`` from a window's stored values, without the model."""
    excluded = [datetime.strptime(text, EXDATE_FORMAT) for text in exdates]  # noqa: DTZ007
    return spans(rrule or None, start_local, zone, duration_of(duration), start, end, excluded)


def running_at(window: MaintenanceWindow, moment: datetime) -> Occurrence | None:
    return next(iter(instances(window, moment, moment + timedelta(microseconds=1))), None)


def bounds(
    rrule: str | None,
    start_local: datetime,
    zone: str,
    duration: Duration,
    exdates: Iterable[datetime],
) -> tuple[datetime, datetime | None]:
    """The first instance's start and the last one's end (None when the rule never ends)."""
    rule = parse_rule(rrule) if rrule else None
    excluded = list(exdates)
    earliest = start_local.replace(tzinfo=UTC) - timedelta(days=2)
    finite = rule is None or rule.count is not None or rule.until is not None
    if not finite:  # the first instance is enough; look five years ahead for it
        later = earliest + timedelta(days=5 * 366)
        first = next(
            occurrences(rule, start_local, zone, duration, earliest, later, excluded), None
        )
        if first is None:
            raise _no_instance(rule)
        return first.start, None
    found = spans(rule, start_local, zone, duration, earliest, FAR_FUTURE, excluded)
    if not found:
        raise _no_instance(rule)
    first_start = datetime.fromtimestamp(found[0][0], UTC)
    return first_start, datetime.fromtimestamp(max(end for _, end in found), UTC)


def _no_instance(rule: object) -> ValidationFailed:
    return ValidationFailed.field(
        "rrule" if rule else "start", "This schedule has no instance: nothing would happen."
    )
