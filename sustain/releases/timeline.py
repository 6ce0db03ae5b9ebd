"""The lifecycle timeline of a product page: geometry for an SVG drawn by the template.

One row per release line, newest on top; a bar per phase — active support (release to end of
active support), security fixes (to end of life), extended support (to its end) — a line at
today, and a tick at each new year. A milestone stated as "not reached" without a date runs
to the right edge (still going); one "reached" without a date ends where the phase starts.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from sustain.releases.lifecycle import Milestone, milestone
from sustain.releases.line_selectors import LineView

WIDTH = 1000
LABEL = 130  # the names column
ROW = 26
TOP = 22  # room for the year labels
MAX_YEARS = 16


@dataclass(frozen=True)
class Bar:
    x: float
    width: float
    phase: str  # active, security, extended
    open_ended: bool
    title: str


@dataclass(frozen=True)
class Row:
    y: float
    name: str
    bars: list[Bar]


@dataclass(frozen=True)
class Tick:
    x: float
    label: str


@dataclass(frozen=True)
class Timeline:
    width: int
    height: int
    rows: list[Row]
    ticks: list[Tick]
    today_x: float
    label_width: int = LABEL


def _dates(view: LineView) -> list[date]:
    line = view.line
    found: list[object] = [line.release_date]
    found += [milestone(line, m) for m in ("eoas", "eol", "eoes")]
    return [d for d in found if isinstance(d, date)]


def build_timeline(views: Sequence[LineView], today: date) -> Timeline | None:
    dated = [d for v in views for d in _dates(v)]
    if not any(v.line.release_date for v in views):
        return None
    start = min(dated)
    end = max([*dated, today]) + timedelta(days=180)
    start = max(start, end - timedelta(days=365 * MAX_YEARS))
    span = (end - start).days or 1

    def x(day: date) -> float:
        clipped = min(max(day, start), end)
        return round(LABEL + (WIDTH - LABEL - 10) * (clipped - start).days / span, 1)

    rows = []
    for index, view in enumerate(views):
        rows.append(Row(TOP + index * ROW, view.line.name, _bars(view, x, end)))
    ticks = [
        Tick(x(date(year, 1, 1)), str(year))
        for year in range(start.year + 1, end.year + 1)
        if (end.year - start.year) <= 8 or year % 2 == 0
    ]
    return Timeline(
        width=WIDTH,
        height=TOP + len(views) * ROW + 6,
        rows=rows,
        ticks=ticks,
        today_x=x(today),
    )


def _bars(view: LineView, to_x: Callable[[date], float], end: date) -> list[Bar]:
    line = view.line
    if line.release_date is None:
        return []
    eoas, eol, eoes = (milestone(line, m) for m in ("eoas", "eol", "eoes"))
    phases: list[tuple[str, Milestone]] = [
        ("active", eoas if eoas is not None else eol),
        ("security", eol if eoas is not None else None),
        ("extended", eoes if eoes is not None else None),
    ]
    bars = []
    begin = line.release_date
    for phase, until in phases:
        if phase != "active" and until is None:
            continue
        if isinstance(until, date):
            stop, open_ended = until, False
        elif until:  # reached, on a day not known: nothing to draw
            continue
        else:
            stop, open_ended = end, True
        if stop > begin:
            title = f"{line.name} {phase}: {begin.isoformat()} – " + (
                "still going" if open_ended else stop.isoformat()
            )
            bars.append(
                Bar(
                    x=to_x(begin),
                    width=max(to_x(stop) - to_x(begin), 1.0),
                    phase=phase,
                    open_ended=open_ended,
                    title=title,
                )
            )
            begin = stop
    return bars
