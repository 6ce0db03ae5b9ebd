"""Polling IMAP mailboxes: fetch, hand to ``receive``, and only then move or flag."""

from __future__ import annotations

import contextlib
import imaplib
import logging
import ssl
from dataclasses import dataclass

from django.utils import timezone

from sustain.core.errors import ServiceError
from sustain.mail.models import Mailbox
from sustain.mail.secrets import unseal
from sustain.mail.services import receive

logger = logging.getLogger(__name__)
BATCH = 50


@dataclass
class PollResult:
    fetched: int = 0
    duplicates: int = 0
    refused: int = 0


def connect(mailbox: Mailbox, *, timeout: float = 30.0) -> imaplib.IMAP4:
    if mailbox.security == Mailbox.Security.SSL:
        conn: imaplib.IMAP4 = imaplib.IMAP4_SSL(
            mailbox.host, mailbox.port, ssl_context=ssl.create_default_context(), timeout=timeout
        )
    else:
        conn = imaplib.IMAP4(mailbox.host, mailbox.port, timeout=timeout)
        if mailbox.security == Mailbox.Security.STARTTLS:
            conn.starttls(ssl.create_default_context())
    secret = unseal(mailbox.secret)
    if mailbox.auth == Mailbox.Auth.XOAUTH2:
        token = xoauth2_string(mailbox.username, secret)
        conn.authenticate("XOAUTH2", lambda _challenge: token)
    else:
        conn.login(mailbox.username, secret)
    return conn


def xoauth2_string(username: str, access_token: str) -> bytes:
    """The SASL XOAUTH2 initial response (Google, Microsoft 365)."""
    return f"user={username}\x01auth=Bearer {access_token}\x01\x01".encode()


def poll(mailbox: Mailbox) -> PollResult:
    """Fetch every unseen message of the mailbox's folder; records the outcome on the row."""
    result = PollResult()
    try:
        conn = connect(mailbox)
        try:
            _poll_folder(conn, mailbox, result)
        finally:
            with contextlib.suppress(imaplib.IMAP4.error, OSError):
                conn.logout()
    except (imaplib.IMAP4.error, OSError, ValueError) as exc:
        mailbox.last_error = f"{type(exc).__name__}: {exc}"[:2000]
        mailbox.last_polled_at = timezone.now()
        mailbox.save(update_fields=["last_error", "last_polled_at"])
        logger.warning("polling %s failed: %s", mailbox, exc)
        raise
    mailbox.last_error = ""
    mailbox.last_polled_at = timezone.now()
    mailbox.save(update_fields=["last_error", "last_polled_at"])
    return result


def _poll_folder(conn: imaplib.IMAP4, mailbox: Mailbox, result: PollResult) -> None:
    _check(conn.select(_quote(mailbox.folder)), f"select {mailbox.folder}")
    if mailbox.after_fetch == Mailbox.AfterFetch.MOVE:
        conn.create(_quote(mailbox.processed_folder))  # fails harmlessly when it exists
    status, data = conn.uid("SEARCH", "UNSEEN")
    _check((status, data), "search")
    uids = [uid.decode() for uid in data[0].split()] if data and data[0] else []
    for uid in uids[:BATCH]:
        status, parts = conn.uid("FETCH", uid, "(BODY.PEEK[])")
        _check((status, parts), f"fetch {uid}")
        raw = next((part[1] for part in parts if isinstance(part, tuple)), None)
        if raw is None:
            continue
        try:
            received = receive(raw, source="imap")
        except ServiceError as exc:  # too large: the sender was told; the message stays
            logger.warning("message %s in %s refused: %s", uid, mailbox, exc.detail)
            result.refused += 1
            _done(conn, mailbox, uid, refused=True)
            continue
        result.fetched += 1
        result.duplicates += int(received.duplicate)
        _done(conn, mailbox, uid, refused=False)
    conn.expunge()


def _done(conn: imaplib.IMAP4, mailbox: Mailbox, uid: str, *, refused: bool) -> None:
    """After the commit: move, flag or delete; a refused message is only flagged."""
    action = Mailbox.AfterFetch.FLAG if refused else mailbox.after_fetch
    if action == Mailbox.AfterFetch.MOVE:
        status, _ = conn.uid("COPY", uid, _quote(mailbox.processed_folder))
        _check((status, _), "copy")
        conn.uid("STORE", uid, "+FLAGS", r"(\Deleted \Seen)")
    elif action == Mailbox.AfterFetch.DELETE:
        conn.uid("STORE", uid, "+FLAGS", r"(\Deleted)")
    else:
        conn.uid("STORE", uid, "+FLAGS", r"(\Seen)")


def _quote(folder: str) -> str:
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _check(response: tuple[str, object], what: str) -> None:
    if response[0] != "OK":
        raise imaplib.IMAP4.error(f"IMAP {what} failed: {response[1]!r}")


def poll_all() -> int:
    """Poll every active mailbox; one failing mailbox does not stop the others."""
    total = 0
    for mailbox in Mailbox.objects.filter(is_active=True):
        try:
            total += poll(mailbox).fetched
        except (imaplib.IMAP4.error, OSError, ValueError):
            continue
    return total
