"""A known Message-ID is a duplicate only when the message says the same: no mail is lost to
a mailer that reuses ids, and a copy fetched again is still one message."""

from __future__ import annotations

import logging
from email import policy
from email.message import EmailMessage
from typing import Any

import pytest

from sustain.core.models import OutboxMessage
from sustain.mail.duplicates import content_digest
from sustain.mail.mailboxes import release_held
from sustain.mail.models import InboundMail
from sustain.mail.parsing import parse
from sustain.mail.services import receive
from sustain.mail.tests.factories import plain
from sustain.tickets.models import Activity, Message, Ticket

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4 first version"
TRACE = (
    b"Received: from mx9.acme.test by relay.sustain.test; Sun, 22 Nov 2026 10:09:00 +0100\r\n"
    b"Delivered-To: helpdesk@sustain.test\r\n"
    b"Return-Path: <bob@acme.test>\r\n"
)


def mail_with_file(
    *,
    message_id: str = "<reused@acme.test>",
    body: str = "The log is attached.",
    content: bytes = PDF,
    filename: str = "log.pdf",
    subject: str = "Log file attached",
    sender: str = "bob@acme.test",
    date: str = "Sun, 22 Nov 2026 10:00:00 +0100",
    cte: str | None = None,
) -> bytes:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = "support@sustain.test"
    message["Subject"] = subject
    message["Date"] = date
    message["Message-ID"] = message_id
    message.set_content(body, cte=cte)
    message.add_attachment(content, maintype="application", subtype="pdf", filename=filename)
    return message.as_bytes(policy=policy.SMTP)


def message_of(mail: InboundMail) -> Message:
    assert mail.ticket_message is not None
    return mail.ticket_message


def digest(raw: bytes) -> str:
    return content_digest(parse(raw))


def test_the_digest_leaves_out_trace_headers_and_the_transfer_encoding():
    raw = mail_with_file(body="Grüße, the log is attached.", cte="8bit")
    refetched = TRACE + mail_with_file(body="Grüße, the log is attached.", cte="quoted-printable")
    assert raw != refetched
    assert digest(raw) == digest(refetched)


@pytest.mark.parametrize(
    "change",
    [
        {"body": "Another text."},
        {"content": b"%PDF-1.4 second version"},
        {"filename": "other.pdf"},
        {"subject": "Another subject"},
        {"sender": "erin@acme.test"},
        {"date": "Mon, 23 Nov 2026 10:00:00 +0100"},
    ],
)
def test_the_digest_changes_with_what_the_message_says(change: dict[str, Any]) -> None:
    assert digest(mail_with_file(**change)) != digest(mail_with_file())


def test_a_copy_fetched_again_through_another_relay_is_one_message(bob):
    first = receive(mail_with_file(cte="8bit"), source="imap")
    again = receive(TRACE + mail_with_file(cte="quoted-printable"), source="smtp")
    assert again.duplicate
    assert again.mail.pk == first.mail.pk
    assert InboundMail.objects.count() == Ticket.objects.count() == 1


def test_another_message_under_a_known_message_id_is_kept_with_a_warning(bob, caplog):
    first = receive(plain(message_id="<same@acme.test>", body="The sync fails."), source="imap")
    with caplog.at_level(logging.WARNING, logger="sustain.mail.services"):
        second = receive(
            plain(message_id="<same@acme.test>", body="And now the export fails too."),
            source="imap",
        )
    assert not second.duplicate
    mail = second.mail
    assert mail.pk != first.mail.pk
    assert mail.state == InboundMail.State.TICKET
    assert mail.ticket_id != first.mail.ticket_id
    assert message_of(mail).body == "And now the export fails too."
    warning = (
        "Message-ID <same@acme.test> was used before by a different message "
        f"(inbound #{first.mail.pk})"
    )
    assert mail.warnings == [f"{warning}; this one is kept as a message of its own."]
    assert "<same@acme.test> reused by a different message from bob@acme.test" in caplog.text
    # The agent sees it on the ticket, and the raw message (its headers) beside it.
    logged = Activity.objects.get(ticket=mail.ticket, field="email_warning")
    assert warning in logged.new_value
    assert [a.filename for a in message_of(mail).attachments.all()] == ["original-message.eml"]
    # The first message is untouched.
    first.mail.refresh_from_db()
    assert (first.mail.warnings, first.mail.state) == ([], InboundMail.State.TICKET)


def test_the_same_message_with_another_attachment_is_kept(bob):
    first = receive(mail_with_file(), source="imap")
    second = receive(mail_with_file(content=b"%PDF-1.4 corrected version"), source="imap")
    assert not second.duplicate
    assert second.mail.ticket_id != first.mail.ticket_id
    stored = {a.filename: a for a in message_of(second.mail).attachments.all()}
    assert set(stored) == {"log.pdf", "original-message.eml"}
    assert stored["log.pdf"].file.read() == b"%PDF-1.4 corrected version"
    # Each copy of either arrives as a duplicate of its own message.
    assert receive(TRACE + mail_with_file(), source="imap").mail.pk == first.mail.pk
    again = receive(TRACE + mail_with_file(content=b"%PDF-1.4 corrected version"), source="imap")
    assert (again.duplicate, again.mail.pk) == (True, second.mail.pk)


def test_the_inbound_log_shows_the_reused_message_id(client, admin, bob):
    receive(plain(message_id="<same@acme.test>", body="First."), source="imap")
    receive(plain(message_id="<same@acme.test>", body="Second."), source="imap")
    client.force_login(admin)
    html = client.get("/mail/").content.decode()
    assert "Message-ID &lt;same@acme.test&gt; was used before by a different message" in html


def test_a_message_stored_before_digests_were_kept_is_compared_by_its_raw_copy(bob):
    old = receive(plain(message_id="<old@acme.test>", body="Stored long ago."), source="imap")
    InboundMail.objects.filter(pk=old.mail.pk).update(content_digest="")
    again = receive(
        TRACE + plain(message_id="<old@acme.test>", body="Stored long ago."), source="imap"
    )
    assert (again.duplicate, again.mail.pk) == (True, old.mail.pk)
    old.mail.refresh_from_db()
    assert old.mail.content_digest == digest(
        plain(message_id="<old@acme.test>", body="Stored long ago.")
    )
    other = receive(plain(message_id="<old@acme.test>", body="Something new."), source="imap")
    assert not other.duplicate


def test_a_stored_message_whose_raw_copy_is_gone_swallows_nothing(bob):
    old = receive(plain(message_id="<gone@acme.test>", body="Stored long ago."), source="imap")
    InboundMail.objects.filter(pk=old.mail.pk).update(content_digest="")
    old.mail.raw.delete(save=False)
    again = receive(
        TRACE + plain(message_id="<gone@acme.test>", body="Stored long ago."), source="imap"
    )
    assert not again.duplicate
    assert "was used before by a different message" in again.mail.warnings[0]


def test_a_reply_to_a_reused_message_id_joins_the_ticket_of_its_sender(bob, bob_colleague, carol):
    bobs = receive(plain(message_id="<x@gw.test>", body="Bob's problem."), source="imap")
    erins = receive(
        plain(sender="erin@acme.test", message_id="<x@gw.test>", body="Erin's problem."),
        source="imap",
    )
    carols = receive(
        plain(sender="carol@globex.test", message_id="<x@gw.test>", body="Carol's."), source="imap"
    )
    assert len({bobs.mail.ticket_id, erins.mail.ticket_id, carols.mail.ticket_id}) == 3
    headers = {"In-Reply-To": "<x@gw.test>", "References": "<x@gw.test>"}
    for sender, original in [("bob@acme.test", bobs), ("erin@acme.test", erins)]:
        reply = receive(plain(sender=sender, subject="Re: it", headers=headers), source="imap").mail
        assert (reply.state, reply.ticket_id) == ("follow_up", original.mail.ticket_id)


def test_a_reply_to_a_reused_message_id_follows_its_other_references(bob):
    first = receive(plain(message_id="<x@gw.test>", body="First problem."), source="imap")
    second = receive(plain(message_id="<x@gw.test>", body="Second problem."), source="imap")
    # The reply also names Sustain's own mail of the first ticket.
    [sent] = OutboxMessage.objects.filter(
        idempotency_key__startswith=f"ticket:{first.mail.ticket_id}:"
    )
    headers = {"In-Reply-To": "<x@gw.test>", "References": f"{sent.message_id} <x@gw.test>"}
    reply = receive(plain(subject="Re: it", headers=headers), source="imap").mail
    assert reply.ticket_id == first.mail.ticket_id != second.mail.ticket_id


def test_releasing_a_held_message_keeps_its_reused_message_id_warning(settings, admin, bob):
    receive(plain(message_id="<held@acme.test>", body="First."), source="imap")
    settings.SUSTAIN_MAIL_SENDER_HOURLY_LIMIT = 1
    held = receive(plain(message_id="<held@acme.test>", body="Second."), source="imap").mail
    assert held.state == InboundMail.State.HELD
    released = release_held(actor=admin, mail_id=held.pk)
    assert released.state == InboundMail.State.TICKET
    assert any("was used before by a different message" in w for w in released.warnings)
