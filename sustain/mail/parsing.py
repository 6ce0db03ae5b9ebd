"""Inbound e-mail parsing that does not fall over.

Real mail is often wrong: charsets that do not exist or lie, broken base64, headers encoded
twice, signed or forwarded messages nested several levels deep. ``parse`` never raises on the
content of a message; what it could not read becomes a warning, and the caller keeps the raw
message beside the result.
"""

from __future__ import annotations

import email
import functools
import hashlib
import html as html_lib
import re
from dataclasses import dataclass, field
from datetime import datetime
from email import policy
from email.message import EmailMessage, Message
from email.policy import EmailPolicy
from email.utils import getaddresses, parseaddr, parsedate_to_datetime
from functools import cached_property
from typing import Any

import nh3

# Charsets that mail clients declare but Python does not know, mapped to what they mean.
# iso-8859-1 as WHATWG reads it: Windows clients declare it for text with cp1252's €, “ ” and –.
CHARSET_ALIASES = {
    "unknown-8bit": "cp1252",
    "x-unknown": "cp1252",
    "us-ascii": "cp1252",
    "iso-8859-1": "cp1252",
}
MESSAGE_ID = re.compile(r"<[^<>\s]+>")


class _Policy(EmailPolicy):
    """Python's modern policy, reading each distinct header once per process.

    The parser and the walk ask for a part's ``Content-Type`` again and again (the feed
    parser alone several times per part), and the policy builds a new header object from the
    text each time: most of the time a message took to parse. A header object depends only on
    its name and text and never changes, so equal headers share one.
    """

    def header_fetch_parse(self, name: str, value: str) -> Any:
        if hasattr(value, "name"):
            return value
        return _header_object(self, name, value)


@functools.lru_cache(maxsize=4096)
def _header_object(policy: EmailPolicy, name: str, value: str) -> Any:
    return EmailPolicy.header_fetch_parse(policy, name, value)


POLICY = _Policy()


@dataclass
class ParsedAttachment:
    filename: str
    content: bytes
    content_type: str
    content_id: str = ""  # without the angle brackets; set for inline (cid:) parts

    @cached_property
    def sha256(self) -> str:
        """The hex SHA-256 of the content, computed once however many ask."""
        return hashlib.sha256(self.content).hexdigest()


@dataclass
class ParsedMail:
    subject: str = ""
    from_address: str = ""
    from_name: str = ""
    to: list[str] = field(default_factory=list)
    cc: list[str] = field(default_factory=list)
    message_id: str = ""
    in_reply_to: list[str] = field(default_factory=list)
    references: list[str] = field(default_factory=list)
    date: datetime | None = None
    text: str = ""
    html: str = ""  # sanitised
    attachments: list[ParsedAttachment] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = ""
    failed_recipients: list[str] = field(default_factory=list)  # from a bounce
    warnings: list[str] = field(default_factory=list)

    @property
    def thread_ids(self) -> list[str]:
        """Every Message-ID this message answers, nearest first."""
        seen: dict[str, None] = {}
        for ref in [*self.in_reply_to, *reversed(self.references)]:
            seen.setdefault(ref, None)
        return list(seen)


def parse(raw: bytes) -> ParsedMail:
    result = ParsedMail()
    try:
        message = email.message_from_bytes(raw, policy=POLICY)
    except Exception as exc:  # the parser is lenient; this is the last line of defence
        result.warnings.append(f"The message could not be parsed at all ({exc}).")
        result.text = raw.decode("utf-8", errors="replace")
        return result
    _read_headers(message, result)
    try:
        _read_parts(message, result)
    except Exception as exc:  # a structure the walker did not expect: keep what was read
        result.warnings.append(f"Part of the message could not be read ({exc}).")
    defects = _defects(message)
    if defects:
        names = sorted({type(defect).__name__ for defect in defects})
        result.warnings.append("The message is malformed: " + ", ".join(names) + ".")
    if not result.text and result.html:
        result.text = html_to_text(result.html)
    _drop_nul(result)
    return result


def _drop_nul(result: ParsedMail) -> None:
    """PostgreSQL text cannot hold NUL: a stray one must not make the message unstorable
    (nor a Message-ID or address with one unsearchable)."""
    found = False
    for name in ("subject", "from_name", "from_address", "message_id", "text", "html"):
        value = getattr(result, name)
        if "\x00" in value:
            found = True
            setattr(result, name, value.replace("\x00", ""))
    for name in ("to", "cc", "in_reply_to", "references", "failed_recipients"):
        values = getattr(result, name)
        if any("\x00" in value for value in values):
            found = True
            setattr(result, name, [value.replace("\x00", "") for value in values])
    if found:
        result.warnings.append("The message contained NUL characters; they were removed.")


def _defects(message: Message) -> list[object]:
    """What the parser found wrong anywhere in the message, not only in its top part."""
    try:
        return [defect for part in message.walk() for defect in part.defects]
    except Exception:  # a structure walk() does not expect; the top part's list still counts
        return list(message.defects)


# --- headers ----------------------------------------------------------------------------------
def header(message: Message, name: str, written: Written | None = None) -> str:
    """A header as text; a header that cannot be decoded is read as raw as possible.

    ``written`` is the message's headers as written (``as_written``), when the caller reads
    several of them: read once, they spare a walk over all headers per header asked for."""
    wanted = name.lower()
    if written is None:
        written = as_written(message)
    value_as_written = written.get(wanted)
    if value_as_written is None:
        return ""
    if wanted in AS_WRITTEN and _needs_no_decoding(wanted, value_as_written):
        return " ".join(value_as_written.split())
    try:
        value = message.get(name)
    except Exception:  # malformed encoded words can make the header classes raise
        value = value_as_written
    if value is None:
        return ""
    return " ".join(str(value).split())


# A message's headers as written, by lower-case name: the first of each, as ``get`` reads it.
Written = dict[str, str]


def as_written(message: Message) -> Written:
    written: Written = {}
    for key, value in message.raw_items():
        written.setdefault(key.lower(), value if isinstance(value, str) else str(value))
    return written


# Headers whose text Sustain reads as it was written (ids, dates, the marks of automatic mail,
# the subject). Plain ASCII without encoded words is what the policy's header classes give back
# unchanged, and for the Message-ID a simple <local@domain>, so such a text is taken without
# them; any other text goes through the classes. (Dates: the same instant either way; ``_date``
# reads both.) Python's header classes cost a tenth of a millisecond each.
AS_WRITTEN = frozenset(
    {"message-id", "in-reply-to", "references", "date", "content-id", "final-recipient",
     "original-recipient", "auto-submitted", "precedence", "x-autoreply", "x-autorespond",
     "x-auto-response-suppress", "list-id", "list-unsubscribe", "return-path",
     "x-failed-recipients", "delivered-to", "subject"}
)  # fmt: skip
_PLAIN_ASCII = re.compile(r"[\x20-\x7e\t\r\n]*")
_ATOMS = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
_SIMPLE_MESSAGE_ID = re.compile(rf"<{_ATOMS}@{_ATOMS}>")


def _needs_no_decoding(name: str, value: str) -> bool:
    if "=?" in value or not _PLAIN_ASCII.fullmatch(value):
        return False
    return name != "message-id" or bool(_SIMPLE_MESSAGE_ID.fullmatch(" ".join(value.split())))


def _read_headers(message: Message, result: ParsedMail) -> None:
    written = as_written(message)

    def read(name: str) -> str:
        return header(message, name, written)

    result.subject = read("Subject")
    result.from_name, result.from_address = _address(read("From"))
    if not result.from_address:
        result.from_name, result.from_address = _address(read("Sender"))
    result.to = _addresses(read("To"))
    result.cc = _addresses(read("Cc"))
    result.message_id = _first_id(read("Message-ID"))
    result.in_reply_to = MESSAGE_ID.findall(read("In-Reply-To"))
    result.references = MESSAGE_ID.findall(read("References"))
    result.content_type = message.get_content_type()
    result.date = _date(read("Date"))
    result.failed_recipients = _addresses(read("X-Failed-Recipients"))
    for name in LOOP_HEADERS:
        value = read(name)
        if value:
            result.headers[name] = value


# Headers that tell automatic mail apart; sustain.mail.loops reads them.
LOOP_HEADERS = (
    "Auto-Submitted",
    "Precedence",
    "X-Autoreply",
    "X-Autorespond",
    "X-Auto-Response-Suppress",
    "List-Id",
    "List-Unsubscribe",
    "Return-Path",
    "X-Failed-Recipients",
    "Delivered-To",
)


def _address(value: str) -> tuple[str, str]:
    name, address = parseaddr(value)
    address = address.strip().lower()
    return name.strip(), address if "@" in address else ""


def _addresses(value: str) -> list[str]:
    found = [address.strip().lower() for _, address in getaddresses([value])]
    return [address for address in found if "@" in address]


def _first_id(value: str) -> str:
    found = MESSAGE_ID.findall(value)
    return found[0] if found else ""


def _date(value: str) -> datetime | None:
    try:
        moment = parsedate_to_datetime(value) if value else None
    except (TypeError, ValueError, IndexError):
        return None
    return moment if moment is not None and moment.tzinfo is not None else None


# --- bodies and attachments -------------------------------------------------------------------
def _read_parts(message: Message, result: ParsedMail) -> None:
    text_parts: list[str] = []
    html_parts: list[str] = []
    _walk(message, result, text_parts, html_parts)
    # Lines end in "\n" in the database whatever the part's transfer encoding kept.
    text = "\n\n".join(part.strip() for part in text_parts if part.strip())
    result.text = text.replace("\r\n", "\n")
    if html_parts:
        result.html = sanitise_html("\n".join(html_parts))


def _walk(
    part: Message,
    result: ParsedMail,
    text_parts: list[str],
    html_parts: list[str],
) -> None:
    # Both versions of a multipart/alternative are kept: the text for the timeline, the
    # sanitised HTML for display.
    content_type = part.get_content_type()
    if content_type == "message/delivery-status":
        result.failed_recipients.extend(_final_recipients(part))
        return
    if part.is_multipart() and content_type != "message/rfc822":
        children = part.get_payload()
        assert isinstance(children, list)
        for child in children:
            if isinstance(child, Message):
                _walk(child, result, text_parts, html_parts)
        return
    if content_type == "message/rfc822":
        result.attachments.append(_forwarded(part))
        return
    if content_type.startswith("multipart/"):
        # A multipart whose boundary never appears: its body is one block of text. Show it
        # (the raw message is attached because of the parser's defect warning).
        text_parts.append(decode_text(part, result))
        return
    disposition = part.get_content_disposition()
    filename = _filename(part)
    is_body = disposition != "attachment" and not filename
    if is_body and content_type == "text/html":
        html_parts.append(decode_text(part, result))
    elif is_body and content_type == "text/plain":
        text_parts.append(decode_text(part, result))
    else:
        result.attachments.append(_attachment(part, filename, result))


def _final_recipients(part: Message) -> list[str]:
    blocks = part.get_payload()
    found = []
    for block in blocks if isinstance(blocks, list) else []:
        if not isinstance(block, Message):
            continue
        value = header(block, "Final-Recipient") or header(block, "Original-Recipient")
        address = value.partition(";")[2].strip().lower()
        if "@" in address:
            found.append(address)
    return found


def _filename(part: Message) -> str:
    try:
        name = part.get_filename() or ""  # decodes RFC 2231 and RFC 2047 names
    except Exception:
        name = ""
    return " ".join(name.split())


def _payload_bytes(part: Message, result: ParsedMail) -> bytes:
    try:
        payload = part.get_payload(decode=True)
    except Exception as exc:
        result.warnings.append(f"A part could not be decoded ({exc}); it is kept as it came.")
        raw = part.get_payload()
        return raw.encode("utf-8", errors="replace") if isinstance(raw, str) else b""
    if isinstance(payload, bytes):
        return payload
    return b""


def decode_text(part: Message, result: ParsedMail) -> str:
    data = _payload_bytes(part, result)
    declared = (part.get_content_charset() or "").lower()
    for charset in (CHARSET_ALIASES.get(declared, declared), "utf-8", "cp1252"):
        if not charset:
            continue
        try:
            return data.decode(charset)
        except (LookupError, UnicodeDecodeError):
            continue
    result.warnings.append("A text part had an unreadable charset; unknown bytes were replaced.")
    return data.decode("utf-8", errors="replace")


def _attachment(part: Message, filename: str, result: ParsedMail) -> ParsedAttachment:
    content_type = part.get_content_type()
    content_id = header(part, "Content-ID").strip().strip("<>")
    if not filename:
        extension = EXTENSIONS.get(content_type, "bin")
        filename = f"{content_id.split('@')[0] or 'attachment'}.{extension}"
    return ParsedAttachment(
        filename=filename,
        content=_payload_bytes(part, result),
        content_type=content_type,
        content_id=content_id,
    )


EXTENSIONS = {
    "image/png": "png",
    "image/jpeg": "jpg",
    "image/gif": "gif",
    "text/plain": "txt",
    "text/calendar": "ics",
    "application/pdf": "pdf",
    "application/pkcs7-signature": "p7s",
    "application/x-pkcs7-signature": "p7s",
}


def _forwarded(part: Message) -> ParsedAttachment:
    """A forwarded message stays whole, as an .eml file a mail client can open."""
    payload = part.get_payload()
    inner = payload[0] if isinstance(payload, list) and payload else None
    subject = header(inner, "Subject") if isinstance(inner, Message) else ""
    data = inner.as_bytes(policy=policy.SMTP) if isinstance(inner, EmailMessage) else b""
    if isinstance(inner, Message) and not data:
        data = inner.as_bytes()
    name = re.sub(r"[^\w .-]+", "", subject).strip()[:80] or "forwarded message"
    return ParsedAttachment(filename=f"{name}.eml", content=data, content_type="message/rfc822")


# --- HTML -------------------------------------------------------------------------------------
ALLOWED_TAGS = {
    "a", "b", "blockquote", "br", "code", "div", "em", "h1", "h2", "h3", "h4", "hr", "i", "img",
    "li", "ol", "p", "pre", "span", "strong", "table", "tbody", "td", "th", "thead", "tr", "u",
    "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt"}, "td": {"colspan"}}


def sanitise_html(html: str) -> str:
    """HTML from a stranger: no scripts, styles, event handlers or remote resources.

    Images may only point at ``cid:`` parts (shown from the ticket's attachments); a remote
    image would tell the sender when and where the mail was read.
    """
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto", "cid"},
        link_rel="noopener noreferrer nofollow",
        attribute_filter=_drop_remote_images,
    )


def _drop_remote_images(tag: str, attribute: str, value: str) -> str | None:
    if tag == "img" and attribute == "src" and not value.startswith("cid:"):
        return None
    return value


def html_to_text(html: str) -> str:
    spaced = re.sub(r"(?i)<\s*(br|/p|/div|/li|/tr|/h\d)\s*/?>", "\n", html)
    text = html_lib.unescape(nh3.clean(spaced, tags=set())).replace("\xa0", " ")
    return re.sub(r"\n{3,}", "\n\n", "\n".join(line.strip() for line in text.splitlines())).strip()
