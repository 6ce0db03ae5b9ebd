"""The administrators' mail pages."""

from __future__ import annotations

import pytest

from sustain.mail.models import InboundMail, Mailbox
from sustain.mail.secrets import unseal
from sustain.mail.services import receive
from sustain.mail.tests.factories import plain

pytestmark = pytest.mark.django_db
FORM = {
    "name": "support",
    "host": "imap.acme.test",
    "port": "993",
    "security": "ssl",
    "auth": "password",
    "username": "support@acme.test",
    "secret": "hunter2",
    "folder": "INBOX",
    "after_fetch": "move",
    "processed_folder": "Processed",
    "is_active": "on",
}


def test_the_mail_page_lists_mailboxes_and_what_came_in(
    client, admin, acme, django_assert_max_num_queries
):
    for n in range(5):
        receive(plain(sender="dana@acme.test", subject=f"mail {n}"), source="api")
    Mailbox.objects.create(name="support", host="imap.acme.test", username="s")
    client.force_login(admin)
    with django_assert_max_num_queries(8):
        response = client.get("/mail/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "support" in html
    assert html.count('class="badge">Opened a ticket') == 5


def test_the_log_filters_by_state_and_answers_htmx_with_the_fragment(client, admin, acme, settings):
    settings.SUSTAIN_MAIL_SENDER_HOURLY_LIMIT = 1
    receive(plain(sender="dana@acme.test", subject="first"), source="api")
    receive(plain(sender="dana@acme.test", subject="second"), source="api")
    client.force_login(admin)
    response = client.get("/mail/", {"state": "held"}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="mail-log">')
    assert "second" in html
    assert "first" not in html


def test_an_admin_adds_a_mailbox_and_the_password_is_sealed(client, admin):
    client.force_login(admin)
    response = client.post("/mail/mailboxes/new", FORM)
    assert response.status_code == 302
    mailbox = Mailbox.objects.get()
    assert unseal(mailbox.secret) == "hunter2"
    # Editing without a password keeps the stored one.
    client.post(f"/mail/mailboxes/{mailbox.pk}", FORM | {"secret": "", "folder": "Support"})
    mailbox.refresh_from_db()
    assert mailbox.folder == "Support"
    assert unseal(mailbox.secret) == "hunter2"


def test_a_bad_mailbox_form_shows_the_errors_and_saves_nothing(client, admin):
    client.force_login(admin)
    response = client.post("/mail/mailboxes/new", FORM | {"port": "0", "secret": ""})
    assert response.status_code == 422
    assert b"field-error" in response.content
    assert not Mailbox.objects.exists()


def test_a_held_message_is_released_from_the_page(client, admin, acme, settings):
    settings.SUSTAIN_MAIL_SENDER_HOURLY_LIMIT = 1
    receive(plain(sender="dana@acme.test", subject="first"), source="api")
    held = receive(plain(sender="dana@acme.test", subject="second"), source="api").mail
    client.force_login(admin)
    client.post(f"/mail/inbound/{held.pk}/release")
    held.refresh_from_db()
    assert held.state == InboundMail.State.TICKET


def test_only_administrators_open_the_mail_pages(client, lead, alice, bob):
    client.force_login(lead)
    assert client.get("/mail/").status_code == 403
    client.force_login(alice)
    assert client.get("/mail/").status_code == 403
    client.force_login(bob)
    assert client.get("/mail/")["Location"] == "/portal/"


def test_a_mailbox_that_does_not_exist_is_the_404_page(client, admin):
    client.force_login(admin)
    assert client.get("/mail/mailboxes/999999").status_code == 404
    assert client.post("/mail/mailboxes/999999/delete").status_code == 404
