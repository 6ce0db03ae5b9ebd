"""A real SMTP and LMTP exchange with the listener (aiosmtpd), through smtplib."""

from __future__ import annotations

import smtplib
import socket
from collections.abc import Iterator
from typing import Any

import pytest

from sustain.mail.listener import make_controller
from sustain.mail.models import InboundMail
from sustain.mail.tests.factories import plain
from sustain.tickets.models import Ticket

pytestmark = pytest.mark.django_db(transaction=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture(params=[False, True], ids=["smtp", "lmtp"])
def listener(request: Any) -> Iterator[tuple[int, bool]]:
    port = free_port()
    controller = make_controller(host="127.0.0.1", port=port, lmtp=request.param)
    controller.start()
    yield port, request.param
    controller.stop()


def client(port: int, lmtp: bool) -> smtplib.SMTP:
    return smtplib.LMTP("127.0.0.1", port) if lmtp else smtplib.SMTP("127.0.0.1", port)


def test_a_delivered_message_opens_a_ticket(listener, acme):
    port, lmtp = listener
    raw = plain(sender="dana@acme.test", message_id="<smtp@acme.test>")
    with client(port, lmtp) as smtp:
        refused = smtp.sendmail("dana@acme.test", ["support@sustain.test"], raw)
    assert refused == {}
    mail = InboundMail.objects.get()
    assert mail.source == "smtp"
    assert mail.raw.read() == raw
    assert Ticket.objects.get().requester.email == "dana@acme.test"


def test_a_message_over_the_limit_is_refused_permanently(settings, acme):
    settings.SUSTAIN_MAIL_MAX_BYTES = 2048
    port = free_port()
    controller = make_controller(host="127.0.0.1", port=port)
    controller.start()
    try:
        with (
            smtplib.SMTP("127.0.0.1", port) as smtp,
            pytest.raises(smtplib.SMTPResponseException) as refused,
        ):
            smtp.sendmail("dana@acme.test", ["support@sustain.test"], plain(body="x" * 5000))
    finally:
        controller.stop()
    assert refused.value.smtp_code == 552
    assert InboundMail.objects.count() == 0
