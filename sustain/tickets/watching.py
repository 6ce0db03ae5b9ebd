"""Who follows a ticket: adding and removing watchers, one transaction each.

Staff and the system (e-mail intake adds the people in Cc) may change the watchers; the change
is computed on the locked, current list, so two people adding different watchers at once both
stay. Who may watch at all is ``services.set_watchers``' rule, which ``update_ticket`` applies
too.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction

from sustain.accounts.actors import Actor
from sustain.accounts.models import User
from sustain.core.errors import PermissionDenied
from sustain.core.permissions import Capability, require
from sustain.tickets.activity import touch_ticket
from sustain.tickets.choices import Channel
from sustain.tickets.models import Ticket
from sustain.tickets.selectors import get_ticket_for
from sustain.tickets.services import READ_ONLY, acts_as_customer, set_watchers


def watch_ticket(
    *, actor: Actor, ref: str | int, watchers: Iterable[User], channel: str = Channel.WEB
) -> Ticket:
    """Add ``watchers`` to the ticket's watchers."""
    return _change_watchers(actor, ref, channel, add=list(watchers), remove=[])


def unwatch_ticket(
    *, actor: Actor, ref: str | int, watchers: Iterable[User], channel: str = Channel.WEB
) -> Ticket:
    """Take ``watchers`` off the ticket's watchers."""
    return _change_watchers(actor, ref, channel, add=[], remove=list(watchers))


def _change_watchers(
    actor: Actor, ref: str | int, channel: str, *, add: list[User], remove: list[User]
) -> Ticket:
    if acts_as_customer(actor):
        raise PermissionDenied("Customers cannot change who watches a ticket.")
    require(actor, Capability.TICKETS_WRITE, READ_ONLY)
    with transaction.atomic():
        ticket = get_ticket_for(actor, ref, for_update=True)
        watchers = {user.pk: user for user in ticket.watchers.all()}
        watchers |= {user.pk: user for user in add}
        for user in remove:
            watchers.pop(user.pk, None)
        if set_watchers(actor, ticket, watchers.values(), channel):
            touch_ticket(ticket, [])
    return ticket
