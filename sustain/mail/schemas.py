from __future__ import annotations

from datetime import datetime

from ninja import Field

from sustain.core.schemas import In, Out, omittable
from sustain.mail.models import InboundMail, Mailbox, OAuthState
from sustain.tickets.models import ticket_number


class InboundOut(Out):
    id: int
    message_id: str
    source: str
    sender: str
    subject: str
    state: str
    automatic: str
    ticket: str | None
    warnings: list[str]
    received_at: datetime

    @classmethod
    def of(cls, mail: InboundMail) -> InboundOut:
        return cls(
            id=mail.pk,
            message_id=mail.message_id,
            source=mail.source,
            sender=mail.sender,
            subject=mail.subject,
            state=mail.state,
            automatic=mail.automatic,
            ticket=ticket_number(mail.ticket_id) if mail.ticket_id else None,
            warnings=list(mail.warnings),
            received_at=mail.received_at,
        )


WRITE_ONLY = "Write-only: stored encrypted, never returned; omit or null to keep the stored one."


class MailboxIn(In):
    name: str = Field(max_length=100)
    host: str = Field(max_length=255)
    port: int = Field(993, ge=1, le=65535)
    security: str = "ssl"
    auth: str = Field("password", description="`password`, or `xoauth2` (OAuth2)")
    username: str = Field(max_length=255)
    secret: str | None = Field(None, description=f"The password (`auth` password). {WRITE_ONLY}")
    folder: str = Field("INBOX", max_length=255)
    after_fetch: str = "move"
    processed_folder: str = Field("Processed", max_length=255)
    is_active: bool = True
    oauth_token_url: str = Field("", max_length=500, description="The token endpoint (https)")
    oauth_authorize_url: str = Field(
        "", max_length=500, description="The authorization endpoint, to connect from the page"
    )
    oauth_client_id: str = Field("", max_length=255)
    oauth_client_secret: str | None = Field(
        None, description=f"Empty for a public client. {WRITE_ONLY}"
    )
    oauth_scope: str = Field("", max_length=500, description="Space-separated scopes")
    oauth_refresh_token: str | None = Field(
        None, description=f"A refresh token obtained elsewhere (a device-code flow). {WRITE_ONLY}"
    )


class MailboxPatch(In):
    name: str = omittable(max_length=100)
    host: str = omittable(max_length=255)
    port: int = omittable(ge=1, le=65535)
    security: str = omittable()
    auth: str = omittable()
    username: str = omittable(max_length=255)
    secret: str | None = Field(None, description=WRITE_ONLY)
    folder: str = omittable(max_length=255)
    after_fetch: str = omittable()
    processed_folder: str = omittable(max_length=255)
    is_active: bool = omittable()
    oauth_token_url: str = omittable(max_length=500)
    oauth_authorize_url: str = omittable(max_length=500)
    oauth_client_id: str = omittable(max_length=255)
    oauth_client_secret: str | None = Field(None, description=WRITE_ONLY)
    oauth_scope: str = omittable(max_length=500)
    oauth_refresh_token: str | None = Field(None, description=WRITE_ONLY)


class MailboxOut(Out):
    id: int
    name: str
    host: str
    port: int
    security: str
    auth: str
    username: str
    folder: str
    after_fetch: str
    processed_folder: str
    is_active: bool
    has_secret: bool
    last_polled_at: datetime | None
    last_error: str
    oauth_token_url: str
    oauth_authorize_url: str
    oauth_client_id: str
    oauth_scope: str
    has_oauth_client_secret: bool
    oauth_state: OAuthState = Field(
        description="`refused`: the provider refused the grant or the client (see "
        "`oauth_error`); the mailbox is not polled until an administrator changes its OAuth2 "
        "settings. Empty for password sign-in."
    )
    oauth_expires_at: datetime | None = Field(description="When the cached access token expires")
    oauth_refreshed_at: datetime | None
    oauth_error: str
    oauth_error_at: datetime | None

    @classmethod
    def of(cls, mailbox: Mailbox) -> MailboxOut:
        # Every declared field is the mailbox's own attribute of that name, but the secrets:
        # the answer only says whether one is set.
        secrets: dict[str, object] = {
            "has_secret": bool(mailbox.secret),
            "has_oauth_client_secret": bool(mailbox.oauth_client_secret),
        }
        fields = {name: getattr(mailbox, name) for name in cls.model_fields if name not in secrets}
        return cls.model_validate(fields | secrets)


class PollOut(Out):
    fetched: int
    duplicates: int
    refused: int


class InboundPage(Out):
    items: list[InboundOut]
    next_cursor: str | None
