"""Mailboxes and held mail: what administrators configure and review."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction

from sustain.accounts.models import User
from sustain.core.errors import Conflict, NotFound, ValidationFailed
from sustain.core.permissions import Capability, require
from sustain.mail import imap
from sustain.mail.models import InboundMail, Mailbox
from sustain.mail.secrets import seal

EDITABLE = (
    "name",
    "host",
    "port",
    "security",
    "auth",
    "username",
    "folder",
    "after_fetch",
    "processed_folder",
    "is_active",
)


ADMINS_ONLY = "Only administrators manage mailboxes."


def get_mailbox_for(actor: User, mailbox_id: int) -> Mailbox:
    require(actor, Capability.MAIL_MANAGE, ADMINS_ONLY)
    mailbox = Mailbox.objects.filter(pk=mailbox_id).first()
    if mailbox is None:
        raise NotFound(f"There is no mailbox with id {mailbox_id}.")
    return mailbox


def _check(mailbox: Mailbox) -> None:
    errors: dict[str, list[str]] = {}
    for name in ("name", "host", "username", "folder"):
        if not str(getattr(mailbox, name)).strip():
            errors[name] = ["must not be empty"]
    if not 1 <= mailbox.port <= 65535:
        errors["port"] = ["must be between 1 and 65535"]
    for name, choices in (
        ("security", Mailbox.Security),
        ("auth", Mailbox.Auth),
        ("after_fetch", Mailbox.AfterFetch),
    ):
        if getattr(mailbox, name) not in choices.values:
            errors[name] = [f"must be one of: {', '.join(choices.values)}"]
    if mailbox.after_fetch == Mailbox.AfterFetch.MOVE and not mailbox.processed_folder.strip():
        errors["processed_folder"] = ["needed when messages are moved"]
    if errors:
        raise ValidationFailed("The mailbox settings are not valid.", errors=errors)


def save_mailbox(
    *, actor: User, changes: dict[str, Any], mailbox: Mailbox | None = None
) -> Mailbox:
    """Create (``mailbox`` None) or change a mailbox; ``secret`` is stored encrypted."""
    require(actor, Capability.MAIL_MANAGE, ADMINS_ONLY)
    target = mailbox or Mailbox()
    for name in EDITABLE:
        if name in changes:
            setattr(target, name, changes[name])
    if "secret" in changes and changes["secret"] is not None:
        target.secret = seal(str(changes["secret"]))
    if mailbox is None and not target.secret:
        raise ValidationFailed.field("secret", "a password or access token is needed")
    _check(target)
    try:
        with transaction.atomic():
            target.save()
    except IntegrityError:
        raise Conflict(f"A mailbox named {target.name!r} exists already.") from None
    return target


def delete_mailbox(*, actor: User, mailbox: Mailbox) -> None:
    require(actor, Capability.MAIL_MANAGE, ADMINS_ONLY)
    mailbox.delete()


def poll_now(*, actor: User, mailbox: Mailbox) -> imap.PollResult:
    require(actor, Capability.MAIL_MANAGE, ADMINS_ONLY)
    return imap.poll(mailbox)


def release_held(*, actor: User, mail_id: int) -> InboundMail:
    """An administrator lets a held message through: it is processed as if it came now,
    without the sender limit that held it."""
    from sustain.mail.services import process_again

    require(actor, Capability.MAIL_MANAGE, ADMINS_ONLY)
    mail = InboundMail.objects.filter(pk=mail_id).first()
    if mail is None:
        raise NotFound(f"There is no inbound message with id {mail_id}.")
    if mail.state != InboundMail.State.HELD:
        raise Conflict(f"Only held messages can be released; this one is {mail.state}.")
    return process_again(mail)
