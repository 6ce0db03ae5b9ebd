"""Planned work per person, from apps that plan it, for the workload view.

The on-call app counts on-call hours itself; maintenance windows (the maintenance app, when it
lands) and any later planner register a source here from their ``ready()``: a name shown as a
column ("Maintenance windows") and a function that gives each person's planned hours in a
period. The workload view (``oncall/workload.py``) adds up every registered source.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import datetime

# (user ids, start, end) -> {user id: planned hours in [start, end)}
PlannedHours = Callable[[Collection[int], datetime, datetime], dict[int, float]]


@dataclass(frozen=True)
class PlannedWorkSource:
    name: str
    hours: PlannedHours


_sources: list[PlannedWorkSource] = []


def register_planned_work(source: PlannedWorkSource) -> PlannedWorkSource:
    """Register ``source`` (once per name, however often ``ready()`` runs)."""
    if all(known.name != source.name for known in _sources):
        _sources.append(source)
    return source


def planned_work_sources() -> list[PlannedWorkSource]:
    return list(_sources)
