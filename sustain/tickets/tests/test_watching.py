"""Adding and removing watchers (sustain/tickets/watching.py): staff and the system may, with
the rule of who may watch that every change of watchers follows."""

from __future__ import annotations

import pytest

from sustain.accounts.actors import EMAIL
from sustain.core.errors import NotFound, PermissionDenied, ValidationFailed
from sustain.tickets.choices import Channel
from sustain.tickets.models import Activity, Ticket
from sustain.tickets.watching import unwatch_ticket, watch_ticket


def watchers(ticket: Ticket) -> list[str]:
    return sorted(ticket.watchers.values_list("email", flat=True))


def test_staff_add_and_remove_watchers_keeping_the_others(bobs_ticket, alice, lead, dave):
    watch_ticket(actor=alice, ref=bobs_ticket.pk, watchers=[lead])
    watch_ticket(actor=alice, ref=bobs_ticket.pk, watchers=[dave])
    assert watchers(bobs_ticket) == [dave.email, lead.email]

    ticket = unwatch_ticket(actor=alice, ref=bobs_ticket.pk, watchers=[lead])

    assert watchers(ticket) == [dave.email]
    entries = Activity.objects.filter(ticket=ticket, action=Activity.Action.WATCHED)
    assert [(a.actor, a.old_value, a.new_value) for a in entries.order_by("id")] == [
        (alice, "", lead.email),
        (alice, lead.email, f"{dave.email}, {lead.email}"),
        (alice, f"{dave.email}, {lead.email}", dave.email),
    ]
    assert ticket.revision == bobs_ticket.revision + 3


def test_the_system_adds_watchers_and_is_named_in_the_log(bobs_ticket, bob_colleague):
    watch_ticket(actor=EMAIL, ref=bobs_ticket.pk, watchers=[bob_colleague], channel=Channel.EMAIL)

    entry = Activity.objects.get(ticket=bobs_ticket, action=Activity.Action.WATCHED)
    assert (entry.actor, entry.system_actor, entry.channel) == (None, "email", "email")


def test_watching_again_changes_nothing(bobs_ticket, alice, lead):
    watch_ticket(actor=alice, ref=bobs_ticket.pk, watchers=[lead])
    ticket = watch_ticket(actor=alice, ref=bobs_ticket.pk, watchers=[lead])
    assert Activity.objects.filter(ticket=ticket, action=Activity.Action.WATCHED).count() == 1
    assert ticket.revision == bobs_ticket.revision + 1


def test_a_customer_of_another_organisation_may_not_watch(bobs_ticket, alice, carol):
    with pytest.raises(ValidationFailed, match="another organisation"):
        watch_ticket(actor=alice, ref=bobs_ticket.pk, watchers=[carol])
    assert watchers(bobs_ticket) == []


def test_customers_and_viewers_cannot_change_watchers(bobs_ticket, bob, bob_colleague, viewer):
    with pytest.raises(PermissionDenied):
        watch_ticket(actor=bob, ref=bobs_ticket.pk, watchers=[bob_colleague])
    with pytest.raises(PermissionDenied):
        unwatch_ticket(actor=viewer, ref=bobs_ticket.pk, watchers=[bob_colleague])


def test_an_agent_cannot_touch_a_ticket_they_do_not_see(make_ticket, lead, dave, platform):
    supports = make_ticket(lead)  # in the Support team, which dave is not in
    with pytest.raises(NotFound):
        watch_ticket(actor=dave, ref=supports.pk, watchers=[dave])
