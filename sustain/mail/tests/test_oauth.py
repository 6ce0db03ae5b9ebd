"""OAuth2 for mailboxes against a real provider (``token_server``) and a real IMAP server
(Dovecot checking every token with the provider): tokens cached, refreshed before they
expire and after a refusal, rotated refresh tokens kept, a refused grant reported once."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from django.utils import timezone

from sustain.accounts.models import AuditEntry
from sustain.core.models import OutboxMessage
from sustain.mail import oauth
from sustain.mail.imap import poll, poll_all
from sustain.mail.models import Mailbox
from sustain.mail.secrets import seal, unseal
from sustain.mail.tests.dovecot import ImapServer
from sustain.mail.tests.factories import plain
from sustain.mail.tests.token_server import CLIENT_ID, CLIENT_SECRET, TokenServer
from sustain.tickets.models import Ticket

pytestmark = pytest.mark.django_db


# For the tests that never reach the IMAP server: nothing listens on port 9 (discard).
NO_SERVER = ImapServer("127.0.0.1", 9, "support@sustain.test", "")


def oauth_mailbox(provider: TokenServer, server: ImapServer, **fields: object) -> Mailbox:
    grant = provider.issue_grant(server.username)
    values: dict[str, object] = {
        "name": "support",
        "host": server.host,
        "port": server.port,
        "security": Mailbox.Security.NONE,
        "auth": Mailbox.Auth.XOAUTH2,
        "username": server.username,
        "oauth_token_url": provider.token_url,
        "oauth_client_id": CLIENT_ID,
        "oauth_client_secret": seal(CLIENT_SECRET),
        "oauth_scope": "mail",
        "oauth_refresh_token": seal(grant.refresh_token),
    }
    values.update(fields)
    return Mailbox.objects.create(**values)


def an_hour_later(mailbox: Mailbox) -> None:
    """As if the cached access token had aged: Sustain's clock says it is due."""
    Mailbox.objects.filter(pk=mailbox.pk).update(oauth_expires_at=timezone.now())


def test_a_pasted_refresh_token_signs_in_and_the_access_token_is_cached(provider, oauth_imap, acme):
    oauth_imap.append(plain(sender="dana@acme.test", subject="over oauth"))
    mailbox = oauth_mailbox(provider, oauth_imap)
    assert poll(mailbox).fetched == 1
    assert list(Ticket.objects.values_list("title", flat=True)) == ["over oauth"]
    mailbox.refresh_from_db()
    assert mailbox.oauth_state == "connected"
    assert mailbox.oauth_expires_at is not None
    token = unseal(mailbox.oauth_access_token)
    assert provider.active(token) is not None
    assert token not in mailbox.oauth_access_token  # sealed at rest
    # The next polls use the cached token: no second trip to the token endpoint.
    poll(mailbox)
    poll(mailbox)
    assert provider.refreshes == 1
    assert [active for _, active in provider.introspections] == [True, True, True]


def test_a_token_is_refreshed_before_it_expires(provider, oauth_imap, acme):
    provider.expires_in = 2  # refreshed after half its life, while still valid
    mailbox = oauth_mailbox(provider, oauth_imap)
    poll(mailbox)
    poll(mailbox)
    assert provider.refreshes == 1
    time.sleep(1.2)
    poll(mailbox)
    assert provider.refreshes == 2
    assert provider.refreshed_while_valid == [False, True]
    # Dovecot was never shown a token the provider no longer took.
    assert all(active for _, active in provider.introspections)


def test_a_token_the_server_refuses_is_refreshed_once_and_the_poll_goes_on(
    provider, oauth_imap, acme
):
    mailbox = oauth_mailbox(provider, oauth_imap)
    poll(mailbox)
    provider.revoke_access_tokens()  # dead before its time; the refresh token still works
    oauth_imap.append(plain(sender="dana@acme.test"))
    assert poll(mailbox).fetched == 1
    assert provider.refreshes == 2
    assert [active for _, active in provider.introspections] == [True, False, True]
    mailbox.refresh_from_db()
    assert mailbox.last_error == ""


def test_a_rotated_refresh_token_is_stored_sealed_and_used_next(provider, oauth_imap, acme):
    provider.rotate = True
    mailbox = oauth_mailbox(provider, oauth_imap)
    first = unseal(mailbox.oauth_refresh_token)
    poll(mailbox)
    mailbox.refresh_from_db()
    rotated = unseal(mailbox.oauth_refresh_token)
    assert rotated != first
    assert rotated == provider.current_refresh_token(oauth_imap.username)
    assert rotated not in mailbox.oauth_refresh_token
    an_hour_later(mailbox)
    poll(mailbox)  # the old refresh token would be refused now; the rotated one works
    mailbox.refresh_from_db()
    assert mailbox.oauth_state == "connected"
    assert provider.refreshes == 2


def test_a_revoked_grant_is_reported_once_and_polling_stops(provider, oauth_imap, admin, acme):
    mailbox = oauth_mailbox(provider, oauth_imap)
    poll(mailbox)
    provider.revoke_grants()
    with pytest.raises(oauth.GrantRefused, match="invalid_grant"):
        poll(mailbox)
    mailbox.refresh_from_db()
    assert mailbox.oauth_state == "refused"
    assert "connect the mailbox again" in mailbox.oauth_error
    assert "The refresh token was revoked." in mailbox.oauth_error
    assert mailbox.oauth_access_token == ""
    requests = provider.token_requests
    for _ in range(3):
        assert poll_all() == 0
    with pytest.raises(oauth.GrantRefused):
        poll(mailbox)  # "poll now" says why without asking the provider again
    assert provider.token_requests == requests
    [mail] = OutboxMessage.objects.filter(kind="email")
    assert mail.payload["to"] == [admin.email]
    assert mail.payload["subject"] == "Mailbox support: sign-in refused, action needed"
    assert "invalid_grant" in mail.payload["body"]
    assert f"/mail/mailboxes/{mailbox.pk}" in mail.payload["body"]
    [entry] = AuditEntry.objects.filter(action="mailbox.grant_refused")
    assert entry.actor is None
    assert entry.changes == {"oauth_error": "invalid_grant"}


def test_a_refused_client_secret_is_reported_as_such(provider, admin):
    mailbox = oauth_mailbox(provider, NO_SERVER, oauth_client_secret=seal("expired secret"))
    with pytest.raises(oauth.GrantRefused, match="client id or secret"):
        poll(mailbox)
    mailbox.refresh_from_db()
    assert mailbox.oauth_error.startswith("The provider refused the client id or secret")
    assert OutboxMessage.objects.filter(kind="email").count() == 1


def test_an_unreachable_token_endpoint_is_an_error_retried_at_the_next_poll(provider, admin):
    mailbox = oauth_mailbox(provider, NO_SERVER, oauth_token_url="http://127.0.0.1:9/token")
    with pytest.raises(oauth.OAuthFailure) as caught:
        poll(mailbox)
    assert not isinstance(caught.value, oauth.GrantRefused)
    mailbox.refresh_from_db()
    assert "token endpoint" in mailbox.last_error
    assert mailbox.oauth_state == "connected"  # not refused: the next poll tries again
    assert mailbox.oauth_refreshing_until is None  # the lease was given back
    assert not OutboxMessage.objects.exists()


def test_an_access_token_without_a_refresh_token_serves_until_refused(provider, oauth_imap, acme):
    """As an OAuth2 mailbox of before refresh tokens has it: a pasted access token only."""
    grant = provider.issue_grant(oauth_imap.username)
    token = provider.token(
        {
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
            "grant_type": "refresh_token",
            "refresh_token": grant.refresh_token,
        }
    )
    access = token[1]["access_token"]
    mailbox = oauth_mailbox(
        provider, oauth_imap, oauth_refresh_token="", oauth_access_token=seal(access)
    )
    assert poll(mailbox).fetched == 0
    provider.revoke_access_tokens()
    with pytest.raises(oauth.OAuthFailure, match="no OAuth2 refresh token"):
        poll(mailbox)
    mailbox.refresh_from_db()
    assert mailbox.oauth_state == "not_connected"  # the refused token is forgotten
    assert poll_all() == 0


@pytest.mark.parametrize(
    ("answer", "said"),
    [
        ((503, {"error": "temporarily_unavailable"}), "503"),
        ((400, {"error": "temporarily_unavailable"}), "temporarily_unavailable"),
        ((200, {"token_type": "Bearer"}), "without an access token"),
    ],
)
def test_an_outage_or_a_broken_answer_is_retried_not_reported(provider, admin, answer, said):
    mailbox = oauth_mailbox(provider, NO_SERVER)
    provider.failure = answer
    with pytest.raises(oauth.OAuthFailure, match=said) as caught:
        oauth.access_token(mailbox)
    assert not isinstance(caught.value, oauth.GrantRefused)
    mailbox.refresh_from_db()
    assert mailbox.oauth_state == "connected"
    assert mailbox.oauth_refreshing_until is None
    provider.failure = None
    assert provider.active(oauth.access_token(mailbox)) is not None  # the next attempt works
    assert not OutboxMessage.objects.exists()


def test_a_mailbox_never_connected_is_not_polled(provider):
    oauth_mailbox(provider, NO_SERVER, oauth_refresh_token="")
    assert poll_all() == 0
    assert provider.token_requests == 0


# Concurrent writers: the PostgreSQL pass only. The SQLite pass's in-memory test database
# shares one cache between threads, whose table locks fail at once ("database table is
# locked") instead of waiting as the file database of a real install does.
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_needing_a_token_at_once_spend_the_refresh_token_once(provider):
    provider.rotate = True  # a second use of the old refresh token would be refused
    mailbox = oauth_mailbox(provider, NO_SERVER)
    tokens: list[str] = []
    errors: list[BaseException] = []

    def worker() -> None:
        from django.db import connection

        try:
            tokens.append(oauth.access_token(mailbox))
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert provider.refreshes == 1
    assert len(set(tokens)) == 1
    assert provider.active(tokens[0]) is not None


def test_the_refresh_margin_is_five_minutes_or_half_the_life(db):
    now = timezone.now()
    hour = Mailbox(oauth_refreshed_at=now, oauth_expires_at=now + timedelta(hours=1))
    assert not oauth.refresh_due(hour, now + timedelta(minutes=54))
    assert oauth.refresh_due(hour, now + timedelta(minutes=55))
    short = Mailbox(oauth_refreshed_at=now, oauth_expires_at=now + timedelta(minutes=2))
    assert not oauth.refresh_due(short, now + timedelta(seconds=59))
    assert oauth.refresh_due(short, now + timedelta(seconds=60))
    assert not oauth.refresh_due(Mailbox(oauth_expires_at=None), now)
