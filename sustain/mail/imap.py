"""Polling IMAP mailboxes: fetch, hand to ``receive``, and only then move or flag."""

from __future__ import annotations

import contextlib
import imaplib
import logging
import ssl
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.utils import timezone

from sustain.core.errors import ServiceError
from sustain.mail import oauth
from sustain.mail.models import Mailbox
from sustain.mail.secrets import unseal
from sustain.mail.services import receive_batch

logger = logging.getLogger(__name__)
# Messages taken per poll; the rest wait for the next one.
BATCH = 50
# Messages committed together: a commit is dearer than a small message's work. The bytes bound
# keeps a run of large messages from being held in memory together (one is always taken).
COMMIT_EVERY = 10
COMMIT_BYTES = 8 * 1024 * 1024
# What a poll can fail with: the server, the network, a stored secret that no longer decrypts,
# the OAuth2 token endpoint. Each is recorded on the mailbox; the next poll tries again.
POLL_ERRORS = (imaplib.IMAP4.error, OSError, ValueError, oauth.OAuthFailure)


@dataclass
class PollResult:
    fetched: int = 0
    duplicates: int = 0
    refused: int = 0


def connect(mailbox: Mailbox, *, timeout: float = 30.0) -> imaplib.IMAP4:
    """A signed-in connection; an OAuth2 token the server refuses is refreshed once."""
    if mailbox.auth != Mailbox.Auth.XOAUTH2:
        return _open(
            mailbox, timeout, lambda conn: conn.login(mailbox.username, unseal(mailbox.secret))
        )
    token = oauth.access_token(mailbox)
    try:
        return _open(mailbox, timeout, _xoauth2_sign_in(mailbox.username, token))
    except imaplib.IMAP4.error as exc:
        # Revoked or expired early: ask for a fresh token once (unless another worker has one
        # already), then give up until the next poll.
        logger.info(
            "%s refused the access token of %s (%s); refreshing", mailbox.host, mailbox, exc
        )
        fresh = oauth.access_token(mailbox, rejected=token)
        return _open(mailbox, timeout, _xoauth2_sign_in(mailbox.username, fresh))


def _open(
    mailbox: Mailbox, timeout: float, sign_in: Callable[[imaplib.IMAP4], object]
) -> imaplib.IMAP4:
    if mailbox.security == Mailbox.Security.SSL:
        conn: imaplib.IMAP4 = imaplib.IMAP4_SSL(
            mailbox.host, mailbox.port, ssl_context=ssl.create_default_context(), timeout=timeout
        )
    else:
        conn = imaplib.IMAP4(mailbox.host, mailbox.port, timeout=timeout)
    try:
        if mailbox.security == Mailbox.Security.STARTTLS:
            conn.starttls(ssl.create_default_context())
        sign_in(conn)
    except BaseException:
        with contextlib.suppress(imaplib.IMAP4.error, OSError):
            conn.logout()
        raise
    return conn


def _xoauth2_sign_in(username: str, access_token: str) -> Callable[[imaplib.IMAP4], object]:
    def sign_in(conn: imaplib.IMAP4) -> object:
        return conn.authenticate("XOAUTH2", xoauth2_responder(username, access_token))

    return sign_in


def xoauth2_string(username: str, access_token: str) -> bytes:
    """The SASL XOAUTH2 initial response (Google, Microsoft 365)."""
    return f"user={username}\x01auth=Bearer {access_token}\x01\x01".encode()


def xoauth2_responder(username: str, access_token: str) -> Callable[[bytes], bytes]:
    """Answers the server's challenges: the token first; to the error the server sends when it
    refuses the token, the empty response XOAUTH2 asks for, so the server says NO at once."""
    answers = [xoauth2_string(username, access_token)]

    def respond(_challenge: bytes) -> bytes:
        return answers.pop() if answers else b""

    return respond


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
    except POLL_ERRORS as exc:
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
    for chunk in _fetched(conn, uids[:BATCH]):
        batch = receive_batch((raw for _, raw in chunk), source="imap")
        # Only what the transaction committed is moved or flagged; a failure that stopped the
        # batch leaves the rest unseen for the next poll.
        for (uid, _), outcome in zip(chunk, batch.outcomes, strict=False):
            if isinstance(outcome, ServiceError):  # too large: the sender was told
                logger.warning("message %s in %s refused: %s", uid, mailbox, outcome.detail)
                result.refused += 1
                _done(conn, mailbox, uid, refused=True)
                continue
            result.fetched += 1
            result.duplicates += int(outcome.duplicate)
            _done(conn, mailbox, uid, refused=False)
        if batch.failure is not None:
            conn.expunge()
            raise batch.failure
    conn.expunge()


def _fetched(conn: imaplib.IMAP4, uids: list[str]) -> Iterator[list[tuple[str, bytes]]]:
    """The messages, fetched before their transaction opens (no network wait inside it), in
    groups of ``COMMIT_EVERY`` or ``COMMIT_BYTES``."""
    chunk: list[tuple[str, bytes]] = []
    size = 0
    for uid in uids:
        status, parts = conn.uid("FETCH", uid, "(BODY.PEEK[])")
        _check((status, parts), f"fetch {uid}")
        raw = next((part[1] for part in parts if isinstance(part, tuple)), None)
        if raw is None:
            continue
        chunk.append((uid, raw))
        size += len(raw)
        if len(chunk) >= COMMIT_EVERY or size >= COMMIT_BYTES:
            yield chunk
            chunk, size = [], 0
    if chunk:
        yield chunk


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


def pollable() -> QuerySet[Mailbox]:
    """The mailboxes the periodic poll visits: active ones, less those whose OAuth2 grant was
    refused or never obtained: polling them would only ask the provider again every minute."""
    waiting = Q(auth=Mailbox.Auth.XOAUTH2) & (
        ~Q(oauth_error="") | Q(oauth_refresh_token="", oauth_access_token="")
    )
    return Mailbox.objects.filter(is_active=True).exclude(waiting)


def poll_all() -> int:
    """Poll every pollable mailbox; one failing mailbox does not stop the others."""
    total = 0
    for mailbox in pollable():
        try:
            total += poll(mailbox).fetched
        except POLL_ERRORS:
            continue
    return total
