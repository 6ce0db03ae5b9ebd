"""POST /api/v1/mail/inbound: a raw message in, safe to retry, clear refusals."""

from __future__ import annotations

import os

import pytest
from django.conf import settings as django_settings

from sustain.core.models import OutboxMessage
from sustain.core.testing import V1, assert_problem, send
from sustain.mail.models import InboundMail, Mailbox
from sustain.mail.services import receive
from sustain.mail.tests.factories import plain, with_attachment
from sustain.tickets.models import Attachment

URL = f"{V1}/mail/inbound"


def post(client, raw: bytes, content_type: str = "message/rfc822"):
    return client.generic("POST", URL, raw, content_type)


def test_an_mta_delivers_a_message_and_may_retry(api_client, admin, acme):
    client = api_client(admin)
    raw = plain(message_id="<api@acme.test>")
    created = post(client, raw)
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["state"] == "ticket"
    assert body["ticket"].startswith("SUS-")
    again = post(client, raw)
    assert again.status_code == 200
    assert again.json()["id"] == body["id"]


def test_only_administrators_tokens_may_deliver(api_client, alice, bob):
    assert_problem(post(api_client(alice), plain()), 403)
    assert_problem(post(api_client(bob), plain()), 403)
    assert post(api_client(None), plain()).status_code == 401


@pytest.mark.parametrize(
    ("raw", "content_type", "status"),
    [
        (b"From: a@b.test\r\n\r\nhi", "application/json", 422),
        (b"   ", "message/rfc822", 422),
    ],
)
def test_wrong_content_type_or_empty_body_is_refused(api_client, admin, raw, content_type, status):
    problem = assert_problem(post(api_client(admin), raw, content_type), status)
    assert problem["detail"]


def test_an_oversized_message_is_413(api_client, admin, settings, db):
    settings.SUSTAIN_MAIL_MAX_BYTES = 2048
    problem = assert_problem(post(api_client(admin), plain(body="x" * 5000)), 413)
    assert "limit is 2048 bytes" in problem["detail"]
    assert problem["errors"] == {"message": ["larger than 2048 bytes"]}
    assert not InboundMail.objects.exists()


def test_a_message_larger_than_the_form_limit_is_taken_up_to_the_mail_limit(
    api_client, admin, acme
):
    # Django reads at most DATA_UPLOAD_MAX_MEMORY_SIZE (5 MiB) as a form or JSON body; the
    # raw upload is read in chunks up to SUSTAIN_MAIL_MAX_BYTES (30 MiB) instead.
    log = os.urandom(6 * 1024 * 1024)
    raw = with_attachment("trace.bin", log)
    assert django_settings.DATA_UPLOAD_MAX_MEMORY_SIZE < len(raw) < 30 * 1024 * 1024

    created = post(api_client(admin), raw)

    assert created.status_code == 201, created.content[:500]
    [attachment] = Attachment.objects.filter(filename="trace.bin")
    assert attachment.size == len(log)


def test_a_declared_length_over_the_mail_limit_is_413_before_the_body_is_read(
    api_client, admin, db
):
    declared = django_settings.SUSTAIN_MAIL_MAX_BYTES + 1
    client = api_client(admin)

    # The test client's body refuses to be read past its few real bytes, so a read of the
    # declared 30 MiB would fail the test rather than answer.
    response = client.generic("POST", URL, plain(), "message/rfc822", CONTENT_LENGTH=str(declared))

    problem = assert_problem(response, 413)
    assert problem["detail"] == (
        f"The message is {declared} bytes; the limit is {declared - 1} bytes."
    )
    assert not InboundMail.objects.exists()
    assert not OutboxMessage.objects.exists()


MAILBOX = {
    "name": "support",
    "host": "imap.acme.test",
    "port": 993,
    "username": "support@acme.test",
    "secret": "hunter2",
}


def test_admins_manage_mailboxes_and_the_secret_never_comes_back(api_client, admin):
    client = api_client(admin)
    created = send(client, "POST", "/mail/mailboxes", MAILBOX)
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["has_secret"] is True
    assert "secret" not in body
    assert "hunter2" not in created.content.decode()
    assert Mailbox.objects.get().secret != "hunter2"
    changed = send(client, "PATCH", f"/mail/mailboxes/{body['id']}", {"folder": "Support"})
    assert changed.json()["folder"] == "Support"
    assert [m["name"] for m in send(client, "GET", "/mail/mailboxes").json()] == ["support"]
    assert send(client, "DELETE", f"/mail/mailboxes/{body['id']}").status_code == 204


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"port": 0}, "port"),
        ({"security": "telnet"}, "security"),
        ({"host": "  "}, "host"),
        ({"after_fetch": "move", "processed_folder": ""}, "processed_folder"),
    ],
)
def test_invalid_mailbox_settings_are_refused_by_field(api_client, admin, change, field):
    problem = assert_problem(
        send(api_client(admin), "POST", "/mail/mailboxes", MAILBOX | change), 422
    )
    assert field in problem["errors"]
    assert not Mailbox.objects.exists()


def test_a_duplicate_mailbox_name_is_a_conflict(api_client, admin):
    client = api_client(admin)
    send(client, "POST", "/mail/mailboxes", MAILBOX)
    assert_problem(send(client, "POST", "/mail/mailboxes", MAILBOX), 409)


def test_an_unreachable_mailbox_answers_502_and_records_the_error(api_client, admin):
    client = api_client(admin)
    created = send(client, "POST", "/mail/mailboxes", MAILBOX | {"host": "127.0.0.1", "port": 9})
    problem = assert_problem(
        send(client, "POST", f"/mail/mailboxes/{created.json()['id']}/poll"), 502
    )
    assert problem["detail"].startswith("support:")
    assert Mailbox.objects.get().last_error


def test_held_mail_is_listed_and_can_be_released(api_client, admin, settings, acme):
    settings.SUSTAIN_MAIL_SENDER_HOURLY_LIMIT = 1
    receive(plain(subject="one"), source="api")
    held = receive(plain(subject="two"), source="api").mail
    client = api_client(admin)
    listed = send(client, "GET", "/mail/inbound?state=held").json()["items"]
    assert [item["subject"] for item in listed] == ["two"]
    released = send(client, "POST", f"/mail/inbound/{held.pk}/release")
    assert released.status_code == 200, released.content
    assert released.json()["state"] == "ticket"
    assert_problem(send(client, "POST", f"/mail/inbound/{held.pk}/release"), 409)
    assert_problem(send(client, "GET", "/mail/inbound?state=lost"), 422)
