"""Outbound mail signed in with OAuth2: Django's SMTP backend, authenticating with XOAUTH2 as
the account of a Sustain mailbox, whose grant keeps the access token fresh.

Settings choose it when ``EMAIL_OAUTH2_MAILBOX`` names a mailbox (``settings.py``): the outbox
(``core/outbox.py``) sends through the default mailer and never knows how it signs in.
"""

from __future__ import annotations

import smtplib
from collections.abc import Callable
from typing import Any

from django.core.mail.backends import smtp

from sustain.mail import oauth
from sustain.mail.imap import xoauth2_string
from sustain.mail.models import Mailbox


class OAuth2EmailBackend(smtp.EmailBackend):
    def __init__(self, *, mailbox: str, **options: Any) -> None:
        options.pop("password", None)  # the mailbox's grant is the credential
        super().__init__(**options)
        self.mailbox_name = mailbox

    def open(self) -> bool | None:
        opened: bool | None = super().open()  # connects and runs STARTTLS; no password, no login
        if not opened or self.connection is None:
            return opened
        try:
            self._sign_in(self.connection)
        except BaseException:
            self.close()
            raise
        return True

    def _sign_in(self, connection: smtplib.SMTP) -> None:
        mailbox = Mailbox.objects.filter(name=self.mailbox_name).first()
        if mailbox is None or mailbox.auth != Mailbox.Auth.XOAUTH2:
            raise smtplib.SMTPException(
                f"EMAIL_OAUTH2_MAILBOX names {self.mailbox_name!r}, which is not a mailbox "
                "that signs in with OAuth2."
            )
        connection.ehlo_or_helo_if_needed()
        offered = str(connection.esmtp_features.get("auth", "")).upper().split()
        if "XOAUTH2" not in offered:
            raise smtplib.SMTPException(
                f"{self.host} does not offer AUTH XOAUTH2 (it offers: {
                    ' '.join(offered) or 'nothing'
                }); Microsoft 365 and Google offer it after STARTTLS (EMAIL_USE_TLS)."
            )
        token = oauth.access_token(mailbox)
        try:
            connection.auth("XOAUTH2", _responder(mailbox.username, token))
        except smtplib.SMTPAuthenticationError:
            # Revoked or expired early: one fresh token, once; SMTP allows a second AUTH.
            fresh = oauth.access_token(mailbox, rejected=token)
            connection.auth("XOAUTH2", _responder(mailbox.username, fresh))


def _responder(username: str, access_token: str) -> Callable[..., str]:
    """The initial response; to the error challenge of a refused token, the empty answer."""

    def respond(challenge: bytes | None = None) -> str:
        return xoauth2_string(username, access_token).decode() if challenge is None else ""

    return respond
