"""Storing a ticket's files: the Attachment row beside a message.

Checking, content-addressed storage and serving are the same for every app and live in
``sustain.core.uploads``; this module records what is particular to tickets.
"""

from __future__ import annotations

from sustain.accounts.models import User
from sustain.core import fastsql
from sustain.core.uploads import CheckedUpload, content_digest, store_once
from sustain.tickets.models import Attachment, Message, Ticket, attachment_path


def store_attachment(
    *, ticket: Ticket, message: Message | None, uploader: User, checked: CheckedUpload
) -> Attachment:
    """Store a checked file; called inside the transaction that records the message."""
    content = checked.upload.content
    sha256 = content_digest(content)
    attachment = Attachment(
        ticket=ticket,
        message=message,
        uploaded_by=uploader,
        filename=checked.filename,
        content_type=checked.content_type,
        size=len(content),
        sha256=sha256,
    )
    # Identical content is stored once; the path is derived from the digest.
    store_once(attachment.file, attachment_path(attachment, checked.filename), content)
    fastsql.insert(attachment)
    return attachment
