"""Raw messages for the tests, built the way mail clients build them."""

from __future__ import annotations

from email import policy
from email.message import EmailMessage
from email.utils import make_msgid


def plain(
    *,
    sender: str = "Bob <bob@acme.test>",
    to: str = "support@sustain.test",
    subject: str = "Sync fails after upgrade",
    body: str = "Since 2.1 the nightly sync stops halfway.",
    message_id: str | None = None,
    headers: dict[str, str] | None = None,
) -> bytes:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = "Sun, 22 Nov 2026 10:00:00 +0100"
    message["Message-ID"] = message_id or make_msgid(domain="acme.test")
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(body)
    return message.as_bytes(policy=policy.SMTP)


def with_attachment(filename: str, content: bytes, mime: str = "application/octet-stream") -> bytes:
    message = EmailMessage()
    message["From"] = "bob@acme.test"
    message["To"] = "support@sustain.test"
    message["Subject"] = "Log file attached"
    message["Message-ID"] = make_msgid(domain="acme.test")
    message.set_content("The log is attached.")
    maintype, subtype = mime.split("/")
    message.add_attachment(content, maintype=maintype, subtype=subtype, filename=filename)
    return message.as_bytes(policy=policy.SMTP)
