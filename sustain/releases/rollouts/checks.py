"""Checks of higher apps on a rollout being planned, declared here so that rollouts imports
none of them: the maintenance app registers "a rollout outside every maintenance window of its
product" from its ``ready()``.

A check answers for a product and a planned start with the problems it finds; a problem that
``refuses`` stops the plan (409), the others are warnings the planner is shown.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class PlanProblem:
    message: str
    refuses: bool = False


RolloutCheck = Callable[[int, datetime], list[PlanProblem]]

_checks: list[RolloutCheck] = []


def on_rollout_planned(check: RolloutCheck) -> RolloutCheck:
    """Register ``check`` (once, however often ``ready()`` runs)."""
    if check not in _checks:
        _checks.append(check)
    return check


def problems_of(product_id: int, planned_start: datetime) -> list[PlanProblem]:
    return [problem for check in _checks for problem in check(product_id, planned_start)]
