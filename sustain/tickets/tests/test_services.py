import threading
from collections import Counter
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.utils import timezone

from sustain.accounts.actors import EMAIL
from sustain.accounts.choices import AssignmentStrategy
from sustain.accounts.models import Team, User
from sustain.core.errors import (
    Conflict,
    InvalidTransition,
    NotFound,
    PayloadTooLarge,
    PermissionDenied,
    ValidationFailed,
)
from sustain.core.models import OutboxMessage
from sustain.core.uploads import Upload
from sustain.factories import make_product, make_team, make_user
from sustain.tickets import assignment, creation, linking, services
from sustain.tickets.choices import Channel, LinkKind, Status
from sustain.tickets.models import Activity, Attachment, Message, Tag, Ticket, TicketLink
from sustain.tickets.selectors import get_ticket_for, visible_tickets

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7\x35\x81\x84"
    b"\x00\x00\x00\x00IEND\xaeB`\x82"
)


# --- creating ------------------------------------------------------------------------------
def test_priority_comes_from_impact_and_urgency(make_ticket, alice):
    ticket = make_ticket(alice, impact="high", urgency="high")
    assert ticket.priority == 1
    assert ticket.priority_override_reason == ""


def test_priority_override_needs_a_reason(make_ticket, alice):
    with pytest.raises(ValidationFailed) as exc:
        make_ticket(alice, impact="low", urgency="low", priority=1)
    assert "priority_reason" in exc.value.errors
    ticket = make_ticket(
        alice, impact="low", urgency="low", priority=1, priority_reason="CEO's laptop"
    )
    assert (ticket.priority, ticket.priority_override_reason) == (1, "CEO's laptop")


def test_customer_ticket_belongs_to_their_organisation(make_ticket, bob, acme):
    ticket = make_ticket(bob)
    assert ticket.requester == bob
    assert ticket.organisation == acme
    assert ticket.status == Status.NEW


def test_customer_cannot_set_team_or_assignee(make_ticket, bob, support):
    with pytest.raises(PermissionDenied, match="team"):
        make_ticket(bob, team=support)


def test_viewer_cannot_open_tickets(make_ticket, viewer):
    with pytest.raises(PermissionDenied):
        make_ticket(viewer)


def test_creation_logs_activity_and_first_message(make_ticket, bob):
    ticket = make_ticket(bob)
    assert ticket.messages.get().body.startswith("Since 2.1")
    assert ticket.activities.get().action == Activity.Action.CREATED


def test_component_of_other_product_is_refused(make_ticket, alice, product):
    other = make_product("Other")
    with pytest.raises(ValidationFailed) as exc:
        make_ticket(alice, product=other, component=product.components.get())
    assert "component" in exc.value.errors


def test_product_is_derived_from_version(make_ticket, alice, product):
    ticket = make_ticket(alice, version=product.versions.get())
    assert ticket.product == product


def test_assignee_must_be_member_of_the_team(make_ticket, alice, dave, support):
    with pytest.raises(ValidationFailed) as exc:
        make_ticket(alice, team=support, assignee=dave)
    assert "assignee" in exc.value.errors


def test_failed_create_writes_nothing(make_ticket, alice, settings):
    settings.SUSTAIN_ATTACHMENT_MAX_BYTES = 1024
    with pytest.raises(PayloadTooLarge):
        make_ticket(alice, attachments=[Upload("big.bin", b"x" * 2048)])
    assert not Ticket.objects.exists()
    assert not Message.objects.exists()
    assert not OutboxMessage.objects.exists()


def test_a_refused_new_ticket_leaves_the_callers_transaction_usable(alice, carol, support):
    # Creation writes without a savepoint of its own: every refusal comes before it writes.
    with transaction.atomic():
        for data in (
            creation.NewTicket(title="Watched", description="x", watchers=[carol]),
            creation.NewTicket(title="Tagged", description="x", tags=["no spaces allowed"]),
        ):
            with pytest.raises(ValidationFailed):
                creation.create_ticket(actor=alice, data=data)
        assert not Ticket.objects.exists()
        creation.create_ticket(actor=alice, data=creation.NewTicket(title="Fine", description="x"))
    assert list(Ticket.objects.values_list("title", flat=True)) == ["Fine"]


def test_new_ticket_notifies_requester_through_outbox(make_ticket, alice, bob):
    make_ticket(alice, requester=bob)
    assert list(OutboxMessage.objects.values_list("payload__to", flat=True)) == [[bob.email]]


# --- assignment ----------------------------------------------------------------------------
@pytest.fixture
def rota(alice, dave, lead):
    return make_team(
        "Rota", members=[alice, dave], assignment_strategy=AssignmentStrategy.ROUND_ROBIN
    )


def test_round_robin_takes_turns_and_skips_away_members(make_ticket, lead, alice, dave, rota):
    first = make_ticket(lead, team=rota).assignee
    second = make_ticket(lead, team=rota).assignee
    assert {first, second} == {alice, dave}
    dave.is_away = True
    dave.save()
    assert [make_ticket(lead, team=rota).assignee for _ in range(2)] == [alice, alice]


def test_round_robin_with_nobody_available_leaves_the_ticket_and_the_turn_alone(
    make_ticket, lead, alice, dave, rota
):
    first = make_ticket(lead, team=rota).assignee
    User.objects.filter(pk__in=[alice.pk, dave.pk]).update(is_away=True)
    assert make_ticket(lead, team=rota).assignee is None
    rota.refresh_from_db()
    assert rota.last_assigned == first
    User.objects.filter(pk__in=[alice.pk, dave.pk]).update(is_away=False)
    assert make_ticket(lead, team=rota).assignee not in (None, first)


def test_round_robin_skips_inactive_members_and_readers(make_ticket, lead, alice, dave, rota):
    carol = make_user("carol@sustain.test", role="viewer")
    rota.members.add(carol)
    dave.is_active = False
    dave.save()
    assert [make_ticket(lead, team=rota).assignee for _ in range(3)] == [alice, alice, alice]


def test_fewest_open_picks_the_least_loaded(make_ticket, lead, alice, dave, rota):
    rota.assignment_strategy = AssignmentStrategy.FEWEST_OPEN
    rota.save()
    make_ticket(lead, team=rota, assignee=alice)
    make_ticket(lead, team=rota, assignee=alice)
    assert make_ticket(lead, team=rota).assignee == dave


def test_fewest_open_breaks_a_tie_away_from_the_last_pick(make_ticket, lead, alice, dave, rota):
    rota.assignment_strategy = AssignmentStrategy.FEWEST_OPEN
    rota.save()
    first = make_ticket(lead, team=rota).assignee
    Ticket.objects.filter(assignee=first).update(status=Status.CLOSED)  # counts tie again
    _recount_due(rota)
    assert make_ticket(lead, team=rota).assignee != first


def _recount_due(team: Team) -> None:
    """As if the last count of open tickets were older than ``RECOUNT_AFTER``."""
    counted_at = timezone.now() - assignment.RECOUNT_AFTER - timedelta(seconds=1)
    Team.objects.filter(pk=team.pk).update(member_load_counted_at=counted_at)


def test_fewest_open_adds_its_picks_to_the_count_until_the_next_count(
    make_ticket, lead, alice, dave, rota, monkeypatch
):
    rota.assignment_strategy = AssignmentStrategy.FEWEST_OPEN
    rota.save()
    for _ in range(3):
        make_ticket(lead, team=rota, assignee=alice)
    counts: list[dict[str, int]] = []
    real_count = assignment._open_counts

    def count(members: list[User]) -> dict[str, int]:
        found = real_count(members)
        counts.append(dict(found))
        return found

    monkeypatch.setattr(assignment, "_open_counts", count)

    picks = [make_ticket(lead, team=rota).assignee for _ in range(4)]

    # Counted once (alice 3, dave 0): dave takes three, then the tie goes away from him.
    assert counts == [{str(alice.pk): 3, str(dave.pk): 0}]
    assert picks == [dave, dave, dave, alice]
    rota.refresh_from_db()
    assert rota.member_load == {str(alice.pk): 4, str(dave.pk): 3}


def test_fewest_open_counts_again_after_a_while(make_ticket, lead, alice, dave, rota):
    rota.assignment_strategy = AssignmentStrategy.FEWEST_OPEN
    rota.save()
    make_ticket(lead, team=rota, assignee=alice)
    assert make_ticket(lead, team=rota).assignee == dave  # counted: alice 1, dave 0
    # Changes by hand are not seen until the next count: dave has none open now, alice 2,
    # but the counts say 1 each, and the tie goes away from dave.
    Ticket.objects.filter(assignee=dave).update(status=Status.CLOSED)
    make_ticket(lead, team=rota, assignee=alice)
    assert make_ticket(lead, team=rota).assignee == alice

    _recount_due(rota)

    assert make_ticket(lead, team=rota).assignee == dave  # counted: alice 3, dave 0
    rota.refresh_from_db()
    assert rota.member_load == {str(alice.pk): 3, str(dave.pk): 1}


def test_fewest_open_counts_a_new_member_at_once(make_ticket, lead, alice, dave, rota):
    rota.assignment_strategy = AssignmentStrategy.FEWEST_OPEN
    rota.save()
    make_ticket(lead, team=rota)  # counted: alice and dave
    carol = make_user("carol@sustain.test", role="agent")
    rota.members.add(carol)
    make_ticket(lead, team=rota, assignee=carol)

    assert make_ticket(lead, team=rota).assignee != carol
    rota.refresh_from_db()
    assert rota.member_load[str(carol.pk)] == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_tickets_take_distinct_round_robin_turns(lead, alice, dave, rota):
    carol = make_user("carol@sustain.test", role="agent")
    rota.members.add(carol, lead)
    start = threading.Barrier(8)
    errors: list[BaseException] = []

    def create() -> None:
        try:
            start.wait()
            creation.create_ticket(
                actor=lead,
                data=creation.NewTicket(title="Crash", description="It fell over.", team=rota),
                channel=Channel.API,
            )
        except BaseException as error:  # reported below: a thread's exception is lost
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=create) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    per_member = Counter(Ticket.objects.values_list("assignee", flat=True))
    assert sorted(per_member.values()) == [2, 2, 2, 2]


def test_moving_to_another_team_drops_a_non_member_assignee(make_ticket, alice, lead, platform):
    ticket = make_ticket(alice, assignee=alice)
    services.update_ticket(actor=lead, ref=ticket.pk, changes={"team": platform})
    ticket.refresh_from_db()
    assert (ticket.team, ticket.assignee) == (platform, None)


# --- changing ------------------------------------------------------------------------------
def test_update_records_old_and_new_values(make_ticket, alice):
    ticket = make_ticket(alice)
    services.update_ticket(actor=alice, ref=ticket.number, changes={"title": "New title"})
    change = ticket.activities.get(field="title")
    assert (change.old_value, change.new_value) == ("Sync fails after upgrade", "New title")
    ticket.refresh_from_db()
    assert ticket.revision == 2


def test_stale_revision_is_refused(make_ticket, alice):
    ticket = make_ticket(alice)
    services.update_ticket(actor=alice, ref=ticket.pk, changes={"title": "One"})
    with pytest.raises(Conflict):
        services.update_ticket(
            actor=alice, ref=ticket.pk, changes={"title": "Two"}, expected_revision=1
        )
    ticket.refresh_from_db()
    assert ticket.title == "One"


def test_new_impact_rederives_priority_and_ends_override(make_ticket, alice):
    ticket = make_ticket(alice, priority=1, priority_reason="VIP")
    services.update_ticket(actor=alice, ref=ticket.pk, changes={"impact": "low", "urgency": "low"})
    ticket.refresh_from_db()
    assert (ticket.priority, ticket.priority_override_reason) == (4, "")


def test_tags_are_normalised(make_ticket, alice):
    ticket = make_ticket(alice, tags=["Sync", "sync", " upgrade "])
    assert sorted(t.name for t in ticket.tags.all()) == ["sync", "upgrade"]
    with pytest.raises(ValidationFailed):
        services.update_ticket(actor=alice, ref=ticket.pk, changes={"tags": ["two words"]})


def test_invalid_transition_lists_allowed_and_writes_nothing(make_ticket, alice):
    ticket = make_ticket(alice)
    services.transition_ticket(actor=alice, ref=ticket.pk, status=Status.CLOSED)
    before = Activity.objects.count()
    with pytest.raises(InvalidTransition) as exc:
        services.transition_ticket(actor=alice, ref=ticket.pk, status=Status.PENDING_CUSTOMER)
    assert exc.value.allowed == ["open"]
    assert Activity.objects.count() == before


def test_reopen_only_within_the_reopen_period(make_ticket, alice, settings):
    settings.SUSTAIN_REOPEN_DAYS = 7
    ticket = make_ticket(alice)
    services.transition_ticket(actor=alice, ref=ticket.pk, status=Status.RESOLVED)
    Ticket.objects.filter(pk=ticket.pk).update(resolved_at=timezone.now() - timedelta(days=8))
    with pytest.raises(Conflict, match="cannot be reopened"):
        services.transition_ticket(actor=alice, ref=ticket.pk, status=Status.OPEN)


def test_customer_may_close_but_not_resolve(bobs_ticket, bob):
    with pytest.raises(InvalidTransition):
        services.transition_ticket(actor=bob, ref=bobs_ticket.pk, status=Status.RESOLVED)
    services.transition_ticket(actor=bob, ref=bobs_ticket.pk, status=Status.CLOSED)
    bobs_ticket.refresh_from_db()
    assert bobs_ticket.status == Status.CLOSED
    assert bobs_ticket.closed_at is not None


def test_customer_cannot_change_fields(bobs_ticket, bob):
    with pytest.raises(PermissionDenied):
        services.update_ticket(actor=bob, ref=bobs_ticket.pk, changes={"priority": 1})


def test_bulk_update_is_all_or_nothing(make_ticket, alice, dave, platform, lead):
    mine = make_ticket(alice)
    foreign = make_ticket(lead, team=platform)
    with pytest.raises(NotFound):
        services.bulk_update_tickets(
            actor=alice, refs=[mine.pk, foreign.pk], changes={"priority": 1, "priority_reason": "x"}
        )
    mine.refresh_from_db()
    assert mine.priority == 3


def test_bulk_update_changes_every_ticket(make_ticket, alice):
    tickets = [make_ticket(alice) for _ in range(3)]
    services.bulk_update_tickets(
        actor=alice, refs=[t.number for t in tickets], changes={"assignee": alice}
    )
    assert set(Ticket.objects.values_list("assignee", flat=True)) == {alice.pk}


# --- conversation --------------------------------------------------------------------------
def test_first_agent_reply_opens_and_counts_as_first_response(bobs_ticket, alice):
    services.add_message(actor=alice, ref=bobs_ticket.pk, body="Looking into it")
    bobs_ticket.refresh_from_db()
    assert bobs_ticket.status == Status.OPEN
    assert bobs_ticket.first_response_at is not None


def test_internal_note_changes_no_status(bobs_ticket, alice):
    services.add_message(actor=alice, ref=bobs_ticket.pk, body="Probably #123", internal=True)
    bobs_ticket.refresh_from_db()
    assert bobs_ticket.status == Status.NEW
    assert bobs_ticket.first_response_at is None


def test_customer_reply_resumes_a_pending_ticket(bobs_ticket, alice, bob):
    services.transition_ticket(actor=alice, ref=bobs_ticket.pk, status=Status.PENDING_CUSTOMER)
    services.add_message(actor=bob, ref=bobs_ticket.pk, body="Here are the logs")
    bobs_ticket.refresh_from_db()
    assert bobs_ticket.status == Status.OPEN


def test_customer_reply_reopens_a_resolved_ticket(bobs_ticket, alice, bob):
    services.transition_ticket(actor=alice, ref=bobs_ticket.pk, status=Status.RESOLVED)
    services.add_message(actor=bob, ref=bobs_ticket.pk, body="Still broken")
    bobs_ticket.refresh_from_db()
    assert (bobs_ticket.status, bobs_ticket.resolved_at) == (Status.OPEN, None)


def test_customer_cannot_write_internal_notes(bobs_ticket, bob):
    with pytest.raises(PermissionDenied):
        services.add_message(actor=bob, ref=bobs_ticket.pk, body="psst", internal=True)


def test_empty_message_is_refused(bobs_ticket, alice):
    with pytest.raises(ValidationFailed):
        services.add_message(actor=alice, ref=bobs_ticket.pk, body="   ")


def test_internal_note_is_not_mailed_to_the_customer(bobs_ticket, alice, bob):
    OutboxMessage.objects.all().delete()
    bobs_ticket.watchers.add(bob)
    services.add_message(actor=alice, ref=bobs_ticket.pk, body="note", internal=True)
    assert not OutboxMessage.objects.filter(payload__to=[bob.email]).exists()


def test_public_reply_is_mailed_to_requester_once(bobs_ticket, alice, bob):
    OutboxMessage.objects.all().delete()
    services.add_message(actor=alice, ref=bobs_ticket.pk, body="Fixed")
    mails = list(OutboxMessage.objects.values_list("payload__to", "payload__subject"))
    assert mails == [([bob.email], f"[{bobs_ticket.number}] {bobs_ticket.title}")]


# --- attachments ---------------------------------------------------------------------------
def test_attachment_content_type_is_sniffed(bobs_ticket, bob):
    message = services.add_message(
        actor=bob,
        ref=bobs_ticket.pk,
        body="",
        attachments=[Upload("shot.png", PNG, "text/html"), Upload("fake.png", b"<script>")],
    )
    types = dict(message.attachments.values_list("filename", "content_type"))
    assert types == {"shot.png": "image/png", "fake.png": "application/octet-stream"}


def test_attachment_names_cannot_escape(bobs_ticket, bob):
    message = services.add_message(
        actor=bob, ref=bobs_ticket.pk, body="x", attachments=[Upload("../../etc/passwd", b"a")]
    )
    attachment = message.attachments.get()
    assert attachment.filename == "passwd"
    assert str(attachment.file.name).startswith("attachments/")


def test_blocked_extension_is_refused(bobs_ticket, bob):
    with pytest.raises(ValidationFailed, match=r"\.exe"):
        services.add_message(
            actor=bob, ref=bobs_ticket.pk, body="x", attachments=[Upload("setup.exe", b"MZ")]
        )
    assert not Attachment.objects.exists()


# --- visibility ----------------------------------------------------------------------------
def test_visibility_by_role(bobs_ticket, bob, bob_colleague, acme_admin, carol, alice, dave, lead):
    assert set(visible_tickets(bob)) == {bobs_ticket}
    assert set(visible_tickets(acme_admin)) == {bobs_ticket}
    assert not visible_tickets(bob_colleague).exists()
    assert not visible_tickets(carol).exists()
    assert set(visible_tickets(alice)) == {bobs_ticket}
    assert not visible_tickets(dave).exists()
    assert set(visible_tickets(lead)) == {bobs_ticket}


def test_invisible_ticket_is_not_found_not_forbidden(bobs_ticket, carol):
    with pytest.raises(NotFound):
        get_ticket_for(carol, bobs_ticket.number)


def test_inactive_user_sees_nothing(bobs_ticket, alice):
    alice.is_active = False
    alice.save()
    assert not visible_tickets(alice).exists()


# --- links and merge -----------------------------------------------------------------------
def test_link_is_logged_on_both_sides(make_ticket, alice):
    a, b = make_ticket(alice), make_ticket(alice)
    linking.link_tickets(actor=alice, source_ref=a.pk, target_ref=b.pk, kind=LinkKind.BLOCKS)
    assert a.activities.get(action=Activity.Action.LINKED).new_value == f"blocks {b.number}"
    assert b.activities.get(action=Activity.Action.LINKED).new_value == (
        f"is blocked by {a.number}"
    )
    with pytest.raises(Conflict):
        linking.link_tickets(actor=alice, source_ref=b.pk, target_ref=a.pk, kind=LinkKind.BLOCKS)


def test_the_system_links_tickets_it_may_all_see(make_ticket, bob, carol):
    mine, theirs = make_ticket(bob), make_ticket(carol)
    link = linking.link_tickets(
        actor=EMAIL,
        source_ref=mine.pk,
        target_ref=theirs.pk,
        kind=LinkKind.RELATED,
        channel=Channel.EMAIL,
    )
    assert link.created_by is None
    entries = Activity.objects.filter(action=Activity.Action.LINKED)
    assert {(a.ticket_id, a.actor, a.system_actor) for a in entries} == {
        (mine.pk, None, "email"),
        (theirs.pk, None, "email"),
    }


def test_a_child_has_one_parent(make_ticket, alice):
    parent, other, child = make_ticket(alice), make_ticket(alice), make_ticket(alice)
    linking.link_tickets(
        actor=alice, source_ref=parent.pk, target_ref=child.pk, kind=LinkKind.PARENT_OF
    )
    with pytest.raises(Conflict, match="parent"):
        linking.link_tickets(
            actor=alice, source_ref=other.pk, target_ref=child.pk, kind=LinkKind.PARENT_OF
        )


def test_merge_moves_conversation_and_closes_duplicate(make_ticket, alice, bob, bob_colleague):
    original = make_ticket(bob)
    duplicate = make_ticket(bob_colleague)
    linking.merge_tickets(actor=alice, source_ref=duplicate.pk, target_ref=original.pk)
    duplicate.refresh_from_db()
    assert duplicate.status == Status.CLOSED
    assert duplicate.merged_into == original
    assert original.messages.count() == 2
    assert bob_colleague in original.watchers.all()
    assert TicketLink.objects.filter(
        source=duplicate, target=original, kind=LinkKind.DUPLICATE_OF
    ).exists()
    with pytest.raises(Conflict):
        services.add_message(actor=alice, ref=duplicate.pk, body="hello")


def test_title_is_kept_on_one_line(make_ticket, alice):
    ticket = make_ticket(alice, title="Broken\r\nBcc: victim@example.com")
    assert ticket.title == "Broken Bcc: victim@example.com"


def test_a_change_that_changes_nothing_keeps_the_revision(make_ticket, alice):
    ticket = make_ticket(alice, tags=["sync"])
    services.update_ticket(
        actor=alice, ref=ticket.pk, changes={"title": ticket.title, "tags": ["sync"]}
    )
    ticket.refresh_from_db()
    assert ticket.revision == 1


def test_null_for_a_required_field_is_refused(make_ticket, alice):
    ticket = make_ticket(alice)
    with pytest.raises(ValidationFailed) as exc:
        services.update_ticket(actor=alice, ref=ticket.pk, changes={"title": None})
    assert "title" in exc.value.errors


def test_priority_null_returns_to_the_matrix(make_ticket, alice):
    ticket = make_ticket(alice, priority=1, priority_reason="VIP")
    services.update_ticket(actor=alice, ref=ticket.pk, changes={"priority": None})
    ticket.refresh_from_db()
    assert (ticket.priority, ticket.priority_override_reason) == (3, "")


def test_customer_watcher_sees_the_ticket_once(bobs_ticket, bob_colleague, alice, dave):
    services.update_ticket(
        actor=alice, ref=bobs_ticket.pk, changes={"watchers": [bob_colleague, alice]}
    )
    assert list(visible_tickets(bob_colleague)) == [bobs_ticket]


def test_merge_across_organisations_is_refused(make_ticket, alice, bob, carol):
    original = make_ticket(bob)
    duplicate = make_ticket(carol)
    with pytest.raises(ValidationFailed, match="another organisation"):
        linking.merge_tickets(actor=alice, source_ref=duplicate.pk, target_ref=original.pk)
    assert original.messages.count() == 1


def test_a_new_ticket_links_existing_and_new_tags_once(make_ticket, alice):
    Tag.objects.create(name="printer")

    ticket = make_ticket(alice, tags=["Printer", "jam", "printer ", "jam"])

    assert sorted(ticket.tags.values_list("name", flat=True)) == ["jam", "printer"]
    assert Tag.objects.filter(name__in=["jam", "printer"]).count() == 2
