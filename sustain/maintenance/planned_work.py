"""The hours of maintenance windows each person owns, for the on-call app's workload view
(``accounts.planned_work``: registered from ``MaintenanceConfig.ready``)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from datetime import datetime

from sustain.maintenance.models import MaintenanceWindow
from sustain.maintenance.selectors import in_range
from sustain.maintenance.timing import instance_spans

NAME = "Maintenance windows"


def owned_window_hours(
    user_ids: Collection[int], start: datetime, end: datetime
) -> dict[int, float]:
    """Each person's hours of planned window instances in ``[start, end)``, the parts of
    instances that reach over either end cut off."""
    low, high = start.timestamp(), end.timestamp()
    hours: dict[int, float] = defaultdict(float)
    windows = in_range(MaintenanceWindow.objects.filter(owner_id__in=list(user_ids)), start, end)
    for window in windows:
        assert window.owner_id is not None
        for first, last in instance_spans(window, start, end):
            overlap = min(last, high) - max(first, low)
            if overlap > 0:
                hours[window.owner_id] += overlap / 3600
    return dict(hours)
