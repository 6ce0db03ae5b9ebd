"""Inbound mail end to end through the service: the right ticket, nothing lost, no loops."""

from __future__ import annotations

from datetime import timedelta
from email.message import EmailMessage
from typing import Any

import pytest
from django.utils import timezone

from sustain.accounts.models import AuditEntry, User
from sustain.core.errors import PayloadTooLarge
from sustain.core.models import OutboxMessage
from sustain.mail.models import BouncingAddress, InboundMail
from sustain.mail.services import receive
from sustain.mail.tests.factories import plain, with_attachment
from sustain.tickets.choices import Channel, Status
from sustain.tickets.models import Activity, Ticket, TicketLink

pytestmark = pytest.mark.django_db
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def receive_any(raw: bytes, *, source: str) -> Any:
    """The service's answer, loosely typed: the tests read optional fields they just set."""
    return receive(raw, source=source)


def test_a_new_message_from_an_unknown_sender_opens_a_ticket_for_a_new_contact(acme):
    received = receive_any(plain(sender="Dana Smith <Dana@Acme.test>"), source="api")
    mail = received.mail
    assert not received.duplicate
    assert mail.state == InboundMail.State.TICKET
    contact = User.objects.get(email="dana@acme.test")
    assert contact.is_customer
    assert contact.organisation == acme
    assert contact.full_name == "Dana Smith"
    assert not contact.has_usable_password()
    ticket = mail.ticket
    assert ticket.requester == contact
    assert ticket.organisation == acme
    assert ticket.channel == Channel.EMAIL
    assert ticket.title == "Sync fails after upgrade"
    assert mail.raw.read().startswith(b"From: Dana Smith")
    entry = AuditEntry.objects.get(target_type="user", target_id=contact.pk)
    assert (entry.action, entry.actor) == ("contact.added", None)
    assert entry.changes["organisation"] == [None, "Acme"]


def test_the_same_message_twice_is_one_message_and_one_ticket(acme):
    raw = plain(message_id="<twice@acme.test>")
    first = receive_any(raw, source="imap")
    second = receive_any(raw, source="imap")
    assert second.duplicate
    assert second.mail.pk == first.mail.pk
    # Same Message-ID, different bytes (a relay added a header): still the same message.
    third = receive_any(b"X-Relay: yes\r\n" + raw, source="smtp")
    assert third.duplicate
    assert Ticket.objects.count() == 1
    assert InboundMail.objects.count() == 1


def test_a_reply_by_in_reply_to_lands_on_its_ticket(bob):
    first = receive_any(plain(message_id="<start@acme.test>"), source="api").mail
    reply = receive_any(
        plain(subject="Re: something else", body="More details.", headers={
            "In-Reply-To": "<start@acme.test>", "References": "<start@acme.test>"}),
        source="api",
    ).mail  # fmt: skip
    assert reply.state == InboundMail.State.FOLLOW_UP
    assert reply.ticket == first.ticket
    assert list(first.ticket.messages.values_list("body", flat=True)) == [
        "Since 2.1 the nightly sync stops halfway.",
        "More details.",
    ]


def test_a_reply_to_sustains_own_mail_finds_the_ticket_by_its_thread_id(bob, bobs_ticket):
    reply = receive_any(
        plain(subject="Re: x", headers={"References": f"<ticket-{bobs_ticket.pk}@127.0.0.1>"}),
        source="api",
    ).mail
    assert reply.ticket == bobs_ticket
    assert reply.state == InboundMail.State.FOLLOW_UP


def test_plus_address_and_subject_token_thread_too(bob, bobs_ticket):
    by_address = receive_any(
        plain(to=f"support+SUS-{bobs_ticket.pk}@sustain.test", subject="no token"), source="api"
    ).mail
    by_subject = receive_any(
        plain(subject=f"Re: [SUS-{bobs_ticket.pk}] Sync fails", body="again"), source="api"
    ).mail
    assert by_address.ticket == bobs_ticket
    assert by_subject.ticket == bobs_ticket


def test_a_customer_reply_reopens_a_pending_ticket(bob, bobs_ticket):
    Ticket.objects.filter(pk=bobs_ticket.pk).update(status=Status.PENDING_CUSTOMER)
    receive_any(plain(subject=f"[SUS-{bobs_ticket.pk}]", body="here you go"), source="api")
    bobs_ticket.refresh_from_db()
    assert bobs_ticket.status == Status.OPEN


def test_a_reply_to_a_long_closed_ticket_opens_a_new_linked_one(bob, bobs_ticket):
    long_ago = timezone.now() - timedelta(days=60)
    Ticket.objects.filter(pk=bobs_ticket.pk).update(status=Status.CLOSED, closed_at=long_ago)
    mail = receive_any(plain(subject=f"Re: [SUS-{bobs_ticket.pk}] again"), source="api").mail
    assert mail.state == InboundMail.State.TICKET
    assert mail.ticket != bobs_ticket
    assert TicketLink.objects.filter(source=mail.ticket, target=bobs_ticket).exists()


def test_another_organisations_sender_never_joins_the_ticket(carol, bobs_ticket):
    mail = receive_any(
        plain(sender="carol@globex.test", subject=f"Re: [SUS-{bobs_ticket.pk}] hi"), source="api"
    ).mail
    assert mail.state == InboundMail.State.TICKET
    assert mail.ticket != bobs_ticket
    assert mail.ticket.organisation == carol.organisation
    assert not TicketLink.objects.filter(source=mail.ticket).exists()
    assert bobs_ticket.messages.count() == 1


def test_auto_replies_are_kept_but_never_answered_nor_added(bob, bobs_ticket):
    Ticket.objects.filter(pk=bobs_ticket.pk).update(status=Status.PENDING_CUSTOMER)
    outbox_before = OutboxMessage.objects.count()
    mail = receive_any(
        plain(subject=f"Out of office: [SUS-{bobs_ticket.pk}]",
              headers={"Auto-Submitted": "auto-replied"}),
        source="api",
    ).mail  # fmt: skip
    assert mail.state == InboundMail.State.IGNORED
    assert mail.automatic == "auto-reply"
    bobs_ticket.refresh_from_db()
    assert bobs_ticket.status == Status.PENDING_CUSTOMER
    assert OutboxMessage.objects.count() == outbox_before


def test_a_bounce_marks_the_address_as_bouncing(bob):
    raw = plain(
        sender="MAILER-DAEMON@mx.acme.test",
        subject="Undelivered Mail Returned to Sender",
        headers={"X-Failed-Recipients": bob.email},
    )
    mail = receive_any(raw, source="api").mail
    assert mail.state == InboundMail.State.BOUNCE
    assert BouncingAddress.objects.get(user=bob).count == 1
    assert Ticket.objects.count() == 0


def test_a_sender_over_the_hourly_limit_is_held(settings, acme):
    settings.SUSTAIN_MAIL_SENDER_HOURLY_LIMIT = 2
    states = [receive_any(plain(subject=f"storm {n}"), source="api").mail.state for n in range(4)]
    assert states == ["ticket", "ticket", "held", "held"]
    assert Ticket.objects.count() == 2


def test_a_blocked_attachment_is_left_out_with_a_warning_and_the_raw_message_kept(bob):
    raw = with_attachment("setup.exe", b"MZ\x90\x00")
    mail = receive_any(raw, source="api").mail
    assert mail.state == InboundMail.State.TICKET
    assert any("setup.exe" in warning for warning in mail.warnings)
    names = list(mail.ticket.attachments.values_list("filename", flat=True))
    assert names == ["original-message.eml"]
    warning = Activity.objects.get(ticket=mail.ticket, field="email_warning")
    assert "setup.exe" in warning.new_value


def test_an_oversized_message_is_refused_and_the_sender_told_why(settings, bob):
    settings.SUSTAIN_MAIL_MAX_BYTES = 2048
    raw = plain(body="x" * 4000)
    with pytest.raises(PayloadTooLarge):
        receive_any(raw, source="smtp")
    assert InboundMail.objects.count() == 0
    [bounce] = OutboxMessage.objects.filter(idempotency_key__startswith="mail:too-large:")
    assert bounce.payload["to"] == ["bob@acme.test"]
    assert "larger than the 2048 bytes" in bounce.payload["body"]


def test_an_oversized_auto_reply_gets_no_bounce(settings, bob):
    settings.SUSTAIN_MAIL_MAX_BYTES = 2048
    with pytest.raises(PayloadTooLarge):
        receive_any(
            plain(body="x" * 4000, headers={"Auto-Submitted": "auto-generated"}), source="api"
        )
    assert not OutboxMessage.objects.filter(idempotency_key__startswith="mail:too-large:").exists()


def test_an_unreadable_message_still_becomes_a_ticket_with_the_raw_attached(acme):
    raw = (
        b"From: dana@acme.test\r\nSubject: broken\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/mixed; boundary="never-closed"\r\n\r\n'
        b"--never-closed\r\nContent-Type: text/plain; charset=x-bogus\r\n\r\nstill readable\r\n"
    )
    mail = receive_any(raw, source="api").mail
    assert mail.state == InboundMail.State.TICKET
    assert "still readable" in mail.ticket.messages.get().body
    assert mail.warnings
    assert "original-message.eml" in mail.ticket.attachments.values_list("filename", flat=True)


def test_inline_images_show_in_place_from_the_stored_attachments(acme):
    message = EmailMessage()
    message["From"] = "dana@acme.test"
    message["Subject"] = "screenshot"
    message.set_content("see the picture")
    message.add_alternative('<p>see <img src="cid:shot@acme"></p>', subtype="html")
    html_part: Any = message.get_payload()[1]  # type: ignore[index]
    html_part.add_related(PNG, maintype="image", subtype="png", cid="<shot@acme>")
    mail = receive_any(message.as_bytes(), source="api").mail
    attachment = mail.ticket.attachments.get()
    assert attachment.content_type == "image/png"
    assert f'src="/api/v1/attachments/{attachment.pk}"' in mail.html
    assert "cid:" not in mail.html


def test_cc_colleagues_become_watchers_but_outsiders_do_not(acme, bob, bob_colleague, carol):
    raw = plain(headers={"Cc": "erin@acme.test, carol@globex.test, Support <support+x@127.0.0.1>"})
    mail = receive_any(raw, source="api").mail
    assert list(mail.ticket.watchers.values_list("email", flat=True)) == ["erin@acme.test"]
    assert not User.objects.filter(email="support+x@127.0.0.1").exists()


def test_e_mail_intake_acts_as_the_system_in_the_log(acme, bob, bob_colleague, bobs_ticket):
    long_ago = timezone.now() - timedelta(days=60)
    Ticket.objects.filter(pk=bobs_ticket.pk).update(status=Status.CLOSED, closed_at=long_ago)
    raw = plain(subject=f"Re: [SUS-{bobs_ticket.pk}] again", headers={"Cc": "erin@acme.test"})
    mail = receive_any(raw, source="api").mail

    by_system = Activity.objects.filter(ticket=mail.ticket, actor=None).values_list(
        "action", "system_actor", "channel"
    )
    assert set(by_system) == {
        ("linked", "email", "email"),
        ("watched", "email", "email"),
    }
    assert TicketLink.objects.get(source=mail.ticket).created_by is None


def test_cc_watchers_can_be_switched_off(settings, acme, bob, bob_colleague):
    settings.SUSTAIN_MAIL_CC_WATCHERS = False
    mail = receive_any(plain(headers={"Cc": "erin@acme.test"}), source="api").mail
    assert mail.ticket.watchers.count() == 0
