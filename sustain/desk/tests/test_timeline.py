"""The ticket timeline: one ordered list of messages and compact events, in fixed queries."""

from __future__ import annotations

from sustain.accounts.actors import SLA_ESCALATION
from sustain.desk.timeline import build_timeline, changes_since, describe
from sustain.tickets import services
from sustain.tickets.choices import Status
from sustain.tickets.linking import link_tickets, merge_tickets, unlink_tickets
from sustain.tickets.models import Activity
from sustain.tickets.system import TicketEvent, reassign_ticket, record_events


def test_messages_and_events_in_order_with_runs_grouped(alice, bob, bobs_ticket):
    services.add_message(actor=alice, ref=bobs_ticket.pk, body="On it.")
    services.update_ticket(
        actor=alice,
        ref=bobs_ticket.pk,
        changes={"status": Status.PENDING_CUSTOMER, "tags": ["sync"]},
    )
    services.add_message(actor=bob, ref=bobs_ticket.pk, body="Still broken.")
    timeline = build_timeline(bobs_ticket)
    kinds = [
        (e.message.body if e.message else [c.text for c in e.changes]) for e in timeline.entries
    ]
    assert kinds == [
        "Since 2.1 the nightly sync stops halfway.",
        "On it.",
        [
            "changed status from New to Open",
            "changed status from Open to Pending customer",
            "set tags to sync",
        ],
        "Still broken.",
        ["changed status from Pending customer to Open"],
    ]
    assert timeline.entries[0].first
    assert timeline.entries[0].label == "Ticket opened by Bob"
    assert timeline.last_activity_id == Activity.objects.latest("id").pk
    assert not timeline.truncated


def test_long_conversations_show_the_newest_entries(alice, bobs_ticket, django_assert_num_queries):
    for i in range(5):
        services.add_message(actor=alice, ref=bobs_ticket.pk, body=f"note {i}", internal=True)
    with django_assert_num_queries(3):
        timeline = build_timeline(bobs_ticket, limit=3)
    bodies = [e.message.body for e in timeline.entries if e.message]
    assert bodies == ["note 2", "note 3", "note 4"]
    assert timeline.truncated
    assert timeline.entries[-1].label == "Internal note from Alice"


def test_links_merges_and_priority_read_as_sentences(alice, bob, bobs_ticket, make_ticket):
    other = make_ticket(bob, title="Twin")
    link = link_tickets(actor=alice, source_ref=bobs_ticket.pk, target_ref=other.pk, kind="blocks")
    unlink_tickets(actor=alice, link_id=link.pk)
    services.update_ticket(
        actor=alice, ref=bobs_ticket.pk, changes={"priority": 1, "priority_reason": "VIP"}
    )
    merge_tickets(actor=alice, source_ref=bobs_ticket.pk, target_ref=other.pk)
    texts = [describe(a) for a in Activity.objects.filter(ticket=bobs_ticket).order_by("id")]
    assert f"linked: blocks {other.number}" in texts
    assert f"removed link: blocks {other.number}" in texts
    assert "changed priority from P3 to P1" in texts
    assert "set priority reason to VIP" in texts
    assert f"merged into {other.number}" in texts


def test_changes_since_names_who_did_what(alice, lead, bobs_ticket):
    seen = Activity.objects.latest("id").pk
    services.update_ticket(actor=lead, ref=bobs_ticket.pk, changes={"assignee": alice})
    services.add_message(actor=lead, ref=bobs_ticket.pk, body="psst", internal=True)
    changes = changes_since(bobs_ticket.pk, seen)
    assert [(c.activity.actor, c.text) for c in changes] == [
        (lead, "set assignee to Alice"),
        (lead, "added an internal note"),
    ]


def test_the_timeline_shows_labels_of_logged_codes(alice, bobs_ticket):
    services.update_ticket(
        actor=alice, ref=bobs_ticket.pk, changes={"kind": "service_request", "status": "open"}
    )
    kind, status = (
        Activity.objects.get(ticket=bobs_ticket, field=name) for name in ("kind", "status")
    )
    assert describe(kind) == "changed kind from Incident to Service request"
    assert describe(status) == "changed status from New to Open"


def test_the_system_reads_by_name_and_its_changes_run_together(alice, bobs_ticket):
    record_events(
        actor=SLA_ESCALATION,
        events=[TicketEvent(bobs_ticket.pk, "sla_breach", "First response SLA breached")],
    )
    reassign_ticket(actor=SLA_ESCALATION, ref=bobs_ticket.pk, assignee=alice, reason="Breached")

    [entry] = [e for e in build_timeline(bobs_ticket).entries if e.is_event]
    assert entry.label == "Changes by SLA escalation"
    assert [c.text for c in entry.changes] == [
        "set sla_breach to First response SLA breached",
        "set assignee to Alice",
        "set assignment reason to Breached",
    ]
    assert {c.by for c in changes_since(bobs_ticket.pk, 0)} == {"Bob", "SLA escalation"}
