from __future__ import annotations

from typing import Literal

from django.db import models
from django.utils import timezone

from sustain.accounts.models import User
from sustain.tickets.models import Message, Ticket


def raw_mail_path(instance: InboundMail, filename: str) -> str:
    return f"mail/raw/{instance.sha256[:2]}/{instance.sha256}.eml"


class InboundMail(models.Model):
    """Every message that came in, kept raw for audit and reprocessing.

    A message is one row however often it arrives: the hash of its bytes is unique, and so is
    its Message-ID together with the digest of what it says (``mail.duplicates``). Mailers
    reuse Message-IDs, so two different messages may share one; a copy fetched again (other
    Received headers, the same content) is the same message.
    """

    class State(models.TextChoices):
        RECEIVED = "received", "Received"
        TICKET = "ticket", "Opened a ticket"
        FOLLOW_UP = "follow_up", "Added to a ticket"
        BOUNCE = "bounce", "Bounce"
        IGNORED = "ignored", "Ignored (automatic)"
        HELD = "held", "Held for review"

    class Source(models.TextChoices):
        API = "api", "API upload"
        IMAP = "imap", "IMAP mailbox"
        SMTP = "smtp", "SMTP/LMTP listener"

    sha256 = models.CharField(max_length=64, unique=True)
    message_id = models.CharField(max_length=255, blank=True, default="")
    raw = models.FileField(upload_to=raw_mail_path, max_length=200)
    size = models.PositiveIntegerField()
    source = models.CharField(max_length=10, choices=Source.choices)
    sender = models.CharField(max_length=254, blank=True, default="")
    subject = models.CharField(max_length=250, blank=True, default="")
    automatic = models.CharField(max_length=20, blank=True, default="")
    state = models.CharField(max_length=12, choices=State.choices, default=State.RECEIVED)
    ticket = models.ForeignKey(
        Ticket, null=True, blank=True, on_delete=models.SET_NULL, related_name="inbound_mails"
    )
    ticket_message = models.ForeignKey(
        Message, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    warnings = models.JSONField(default=list, blank=True)
    # The sanitised HTML version, with cid: images pointing at the stored attachments.
    html = models.TextField(blank=True, default="")
    received_at = models.DateTimeField(default=timezone.now)
    # What the message says (sender, subject, date, text, HTML, attachments), hashed:
    # sustain.mail.duplicates.content_digest. Empty on rows stored before it was kept.
    content_digest = models.CharField(max_length=64, blank=True, default="")

    class Meta:
        ordering = ["-received_at", "-id"]
        constraints = [
            # Also the index that finds a Message-ID (threading, duplicates).
            models.UniqueConstraint(
                fields=["message_id", "content_digest"],
                condition=~models.Q(message_id=""),
                name="inbound_mail_message_id_content",
            )
        ]
        indexes = [models.Index(fields=["sender", "received_at"], name="inbound_sender_idx")]

    def __str__(self) -> str:
        return f"{self.message_id or self.sha256[:12]} from {self.sender} ({self.state})"


class BouncingAddress(models.Model):
    """An address mail to which came back; staff see it on the contact and can clear it."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="bounce")
    count = models.PositiveIntegerField(default=1)
    last_bounce_at = models.DateTimeField(default=timezone.now)
    last_reason = models.TextField(blank=True, default="")

    def __str__(self) -> str:
        return f"{self.user_id} bounced {self.count}×"


OAuthState = Literal["", "not_connected", "connected", "refused"]


class Mailbox(models.Model):
    """An IMAP mailbox Sustain polls; messages are moved or flagged only after their ticket is
    committed, so a crash in between means a second fetch, which deduplication absorbs.

    A mailbox signs in with a password or with OAuth2 (``sustain.mail.oauth``): a refresh
    token obtained once by an administrator, from which short-lived access tokens are fetched
    as they are needed. The same grant can sign outbound mail in (``sustain.mail.smtp``).
    """

    class Security(models.TextChoices):
        SSL = "ssl", "IMAPS (TLS from the start)"
        STARTTLS = "starttls", "STARTTLS"
        NONE = "none", "None (local test servers only)"

    class Auth(models.TextChoices):
        PASSWORD = "password", "Password"
        XOAUTH2 = "xoauth2", "OAuth2 (Microsoft 365, Google)"

    class AfterFetch(models.TextChoices):
        MOVE = "move", "Move to the processed folder"
        FLAG = "flag", "Mark as read"
        DELETE = "delete", "Delete"

    name = models.CharField(max_length=100, unique=True)
    host = models.CharField(max_length=255)
    port = models.PositiveIntegerField(default=993)
    security = models.CharField(max_length=10, choices=Security.choices, default=Security.SSL)
    auth = models.CharField(max_length=10, choices=Auth.choices, default=Auth.PASSWORD)
    username = models.CharField(max_length=255)
    # Encrypted with sustain.mail.secrets, as are the OAuth2 client secret and tokens below.
    secret = models.TextField(blank=True, default="")
    folder = models.CharField(max_length=255, default="INBOX")
    after_fetch = models.CharField(
        max_length=10, choices=AfterFetch.choices, default=AfterFetch.MOVE
    )
    processed_folder = models.CharField(max_length=255, default="Processed")
    is_active = models.BooleanField(default=True)
    last_polled_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)

    # OAuth2: the provider's endpoints and the client registered there.
    oauth_token_url = models.URLField(max_length=500, blank=True, default="")
    oauth_authorize_url = models.URLField(max_length=500, blank=True, default="")
    oauth_client_id = models.CharField(max_length=255, blank=True, default="")
    oauth_client_secret = models.TextField(blank=True, default="")
    oauth_scope = models.CharField(max_length=500, blank=True, default="")
    # The grant: the refresh token, and the access token cached until shortly before it expires
    # (NULL expiry: the provider did not say; the token is used until a server refuses it).
    oauth_refresh_token = models.TextField(blank=True, default="")
    oauth_access_token = models.TextField(blank=True, default="")
    oauth_expires_at = models.DateTimeField(null=True, blank=True)
    oauth_refreshed_at = models.DateTimeField(null=True, blank=True)
    # A worker refreshing the token holds this lease, so that one refresh token is never sent
    # twice (a provider that rotates refresh tokens may revoke the grant when it is).
    oauth_refreshing_until = models.DateTimeField(null=True, blank=True)
    # Set when the provider refused the grant or the client (invalid_grant, invalid_client…):
    # the mailbox is not polled again until an administrator changes its OAuth2 settings.
    oauth_error = models.TextField(blank=True, default="")
    oauth_error_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.username}@{self.host})"

    @property
    def oauth_state(self) -> OAuthState:
        """``refused`` (an administrator must act), ``connected``, ``not_connected``; empty
        for a mailbox that signs in with a password."""
        if self.auth != self.Auth.XOAUTH2:
            return ""
        if self.oauth_error:
            return "refused"
        if self.oauth_refresh_token or self.oauth_access_token:
            return "connected"
        return "not_connected"
