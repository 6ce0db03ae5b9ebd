from __future__ import annotations

from datetime import datetime

from ninja import Field

from sustain.core.schemas import In, Out, omittable
from sustain.mail.models import InboundMail, Mailbox
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


class MailboxIn(In):
    name: str = Field(max_length=100)
    host: str = Field(max_length=255)
    port: int = Field(993, ge=1, le=65535)
    security: str = "ssl"
    auth: str = "password"
    username: str = Field(max_length=255)
    secret: str = Field(description="The password or OAuth2 access token; never returned.")
    folder: str = "INBOX"
    after_fetch: str = "move"
    processed_folder: str = "Processed"
    is_active: bool = True


class MailboxPatch(In):
    name: str = omittable(max_length=100)
    host: str = omittable(max_length=255)
    port: int = omittable(ge=1, le=65535)
    security: str = omittable()
    auth: str = omittable()
    username: str = omittable(max_length=255)
    secret: str | None = None
    folder: str = omittable()
    after_fetch: str = omittable()
    processed_folder: str = omittable()
    is_active: bool = omittable()


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

    @classmethod
    def of(cls, mailbox: Mailbox) -> MailboxOut:
        return cls(
            id=mailbox.pk,
            name=mailbox.name,
            host=mailbox.host,
            port=mailbox.port,
            security=mailbox.security,
            auth=mailbox.auth,
            username=mailbox.username,
            folder=mailbox.folder,
            after_fetch=mailbox.after_fetch,
            processed_folder=mailbox.processed_folder,
            is_active=mailbox.is_active,
            has_secret=bool(mailbox.secret),
            last_polled_at=mailbox.last_polled_at,
            last_error=mailbox.last_error,
        )


class PollOut(Out):
    fetched: int
    duplicates: int
    refused: int


class InboundPage(Out):
    items: list[InboundOut]
    next_cursor: str | None
