"""Ticket e-mails as people receive them: who gets which change, once, and never a note.

Each change runs through the service layer and is committed and delivered the way the queue
does it (the on-commit job sends the outbox rows), so the tests read the mail that left.
Mail of the set-up (the new ticket) is recorded but never delivered, so only the change under
test shows up.
"""

from collections.abc import Callable

import pytest
from django.core import mail as django_mail
from django.core.mail import EmailMessage, EmailMultiAlternatives

from sustain.accounts.choices import AssignmentStrategy
from sustain.accounts.models import User
from sustain.core.models import OutboxMessage
from sustain.factories import make_team
from sustain.tickets import services
from sustain.tickets.choices import Status
from sustain.tickets.models import Ticket

Deliver = Callable[[Callable[[], object]], list[EmailMessage]]


@pytest.fixture
def deliver(db, django_capture_on_commit_callbacks) -> Deliver:
    """Run one change, commit it and deliver its mail; returns the e-mails that were sent."""

    def run(change: Callable[[], object]) -> list[EmailMessage]:
        # mail.outbox, not the mailoutbox fixture: the db fixture replaces the list, and
        # which of the two is set up first depends on the order a test names them in.
        django_mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            change()
        assert not OutboxMessage.objects.filter(state=OutboxMessage.State.DEAD).exists(), (
            "a notification failed to send"
        )
        return list(django_mail.outbox)

    return run


@pytest.fixture
def watched(bobs_ticket, alice, bob_colleague, lead) -> Ticket:
    """bob's ticket, assigned to alice, watched by his colleague erin and by the lead."""
    Ticket.objects.filter(pk=bobs_ticket.pk).update(assignee=alice)
    bobs_ticket.watchers.add(bob_colleague, lead)
    ticket: Ticket = bobs_ticket
    ticket.refresh_from_db()
    return ticket


def recipients(mails: list[EmailMessage]) -> list[str]:
    """Every address mailed, repeats kept; each e-mail goes to one person only."""
    assert all(len(mail.to) == 1 and not mail.cc and not mail.bcc for mail in mails)
    return sorted(mail.to[0] for mail in mails)


def to(mails: list[EmailMessage], user: User) -> EmailMessage:
    [mail] = [mail for mail in mails if mail.to == [user.email]]
    return mail


def full_text(mail: EmailMessage) -> str:
    """Subject, plain text and every alternative (the HTML part) of one e-mail."""
    parts = [str(mail.subject), str(mail.body)]
    if isinstance(mail, EmailMultiAlternatives):
        parts += [str(alternative[0]) for alternative in mail.alternatives]
    return "\n".join(parts)


def subject_of(ticket: Ticket) -> str:
    return f"[SUS-{ticket.pk}] {ticket.title}"


# --- status changes ------------------------------------------------------------------------
def test_status_change_mails_requester_watchers_and_assignee_but_not_the_actor(
    deliver, watched, lead, alice, bob, bob_colleague
):
    mails = deliver(
        lambda: services.transition_ticket(actor=lead, ref=watched.pk, status=Status.OPEN)
    )

    assert recipients(mails) == sorted([bob.email, bob_colleague.email, alice.email])
    for mail in mails:
        assert mail.subject == subject_of(watched)
        assert "The status changed from New to Open." in mail.body
    assert OutboxMessage.objects.filter(state=OutboxMessage.State.SENT).count() == 3


def test_status_change_by_the_assignee_is_not_mailed_to_them(
    deliver, watched, alice, bob, bob_colleague, lead
):
    mails = deliver(
        lambda: services.transition_ticket(
            actor=alice, ref=watched.pk, status=Status.PENDING_CUSTOMER
        )
    )

    assert recipients(mails) == sorted([bob.email, bob_colleague.email, lead.email])
    assert "from New to Pending customer" in to(mails, bob_colleague).body


def test_customer_closing_their_ticket_mails_the_others_not_themselves(
    deliver, watched, bob, alice, bob_colleague, lead
):
    mails = deliver(lambda: services.transition_ticket(actor=bob, ref=watched.pk, status="closed"))

    assert recipients(mails) == sorted([alice.email, bob_colleague.email, lead.email])
    assert "from New to Closed" in to(mails, alice).body


def test_a_change_without_a_new_status_sends_no_status_mail(deliver, watched, lead):
    mails = deliver(
        lambda: services.update_ticket(actor=lead, ref=watched.pk, changes={"status": "new"})
    )

    assert mails == []


# --- assignment ---------------------------------------------------------------------------
def test_assignment_mails_the_new_assignee_only(deliver, watched, lead, dave, support):
    support.members.add(dave)

    mails = deliver(
        lambda: services.update_ticket(actor=lead, ref=watched.pk, changes={"assignee": dave})
    )

    # Not alice (no longer hers), not the requester or the watchers: assignment is staff news.
    assert recipients(mails) == [dave.email]
    assert mails[0].subject == subject_of(watched)
    assert "Lead assigned this ticket to you." in mails[0].body


def test_taking_a_ticket_oneself_sends_no_assignment_mail(deliver, bobs_ticket, alice):
    mails = deliver(
        lambda: services.update_ticket(actor=alice, ref=bobs_ticket.pk, changes={"assignee": alice})
    )

    assert mails == []
    assert Ticket.objects.get(pk=bobs_ticket.pk).assignee == alice


def test_unassigning_mails_nobody(deliver, watched, lead):
    mails = deliver(
        lambda: services.update_ticket(actor=lead, ref=watched.pk, changes={"assignee": None})
    )

    assert mails == []


def test_moving_to_a_team_mails_the_member_it_picks(deliver, bobs_ticket, lead, dave):
    rota = make_team("Rota", members=[dave], assignment_strategy=AssignmentStrategy.ROUND_ROBIN)

    mails = deliver(
        lambda: services.update_ticket(actor=lead, ref=bobs_ticket.pk, changes={"team": rota})
    )

    assert Ticket.objects.get(pk=bobs_ticket.pk).assignee == dave
    assert recipients(mails) == [dave.email]
    assert "assigned this ticket to you" in mails[0].body


def test_status_and_assignee_in_one_change_send_the_new_assignee_both_mails(
    deliver, watched, lead, dave, bob, bob_colleague, support
):
    support.members.add(dave)

    mails = deliver(
        lambda: services.update_ticket(
            actor=lead, ref=watched.pk, changes={"assignee": dave, "status": Status.OPEN}
        )
    )

    # dave: the assignment and the status change; the others: the status change.
    assert recipients(mails) == sorted([bob.email, bob_colleague.email, dave.email, dave.email])
    assert sorted("assigned" in mail.body for mail in mails if mail.to == [dave.email]) == [
        False,
        True,
    ]


# --- replies and notes --------------------------------------------------------------------
def test_public_reply_reaches_requester_assignee_and_watchers(
    deliver, watched, lead, alice, bob, bob_colleague
):
    mails = deliver(
        lambda: services.add_message(actor=lead, ref=watched.pk, body="Please try 2.1.1.")
    )

    assert recipients(mails) == sorted([alice.email, bob.email, bob_colleague.email])
    for mail in mails:
        assert mail.subject == subject_of(watched)
        assert "Lead wrote:" in mail.body
        assert "Please try 2.1.1." in mail.body


def test_customer_reply_reaches_assignee_and_watchers_not_its_author(
    deliver, watched, bob, alice, bob_colleague, lead
):
    mails = deliver(lambda: services.add_message(actor=bob, ref=watched.pk, body="Still broken."))

    assert recipients(mails) == sorted([alice.email, bob_colleague.email, lead.email])
    assert "Still broken." in to(mails, lead).body


def test_internal_note_reaches_staff_only(deliver, watched, lead, alice, bob, bob_colleague):
    mails = deliver(
        lambda: services.add_message(
            actor=lead, ref=watched.pk, body="Their licence lapsed.", internal=True
        )
    )

    # The customer requester (bob) and the customer watcher (erin) get nothing.
    assert recipients(mails) == [alice.email]
    assert "Lead added an internal note:" in mails[0].body
    assert "Their licence lapsed." in mails[0].body


def test_internal_note_reaches_a_staff_watcher(deliver, watched, alice, lead):
    mails = deliver(
        lambda: services.add_message(actor=alice, ref=watched.pk, body="Ask R&D.", internal=True)
    )

    assert recipients(mails) == [lead.email]
    assert "Ask R&D." in mails[0].body


def test_a_customer_mail_never_contains_internal_note_text(
    deliver, watched, lead, alice, bob, bob_colleague, dave, support
):
    secret = "Workaround: patch the licence table by hand"
    support.members.add(dave)
    changes: list[Callable[[], object]] = [
        lambda: services.add_message(actor=alice, ref=watched.pk, body=secret, internal=True),
        lambda: services.add_message(actor=alice, ref=watched.pk, body="We are on it."),
        lambda: services.transition_ticket(actor=alice, ref=watched.pk, status=Status.RESOLVED),
        lambda: services.update_ticket(actor=lead, ref=watched.pk, changes={"assignee": dave}),
        lambda: services.add_message(actor=lead, ref=watched.pk, body=f"{secret}!", internal=True),
    ]
    mails = [mail for change in changes for mail in deliver(change)]

    customers = {bob.email, bob_colleague.email}
    to_customers = [mail for mail in mails if mail.to[0] in customers]
    # The reply and the status change, to each of them; nothing else.
    assert recipients(to_customers) == sorted([*customers, *customers])
    assert all("licence" not in full_text(mail) for mail in to_customers)
    # The note did go out, to staff: the test would notice if notes stopped being mailed.
    assert any(secret in full_text(mail) for mail in mails if mail.to[0] not in customers)


# --- one e-mail per person ----------------------------------------------------------------
def test_a_requester_who_also_watches_is_mailed_once(
    deliver, watched, bob, alice, lead, bob_colleague
):
    watched.watchers.add(bob, alice)  # the requester and the assignee watch too

    status = deliver(
        lambda: services.transition_ticket(actor=lead, ref=watched.pk, status=Status.OPEN)
    )
    reply = deliver(lambda: services.add_message(actor=lead, ref=watched.pk, body="On it."))

    everyone = sorted([bob.email, alice.email, bob_colleague.email])
    assert recipients(status) == everyone
    assert recipients(reply) == everyone


def test_the_actor_watching_their_own_change_is_not_mailed(deliver, watched, lead, alice):
    watched.watchers.add(alice)

    mails = deliver(
        lambda: services.add_message(actor=alice, ref=watched.pk, body="Done.", internal=True)
    )

    assert recipients(mails) == [lead.email]


def test_a_new_ticket_mails_each_person_once(deliver, make_ticket, lead, alice, bob, support):
    mails = deliver(lambda: make_ticket(lead, requester=bob, assignee=alice, watchers=[bob, alice]))

    assert recipients(mails) == sorted([alice.email, bob.email])
    [ticket] = Ticket.objects.all()
    assert all(mail.subject == subject_of(ticket) for mail in mails)


def test_inactive_watchers_are_not_mailed(deliver, watched, lead, alice, bob, bob_colleague):
    User.objects.filter(pk=bob_colleague.pk).update(is_active=False)

    mails = deliver(
        lambda: services.transition_ticket(actor=lead, ref=watched.pk, status=Status.OPEN)
    )

    assert recipients(mails) == sorted([alice.email, bob.email])
