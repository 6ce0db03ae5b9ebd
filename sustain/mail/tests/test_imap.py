"""Polling a real IMAP server (Dovecot): fetch, commit, then move or flag; never twice."""

from __future__ import annotations

import imaplib
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from sustain.mail.imap import poll, poll_all, xoauth2_string
from sustain.mail.models import InboundMail, Mailbox
from sustain.mail.secrets import seal, unseal
from sustain.mail.services import receive
from sustain.mail.tests.dovecot import ImapServer, dovecot
from sustain.mail.tests.factories import plain
from sustain.tickets.models import Ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def imap_server() -> Iterator[ImapServer]:
    # Not tmp_path: Dovecot's mail processes run as another user and must reach the folder.
    root = Path(tempfile.mkdtemp(prefix="sustain-dovecot-"))
    try:
        with dovecot(root) as server:
            yield server
    finally:
        shutil.rmtree(root, ignore_errors=True)


def mailbox_for(server: ImapServer, **fields: object) -> Mailbox:
    values: dict[str, object] = {
        "name": "support",
        "host": server.host,
        "port": server.port,
        "security": Mailbox.Security.NONE,
        "username": server.username,
        "secret": seal(server.password),
    }
    values.update(fields)
    return Mailbox.objects.create(**values)


def test_polling_opens_tickets_and_moves_the_messages(imap_server, acme):
    imap_server.append(plain(sender="dana@acme.test", subject="first", message_id="<p1@acme>"))
    imap_server.append(plain(sender="dana@acme.test", subject="second", message_id="<p2@acme>"))
    mailbox = mailbox_for(imap_server)
    result = poll(mailbox)
    assert result.fetched == 2
    assert sorted(Ticket.objects.values_list("title", flat=True)) == ["first", "second"]
    assert imap_server.count("INBOX") == 0
    assert imap_server.count("Processed") == 2
    mailbox.refresh_from_db()
    assert mailbox.last_polled_at is not None
    assert mailbox.last_error == ""
    assert poll(mailbox).fetched == 0


def test_a_message_fetched_again_after_a_crash_is_one_ticket(imap_server, acme):
    raw = plain(sender="dana@acme.test", message_id="<crash@acme>")
    receive(raw, source="imap")  # committed, then the worker died before moving it
    imap_server.append(raw)
    result = poll(mailbox_for(imap_server))
    assert result.duplicates == 1
    assert Ticket.objects.count() == 1
    assert InboundMail.objects.count() == 1
    assert imap_server.count("INBOX") == 0


def test_flag_mode_leaves_the_message_read_in_the_inbox(imap_server, acme):
    imap_server.append(plain(sender="dana@acme.test"))
    mailbox = mailbox_for(imap_server, after_fetch=Mailbox.AfterFetch.FLAG)
    assert poll(mailbox).fetched == 1
    assert imap_server.count("INBOX") == 1
    assert imap_server.count("INBOX", "UNSEEN") == 0
    assert poll(mailbox).fetched == 0


def test_an_oversized_message_is_flagged_and_left(imap_server, settings, acme):
    settings.SUSTAIN_MAIL_MAX_BYTES = 2048
    imap_server.append(plain(sender="dana@acme.test", body="x" * 5000))
    result = poll(mailbox_for(imap_server))
    assert result.refused == 1
    assert imap_server.count("INBOX", "SEEN") == 1
    assert InboundMail.objects.count() == 0


def test_a_wrong_password_is_recorded_and_other_mailboxes_still_polled(imap_server, acme):
    mailbox_for(imap_server, name="broken", secret=seal("wrong"))
    mailbox_for(imap_server, name="working")
    imap_server.append(plain(sender="dana@acme.test"))
    assert poll_all() == 1
    broken = Mailbox.objects.get(name="broken")
    assert "AUTHENTICATIONFAILED" in broken.last_error or "failed" in broken.last_error.lower()
    with pytest.raises(imaplib.IMAP4.error):
        poll(broken)


def test_xoauth2_initial_response():
    assert xoauth2_string("me@x.test", "tok") == b"user=me@x.test\x01auth=Bearer tok\x01\x01"


def test_mailbox_secrets_are_sealed_and_a_changed_key_says_so(settings):
    sealed = seal("hunter2")
    assert "hunter2" not in sealed
    assert unseal(sealed) == "hunter2"
    settings.SECRET_KEY = "another key entirely, long enough for the tests"
    with pytest.raises(ValueError, match="SECRET_KEY changed"):
        unseal(sealed)
