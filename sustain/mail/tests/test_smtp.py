"""Outbound mail signed in with XOAUTH2: the outbox sends through a real SMTP server (aiosmtpd)
that accepts a token only when the test provider's introspection says it is good."""

from __future__ import annotations

import base64
import email
import json
import subprocess
import sys
from collections.abc import Iterator
from email import policy
from typing import Any

import httpx2
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, Session
from asgiref.sync import sync_to_async
from django.conf import settings as django_settings
from django.db import transaction

from sustain.core import outbox
from sustain.core.models import OutboxMessage
from sustain.core.testing import production_environment
from sustain.mail.models import Mailbox
from sustain.mail.secrets import seal
from sustain.mail.tests.test_listener import free_port
from sustain.mail.tests.token_server import CLIENT_ID, CLIENT_SECRET, TokenServer

pytestmark = pytest.mark.django_db(transaction=True)
USER = "support@sustain.test"


class XOAuth2Server:
    """Takes AUTH XOAUTH2 as Microsoft 365 and Google do: the token is checked with the
    provider; a refused one gets the JSON error challenge, then 535."""

    def __init__(self, provider: TokenServer) -> None:
        self.provider = provider
        self.signed_in: list[tuple[str, bool]] = []
        self.messages: list[email.message.Message] = []

    async def auth_XOAUTH2(self, server: SMTP, args: list[str]) -> AuthResult:
        blob = base64.b64decode(args[1]) if len(args) == 2 else await server.challenge_auth("")
        assert isinstance(blob, bytes)
        fields = dict(part.split("=", 1) for part in blob.decode().split("\x01") if part)
        user, token = fields.get("user", ""), fields.get("auth", "").removeprefix("Bearer ")
        answer = await sync_to_async(self._introspect, thread_sensitive=False)(token)
        good = answer.get("active") is True and answer.get("username") == user
        self.signed_in.append((user, good))
        if good:
            return AuthResult(success=True, auth_data=user)
        await server.challenge_auth('{"status":"401","schemes":"Bearer","scope":"mail"}')
        return AuthResult(success=False, handled=False, message="535 5.7.8 Token not accepted")

    def _introspect(self, token: str) -> dict[str, Any]:
        answer: dict[str, Any] = httpx2.post(
            self.provider.introspection_url, data={"token": token}, timeout=10
        ).json()
        return answer

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        if not session.authenticated:
            return "530 5.7.0 Authentication required"
        self.messages.append(
            email.message_from_bytes(envelope.original_content or b"", policy=policy.default)
        )
        return "250 OK"


@pytest.fixture
def smtp_server(provider: TokenServer, settings: Any) -> Iterator[XOAuth2Server]:
    handler = XOAuth2Server(provider)
    port = free_port()
    controller = Controller(
        handler, hostname="127.0.0.1", port=port, auth_require_tls=False, decode_data=False
    )
    controller.start()
    settings.MAILERS = {
        "default": {
            "BACKEND": "sustain.mail.smtp.OAuth2EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": port, "timeout": 10, "mailbox": "outbound"},
        }
    }
    yield handler
    controller.stop()


def outbound_mailbox(provider: TokenServer, **fields: object) -> Mailbox:
    grant = provider.issue_grant(USER)
    values: dict[str, object] = {
        "name": "outbound",
        "host": "127.0.0.1",
        "port": 9,
        "auth": Mailbox.Auth.XOAUTH2,
        "username": USER,
        "is_active": False,  # here only for its grant: sending, not polling
        "oauth_token_url": provider.token_url,
        "oauth_client_id": CLIENT_ID,
        "oauth_client_secret": seal(CLIENT_SECRET),
        "oauth_refresh_token": seal(grant.refresh_token),
    }
    values.update(fields)
    return Mailbox.objects.create(**values)


def send(key: str) -> OutboxMessage:
    with transaction.atomic():
        message = outbox.record_email(key=key, to=["bob@acme.test"], subject=key, body="Hello.")
    outbox.deliver_due()
    message.refresh_from_db()
    return message


def test_outbound_mail_signs_in_with_the_mailboxes_token(provider, smtp_server):
    outbound_mailbox(provider)
    first = send("first")
    second = send("second")
    assert (first.state, second.state) == ("sent", "sent")
    assert [m["Subject"] for m in smtp_server.messages] == ["first", "second"]
    assert smtp_server.signed_in == [(USER, True), (USER, True)]
    assert provider.refreshes == 1  # the second message used the cached token


def test_a_token_the_smtp_server_refuses_is_refreshed_once(provider, smtp_server):
    outbound_mailbox(provider)
    send("first")
    provider.revoke_access_tokens()
    message = send("after the refusal")
    assert message.state == "sent"
    assert smtp_server.signed_in == [(USER, True), (USER, False), (USER, True)]
    assert provider.refreshes == 2


def test_a_revoked_grant_fails_the_delivery_and_is_reported_once(provider, smtp_server, admin):
    outbound_mailbox(provider)
    send("first")
    provider.revoke_grants()
    message = send("after the revocation")
    assert message.state == "pending"  # retried later, with backoff, until it is dead
    assert "invalid_grant" in message.last_error
    mailbox = Mailbox.objects.get(name="outbound")
    assert mailbox.oauth_state == "refused"
    [report] = [
        row for row in OutboxMessage.objects.all() if "sign-in refused" in row.payload["subject"]
    ]
    assert report.payload["to"] == [admin.email]


def test_a_mailbox_that_is_not_oauth2_is_a_clear_error(provider, smtp_server):
    outbound_mailbox(provider, auth=Mailbox.Auth.PASSWORD, secret=seal("pw"))
    message = send("nope")
    assert "not a mailbox that signs in with OAuth2" in message.last_error


# --- settings ---------------------------------------------------------------------------------

MAILER = (
    "import json, django; from django.conf import settings; print(json.dumps(settings.MAILERS))"
)


def production_mailer(tmp_path: Any, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", MAILER],
        env=production_environment(tmp_path, EMAIL_HOST="smtp.office365.com", **env),
        cwd=django_settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.django_db(transaction=False)
def test_email_oauth2_mailbox_chooses_the_oauth2_backend(tmp_path):
    found = production_mailer(
        tmp_path, EMAIL_PORT="587", EMAIL_USE_TLS="true", EMAIL_OAUTH2_MAILBOX="Microsoft 365"
    )
    assert found.returncode == 0, found.stderr
    mailer = json.loads(found.stdout)["default"]
    assert mailer["BACKEND"] == "sustain.mail.smtp.OAuth2EmailBackend"
    assert mailer["OPTIONS"]["mailbox"] == "Microsoft 365"
    assert mailer["OPTIONS"]["use_tls"] is True


@pytest.mark.django_db(transaction=False)
def test_a_password_and_an_oauth2_mailbox_together_are_refused(tmp_path):
    found = production_mailer(tmp_path, EMAIL_HOST_PASSWORD="pw", EMAIL_OAUTH2_MAILBOX="m")
    assert found.returncode != 0
    assert "EMAIL_OAUTH2_MAILBOX and EMAIL_HOST_PASSWORD are both set; choose one." in found.stderr
