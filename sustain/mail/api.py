"""Mail endpoints: raw delivery for MTAs, mailboxes and the inbound log for administrators."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Query, Router
from ninja import Status as HttpStatus

from sustain.accounts.api import actor_of
from sustain.core.errors import ServiceError, ValidationFailed
from sustain.core.openapi import Problem
from sustain.core.pagination import paginate
from sustain.core.permissions import Capability, require
from sustain.core.schemas import Id, Text
from sustain.core.uploads import read_body
from sustain.mail import imap, mailboxes
from sustain.mail.models import InboundMail, Mailbox
from sustain.mail.schemas import (
    InboundOut,
    InboundPage,
    MailboxIn,
    MailboxOut,
    MailboxPatch,
    PollOut,
)
from sustain.mail.services import max_bytes, receive

router = Router(tags=["mail"])

RFC822_TYPES = ("message/rfc822", "application/octet-stream")
RAW_MESSAGE = {kind: {"schema": {"type": "string", "format": "binary"}} for kind in RFC822_TYPES}


@router.post(
    "/mail/inbound",
    response={200: InboundOut, 201: InboundOut},
    summary="Deliver a raw e-mail message",
    description=(
        "The body is the whole message as sent (`Content-Type: message/rfc822`). The answer is "
        "201 for a new message and 200 for one Sustain already has (same Message-ID or "
        "content), so an MTA may retry safely. Administrators' tokens only."
    ),
    openapi_extra={"requestBody": {"required": True, "content": RAW_MESSAGE}},
)
def deliver_inbound(request: HttpRequest) -> HttpStatus[InboundOut]:
    user = actor_of(request)
    require(user, Capability.MAIL_MANAGE, "Only administrators' tokens may deliver mail.")
    content_type = (request.content_type or "").lower()
    if content_type not in RFC822_TYPES:
        raise ValidationFailed(
            f"Send the raw message with Content-Type: message/rfc822, not '{content_type}'.",
            errors={"Content-Type": ["expected message/rfc822"]},
        )
    # Read in chunks up to the mail limit, not through request.body and its 5 MiB form limit.
    raw = read_body(request, limit=max_bytes(), what="the message", field="message")
    if not raw.strip():
        raise ValidationFailed("The message is empty.", errors={"body": ["empty"]})
    received = receive(raw, source="api")
    return HttpStatus(200 if received.duplicate else 201, InboundOut.of(received.mail))


@router.get(
    "/mail/inbound",
    response={200: InboundPage, 403: Problem},
    summary="What came in (newest first)",
)
def list_inbound(
    request: HttpRequest,
    state: Text | None = None,
    cursor: Text | None = None,
    limit: int = Query(50, ge=1, le=200),  # type: ignore[type-arg]
) -> InboundPage:
    require(actor_of(request), Capability.MAIL_MANAGE, mailboxes.ADMINS_ONLY)
    mails = InboundMail.objects.all()
    if state:
        if state not in InboundMail.State.values:
            raise ValidationFailed.field("state", f"one of {', '.join(InboundMail.State.values)}")
        mails = mails.filter(state=state)
    page = paginate(mails, order="-received_at", cursor=cursor, limit=limit)
    return InboundPage(
        items=[InboundOut.of(mail) for mail in page.items], next_cursor=page.next_cursor
    )


@router.post(
    "/mail/inbound/{mail_id}/release",
    response={200: InboundOut, 409: Problem},
    summary="Let a held message through",
)
def release_inbound(request: HttpRequest, mail_id: Id) -> InboundOut:
    return InboundOut.of(mailboxes.release_held(actor=actor_of(request), mail_id=mail_id))


@router.get(
    "/mail/mailboxes",
    response={200: list[MailboxOut], 403: Problem},
    summary="IMAP mailboxes",
    description="Passwords, client secrets and tokens are never returned (`has_secret`, "
    "`has_oauth_client_secret`, `oauth_state` say whether they are set).",
)
def list_mailboxes(request: HttpRequest) -> list[MailboxOut]:
    require(actor_of(request), Capability.MAIL_MANAGE, mailboxes.ADMINS_ONLY)
    return [MailboxOut.of(mailbox) for mailbox in Mailbox.objects.all()]


@router.post(
    "/mail/mailboxes", response={201: MailboxOut, 409: Problem}, summary="Add an IMAP mailbox"
)
def create_mailbox(request: HttpRequest, payload: MailboxIn) -> HttpStatus[MailboxOut]:
    mailbox = mailboxes.save_mailbox(actor=actor_of(request), changes=payload.dict())
    return HttpStatus(201, MailboxOut.of(mailbox))


@router.patch(
    "/mail/mailboxes/{mailbox_id}",
    response={200: MailboxOut, 409: Problem},
    summary="Change a mailbox",
)
def update_mailbox(request: HttpRequest, mailbox_id: Id, payload: MailboxPatch) -> MailboxOut:
    actor = actor_of(request)
    mailbox = mailboxes.get_mailbox_for(actor, mailbox_id)
    changes = payload.dict(exclude_unset=True)
    return MailboxOut.of(mailboxes.save_mailbox(actor=actor, changes=changes, mailbox=mailbox))


@router.delete("/mail/mailboxes/{mailbox_id}", response={204: None})
def delete_mailbox(request: HttpRequest, mailbox_id: Id) -> HttpStatus[None]:
    actor = actor_of(request)
    mailboxes.delete_mailbox(actor=actor, mailbox=mailboxes.get_mailbox_for(actor, mailbox_id))
    return HttpStatus(204, None)


@router.post(
    "/mail/mailboxes/{mailbox_id}/poll",
    response={200: PollOut, 502: Problem},
    summary="Fetch new mail now",
    description=(
        "Answers 502 with the server's error when the mailbox cannot be read, or when its "
        "OAuth2 provider gives no access token (the grant refused: see `oauth_state`)."
    ),
)
def poll_mailbox(request: HttpRequest, mailbox_id: Id) -> PollOut:
    actor = actor_of(request)
    mailbox = mailboxes.get_mailbox_for(actor, mailbox_id)
    try:
        result = mailboxes.poll_now(actor=actor, mailbox=mailbox)
    except imap.POLL_ERRORS as exc:
        raise MailboxUnreachable(f"{mailbox.name}: {exc}") from None
    return PollOut(fetched=result.fetched, duplicates=result.duplicates, refused=result.refused)


class MailboxUnreachable(ServiceError):
    status = 502
    title = "Mailbox unreachable"
