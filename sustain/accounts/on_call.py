"""Who is on call for a team, asked by apps that cannot import the on-call app.

SLA escalations (``sla``, beside ``oncall``'s layer or below it) and, later, monitoring
incidents need the person on call for a ticket's or a check's team. The on-call app
registers its answer from its ``ready()``; callers ask :func:`on_call_for`. With no resolver
registered (the on-call app not installed) nobody is on call.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sustain.accounts.models import User

# (team id, instant) -> the person on call, or None.
OnCallResolver = Callable[[int, datetime], User | None]

_resolvers: list[OnCallResolver] = []


def register_on_call_resolver(resolver: OnCallResolver) -> OnCallResolver:
    """Register ``resolver`` (once, however often ``ready()`` runs)."""
    if resolver not in _resolvers:
        _resolvers.append(resolver)
    return resolver


def on_call_for(team_id: int | None, at: datetime) -> User | None:
    """The person on call for the team at ``at``: the first registered resolver's answer."""
    if team_id is None:
        return None
    for resolver in _resolvers:
        found = resolver(team_id, at)
        if found is not None:
            return found
    return None
