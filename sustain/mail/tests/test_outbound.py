"""Outbound ticket mail, received by a real SMTP server (aiosmtpd) in the test."""

from __future__ import annotations

import email
import gzip
from collections.abc import Iterator
from email import policy
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import Envelope

from sustain.core.outbox import deliver_due
from sustain.core.uploads import Upload
from sustain.mail.parsing import parse
from sustain.mail.services import receive
from sustain.mail.tests.factories import plain
from sustain.mail.tests.test_listener import free_port
from sustain.tickets.services import add_message

pytestmark = pytest.mark.django_db(transaction=True)
GZIP = gzip.compress(b"sync trace\n" * 10, mtime=0)


class Collector:
    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Envelope) -> str:
        raw = envelope.original_content or b""
        message = email.message_from_bytes(raw, policy=policy.default)
        assert isinstance(message, EmailMessage)
        self.messages.append(message)
        return "250 OK"


def to_bob(collector: Collector, text: str) -> list[EmailMessage]:
    found = []
    for message in collector.messages:
        body = message.get_body(preferencelist=("plain",))
        if message["To"] == "bob@acme.test" and body is not None and text in body.get_content():
            found.append(message)
    return found


@pytest.fixture
def smtp_server(settings: Any, tmp_path: Any) -> Iterator[Collector]:
    collector = Collector()
    port = free_port()
    controller = Controller(collector, hostname="127.0.0.1", port=port)
    controller.start()
    settings.MEDIA_ROOT = tmp_path
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": port, "timeout": 10},
        }
    }
    settings.SUSTAIN_MAIL_REPLY_ADDRESS = "support@sustain.test"
    yield collector
    controller.stop()


def test_a_reply_mail_threads_carries_the_token_parts_and_files(
    smtp_server, alice, bob, bobs_ticket
):
    add_message(
        actor=alice,
        ref=bobs_ticket.pk,
        body="Please try the <patched> build.",
        attachments=[Upload("trace.gz", GZIP)],
    )
    deliver_due()  # in the tests the queue delivers on commit already; this catches the rest
    [mail] = to_bob(smtp_server, "patched")
    number = bobs_ticket.number
    assert mail["Subject"] == f"[{number}] {bobs_ticket.title}"
    assert mail["Message-ID"].startswith("<")
    assert mail["In-Reply-To"] == f"<ticket-{bobs_ticket.pk}@127.0.0.1>"
    assert mail["References"] == f"<ticket-{bobs_ticket.pk}@127.0.0.1>"
    assert mail["Reply-To"] == f"support+{number}@sustain.test"
    assert mail["Auto-Submitted"] == "auto-generated"
    text = mail.get_body(preferencelist=("plain",))
    html = mail.get_body(preferencelist=("html",))
    assert text is not None
    assert html is not None
    assert "Please try the <patched> build." in text.get_content()
    assert "Please try the &lt;patched&gt; build." in html.get_content()
    [attachment] = list(mail.iter_attachments())
    assert attachment.get_filename() == "trace.gz"
    assert attachment.get_content() == GZIP


def test_a_reply_to_sustains_mail_lands_on_the_ticket_by_its_message_id(
    smtp_server, alice, bob, bobs_ticket
):
    add_message(actor=alice, ref=bobs_ticket.pk, body="Which version do you run?")
    deliver_due()
    [sent] = to_bob(smtp_server, "Which version")
    # A client that keeps only In-Reply-To (no References, no token in the subject).
    answer = plain(subject="version", body="2.1.3", headers={"In-Reply-To": sent["Message-ID"]})
    mail = receive(answer, source="api").mail
    assert mail.ticket_id == bobs_ticket.pk
    assert parse(answer).in_reply_to == [sent["Message-ID"]]
