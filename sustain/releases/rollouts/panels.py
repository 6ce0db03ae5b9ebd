"""The change approval panel of the agent's ticket page, for tickets of kind change: the
decisions, the rollouts tied to the change, and Approve / Reject for a lead who may decide.

Registered from ``ReleasesConfig.ready()`` (``sustain.tickets.panels``). It is a side panel,
redrawn after every change on the page, so it reads in three small queries. Its buttons post
with htmx to ``rollouts:decide_change`` (the page's CSRF header goes with them).
"""

from __future__ import annotations

from typing import Any

from sustain.accounts.models import User
from sustain.releases.rollouts.selectors import visible_rollouts
from sustain.tickets import approvals
from sustain.tickets.choices import Kind
from sustain.tickets.models import Ticket
from sustain.tickets.panels import Panel


def change_panel(viewer: User, ticket: Ticket, **extra: Any) -> dict[str, Any] | None:
    if ticket.kind != Kind.CHANGE:
        return None
    _, decisions = approvals.decisions_on(viewer, ticket.pk)
    rollouts = list(
        visible_rollouts(viewer)
        .filter(change_ticket=ticket)
        .select_related("organisation", "product", "version")
        .order_by("planned_start", "id")[:20]
    )
    return {
        "number": ticket.number,
        "decisions": decisions,
        "approved": bool(decisions) and decisions[-1].decision == "approved",
        "may_decide": approvals.may_decide(viewer, ticket),
        "rollouts": rollouts,
        "error": "",
        "comment": "",
        **extra,
    }


PANEL = Panel(
    name="change_approval",
    title="Change approval",
    order=110,
    template="releases/rollouts/_change_panel.html",
    context=change_panel,
    column="side",
    styles=("releases/rollouts.css",),
)
