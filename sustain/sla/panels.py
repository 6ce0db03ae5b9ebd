"""The SLA panel of the agent's ticket page: the ticket's clocks, in the side column.

Registered from ``SlaConfig.ready()`` (see ``sustain.tickets.panels``). It is redrawn after
every change on the page, so a status change shows its paused or resumed clocks at once.
"""

from __future__ import annotations

from typing import Any

from sustain.accounts.models import User
from sustain.sla.selectors import clocks_for
from sustain.tickets.models import Ticket
from sustain.tickets.panels import Panel


def clocks_panel(viewer: User, ticket: Ticket) -> dict[str, Any] | None:
    # The page has loaded the ticket for the viewer, so the viewer may read it.
    clocks = clocks_for([ticket.pk]).get(ticket.pk, [])
    return {"clocks": clocks} if clocks else None


PANEL = Panel(
    name="sla",
    title="SLA",
    order=100,
    template="sla/partials/ticket_panel.html",
    context=clocks_panel,
    column="side",
    styles=("sla/sla.css",),
)
