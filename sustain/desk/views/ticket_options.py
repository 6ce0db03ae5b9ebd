"""What the ticket page's controls offer: statuses, people, teams and the product catalogue.

Read only for people who may change the ticket. The catalogue, the teams and the ticket
team's members come in one query (``tickets.selectors.edit_choices``).
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from sustain.accounts.choices import STAFF_ROLES
from sustain.accounts.models import User
from sustain.tickets.assignment import may_be_assigned
from sustain.tickets.choices import LinkKind, Priority, Status
from sustain.tickets.models import Ticket
from sustain.tickets.rules import allowed_transitions, priority_for
from sustain.tickets.selectors import edit_choices


def status_options(ticket: Ticket) -> list[tuple[str, str]]:
    """The current status and the ones the workflow allows from it."""
    allowed = allowed_transitions(ticket.status)
    return [(s.value, s.label) for s in Status if s == ticket.status or s in allowed]


def edit_options(actor: User, ticket: Ticket, watcher_ids: set[int]) -> dict[str, Any]:
    audience = Q(role__in=STAFF_ROLES)
    if ticket.organisation_id is not None:
        audience |= Q(organisation_id=ticket.organisation_id)
    people = list(User.objects.filter(audience, is_active=True).order_by("full_name", "email"))
    catalogue, members = edit_choices(ticket.team_id)
    team_members = members if ticket.team_id is not None else None
    # The current assignee stays listed outside the team, so that the choice shows them.
    assignable = [
        u
        for u in people
        if may_be_assigned(u, None if u.pk == ticket.assignee_id else team_members)
    ]
    return {
        "status_options": status_options(ticket),
        "priority_options": list(Priority.choices),
        "auto_priority": priority_for(ticket.impact, ticket.urgency),
        "assignable": assignable,
        "teams": catalogue["team"],
        "products": catalogue["product"],
        "components": catalogue["component"],
        "versions": catalogue["version"],
        # "Watch" covers the agent themself.
        "watcher_candidates": [u for u in people if u.pk not in watcher_ids and u.pk != actor.pk],
        "link_kinds": list(LinkKind.choices),
    }
