"""The SLA's filter of ticket lists: tickets with a clock due within N hours.

Registered into ``tickets/filters.py`` from ``SlaConfig.ready()``, so the queue, its saved views
and any other list of tickets offer it without tickets importing the SLA.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django import forms
from django.db.models import QuerySet

from sustain.sla.selectors import breaching_within
from sustain.tickets.filters import TicketFilter
from sustain.tickets.models import Ticket

if TYPE_CHECKING:
    from sustain.accounts.models import User


def _breaching(tickets: QuerySet[Ticket], hours: int, viewer: User) -> QuerySet[Ticket]:
    return breaching_within(tickets, hours)


BREACHING = TicketFilter(
    "breaching",
    forms.IntegerField(
        required=False,
        min_value=0,
        max_value=24 * 30,
        label="SLA due within (hours)",
        error_messages={"min_value": "Give a number of hours from 0 up."},
    ),
    _breaching,
    order=110,  # after the tag, before the words of the title: where the queue had it
)
