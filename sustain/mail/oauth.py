"""OAuth2 for mailboxes: access tokens kept fresh from a refresh token, the authorization-code
flow that obtains the refresh token, and a refused grant reported once.

Microsoft 365 and Google take no passwords for IMAP and SMTP; they take an access token (SASL
XOAUTH2) that expires within an hour. An administrator obtains a refresh token once (the
authorization-code flow with PKCE from the mailbox page, or a token pasted from a device-code
flow); from then on an access token is fetched when none is cached or the cached one is within
``REFRESH_MARGIN`` of its expiry, and once more when a server refuses it. A provider that
rotates refresh tokens sends a new one with each refresh; it replaces the stored one.

The HTTP exchanges go through Authlib's httpx client (on httpx2): it builds the authorization
URL with the S256 code challenge, authenticates the client, and turns the token endpoint's error
answers (RFC 6749 §5.2) into ``OAuthError`` with the provider's code, so that ``invalid_grant``
can be told from an outage. What Sustain adds is its own: where the tokens live (sealed, like the
password), who may refresh (a lease, so one refresh token is never spent twice), and what
happens when the provider says no.
"""

from __future__ import annotations

import ipaddress
import logging
import secrets
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import httpx2
from authlib.integrations.httpx_client import OAuth2Client, OAuthError
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from sustain.accounts import audit
from sustain.accounts.choices import AuditAction
from sustain.accounts.models import User
from sustain.core import outbox
from sustain.core.permissions import Capability, roles_with
from sustain.mail.models import Mailbox
from sustain.mail.secrets import seal, unseal

logger = logging.getLogger(__name__)

# Refresh this long before the access token expires (or at half its life, if that is sooner),
# so that a token is never presented in its last minutes, when clocks and queues differ.
REFRESH_MARGIN = timedelta(minutes=5)
HTTP_TIMEOUT_SECONDS = 20.0
# The lease outlives one token request; a worker that waits for another's refresh gives up
# after about as long.
LEASE = timedelta(seconds=HTTP_TIMEOUT_SECONDS * 2)
WAIT_STEP_SECONDS = 0.2

# Answers of the token endpoint that no retry mends: an administrator has to act.
REFUSALS = {
    "invalid_grant": "The provider refused the refresh token (revoked, expired or issued to "
    "another client): connect the mailbox again.",
    "invalid_client": "The provider refused the client id or secret: check them (client "
    "secrets expire).",
    "unauthorized_client": "The provider does not let this client use refresh tokens: check "
    "the app registration.",
    "invalid_scope": "The provider refused the scope: check it and connect the mailbox again.",
}


class OAuthFailure(Exception):
    """No access token now; the next attempt may get one (an outage, a slow worker)."""


class GrantRefused(OAuthFailure):
    """The provider refused the grant or the client; the mailbox waits for an administrator."""


# --- access tokens ------------------------------------------------------------------------


def access_token(mailbox: Mailbox, *, rejected: str = "") -> str:
    """A usable access token for ``mailbox``, from the cache or fetched now.

    ``rejected`` is a token a server has just refused: it is refreshed unless another worker
    has replaced it meanwhile. Raises ``GrantRefused`` while the grant waits for an
    administrator (without asking the provider again) and ``OAuthFailure`` otherwise.
    """
    deadline = time.monotonic() + LEASE.total_seconds()
    while True:
        current = Mailbox.objects.get(pk=mailbox.pk)
        if current.oauth_error:
            raise GrantRefused(f"{current.name}: {current.oauth_error}")
        cached = unseal(current.oauth_access_token)
        usable = bool(cached) and cached != rejected
        if usable and not refresh_due(current, timezone.now()):
            return cached
        if not current.oauth_refresh_token:
            if usable:
                return cached  # nothing to refresh with: the token serves until refused
            if cached:
                # Refused, and nothing to refresh it with: forget it, so that the mailbox reads
                # "not connected" and the periodic poll leaves it alone.
                Mailbox.objects.filter(
                    pk=current.pk, oauth_access_token=current.oauth_access_token
                ).update(oauth_access_token="", oauth_expires_at=None)
            raise OAuthFailure(
                f"{current.name} has no OAuth2 refresh token: connect it on its page."
            )
        if _claim(current.pk):
            return _refresh(current)
        if time.monotonic() > deadline:
            raise OAuthFailure(f"{current.name}: another worker is still refreshing the token.")
        time.sleep(WAIT_STEP_SECONDS)


def refresh_due(mailbox: Mailbox, now: datetime) -> bool:
    expires_at = mailbox.oauth_expires_at
    if expires_at is None:
        return False
    lifetime = expires_at - (mailbox.oauth_refreshed_at or expires_at)
    return now >= expires_at - min(REFRESH_MARGIN, lifetime / 2)


def _claim(mailbox_id: int) -> bool:
    """Take the refresh lease with a conditional UPDATE: of two workers exactly one wins."""
    now = timezone.now()
    free = Q(oauth_refreshing_until__isnull=True) | Q(oauth_refreshing_until__lt=now)
    return (
        Mailbox.objects.filter(free, pk=mailbox_id).update(oauth_refreshing_until=now + LEASE) == 1
    )


def _release(mailbox_id: int) -> None:
    Mailbox.objects.filter(pk=mailbox_id).update(oauth_refreshing_until=None)


def _refresh(current: Mailbox) -> str:
    """Spend the refresh token (the lease is held); store and return the new access token."""
    try:
        issued = _request_refresh(current)
    except BaseException:
        _release(current.pk)
        raise
    return _store(current, issued)


def _request_refresh(current: Mailbox) -> IssuedToken:
    try:
        with _client(current) as client:
            token = client.refresh_token(
                current.oauth_token_url, refresh_token=unseal(current.oauth_refresh_token)
            )
    except OAuthError as exc:
        if exc.error in REFUSALS:
            report_refusal(current, exc.error, exc.description or "")
            text = _refusal_text(exc.error, exc.description)
            raise GrantRefused(f"{current.name}: {text}") from None
        raise OAuthFailure(f"{current.name}: token endpoint: {_error_text(exc)}") from None
    except (httpx2.HTTPError, ValueError) as exc:
        raise OAuthFailure(f"{current.name}: token endpoint: {exc}") from None
    return parse_token(token)


def _store(current: Mailbox, issued: IssuedToken) -> str:
    changes: dict[str, Any] = {
        "oauth_access_token": seal(issued.access_token),
        "oauth_expires_at": issued.expires_at,
        "oauth_refreshed_at": issued.issued_at,
        "oauth_refreshing_until": None,
    }
    if issued.refresh_token and issued.refresh_token != unseal(current.oauth_refresh_token):
        changes["oauth_refresh_token"] = seal(issued.refresh_token)  # rotated
    # Only while the refresh token is still the one spent: an administrator who connected the
    # mailbox again meanwhile keeps the new grant.
    same_grant = Mailbox.objects.filter(
        pk=current.pk, oauth_refresh_token=current.oauth_refresh_token
    )
    if not same_grant.update(**changes):
        _release(current.pk)
    return issued.access_token


@dataclass(frozen=True)
class IssuedToken:
    access_token: str
    refresh_token: str
    issued_at: datetime
    expires_at: datetime | None


def parse_token(token: dict[str, Any]) -> IssuedToken:
    """The parts of a token endpoint's answer Sustain keeps; ``OAuthFailure`` if unusable."""
    access = token.get("access_token")
    if not isinstance(access, str) or not access:
        raise OAuthFailure("The token endpoint answered without an access token.")
    now = timezone.now()
    expires_at = None
    try:
        expires_in = int(token.get("expires_in"))  # type: ignore[arg-type]  # checked below
    except (TypeError, ValueError):
        expires_in = -1  # absent or not a number: unknown, used until refused
    if expires_in >= 0:
        expires_at = now + timedelta(seconds=expires_in)
    refresh = token.get("refresh_token")
    return IssuedToken(access, refresh if isinstance(refresh, str) else "", now, expires_at)


def _client(mailbox: Mailbox, *, redirect_uri: str | None = None) -> Any:
    # Authlib is untyped; the client is an httpx2.Client that speaks OAuth2.
    client_secret = unseal(mailbox.oauth_client_secret)
    return OAuth2Client(
        client_id=mailbox.oauth_client_id,
        client_secret=client_secret or None,
        # Both Microsoft and Google take the secret in the form; a public client has none.
        token_endpoint_auth_method="client_secret_post" if client_secret else "none",
        scope=mailbox.oauth_scope or None,
        redirect_uri=redirect_uri,
        code_challenge_method="S256",
        timeout=HTTP_TIMEOUT_SECONDS,
    )


def _error_text(exc: OAuthError) -> str:
    return f"{exc.error}: {exc.description}" if exc.description else str(exc.error)


def _refusal_text(code: str, description: str | None) -> str:
    said = f" The provider said: {code}: {description}" if description else f" ({code})"
    return REFUSALS[code] + said


# --- a refused grant ----------------------------------------------------------------------


def report_refusal(mailbox: Mailbox, code: str, description: str) -> bool:
    """Record that the provider refused the grant and tell the administrators, once.

    The conditional UPDATE decides who reports: of the poller and the mail sender meeting the
    same refusal, one writes the e-mail, and later polls skip the mailbox until an
    administrator changes its OAuth2 settings. Returns whether this call reported it.
    """
    text = _refusal_text(code, description)[:2000]
    now = timezone.now()
    with transaction.atomic():
        reported = Mailbox.objects.filter(
            pk=mailbox.pk, oauth_error="", oauth_refresh_token=mailbox.oauth_refresh_token
        ).update(
            oauth_error=text,
            oauth_error_at=now,
            oauth_access_token="",
            oauth_expires_at=None,
            oauth_refreshing_until=None,
        )
        if not reported:
            return False
        audit.record(None, AuditAction.MAILBOX_GRANT_REFUSED, mailbox, {"oauth_error": code})
        _tell_administrators(mailbox, text, now)
    logger.error("mailbox %s: OAuth2 grant refused: %s", mailbox, text)
    return True


def _tell_administrators(mailbox: Mailbox, text: str, when: datetime) -> None:
    managers = roles_with(Capability.MAIL_MANAGE)
    admins = list(
        User.objects.filter(role__in=managers, is_active=True)
        .exclude(email="")
        .order_by("pk")
        .values_list("email", flat=True)
    )
    if not admins:
        logger.error("mailbox %s: no administrator to tell about the refused grant", mailbox)
        return
    page = settings.SUSTAIN_BASE_URL + reverse("mail:mailbox_edit", args=[mailbox.pk])
    body = (
        f"Sustain can no longer sign in to the mailbox {mailbox.name} ({mailbox.username}) "
        f"since {when:%Y-%m-%d %H:%M} UTC.\n\n{text}\n\n"
        f"It is not polled until an administrator connects it again or changes its OAuth2 "
        f"settings: {page}\n"
    )
    outbox.record_emails(
        [
            outbox.Email(
                key=f"mail:oauth-refused:{mailbox.pk}:{when:%Y%m%dT%H%M%S.%f}",
                to=admins,
                subject=f"Mailbox {mailbox.name}: sign-in refused, action needed",
                body=body,
            )
        ]
    )


# --- obtaining the grant ------------------------------------------------------------------


@dataclass(frozen=True)
class Authorization:
    """Where to send the administrator's browser, and what to keep until it comes back."""

    url: str
    state: str
    code_verifier: str


def begin_authorization(mailbox: Mailbox, *, redirect_uri: str) -> Authorization:
    """The provider's sign-in URL with a fresh state and PKCE (S256) challenge.

    ``access_type=offline`` and ``prompt=consent`` make Google issue a refresh token every
    time; Microsoft issues one for the ``offline_access`` scope and ignores the first.
    """
    verifier = secrets.token_urlsafe(64)
    with _client(mailbox, redirect_uri=redirect_uri) as client:
        url, state = client.create_authorization_url(
            mailbox.oauth_authorize_url,
            code_verifier=verifier,
            access_type="offline",
            prompt="consent",
            login_hint=mailbox.username,
        )
    return Authorization(url=url, state=state, code_verifier=verifier)


def exchange_code(
    mailbox: Mailbox, *, code: str, code_verifier: str, redirect_uri: str
) -> IssuedToken:
    """The tokens for the authorization code the provider sent back."""
    try:
        with _client(mailbox, redirect_uri=redirect_uri) as client:
            token = client.fetch_token(
                mailbox.oauth_token_url,
                grant_type="authorization_code",
                code=code,
                code_verifier=code_verifier,
            )
    except OAuthError as exc:
        raise OAuthFailure(f"The provider refused the sign-in: {_error_text(exc)}") from None
    except (httpx2.HTTPError, ValueError) as exc:
        raise OAuthFailure(f"The token endpoint could not be reached: {exc}") from None
    issued = parse_token(token)
    if not issued.refresh_token:
        raise OAuthFailure(
            "The provider issued no refresh token. For Microsoft 365 add offline_access to the "
            "scope; for Google, remove Sustain's access in the account settings and connect again."
        )
    return issued


def endpoint_problem(url: str) -> str | None:
    """Why ``url`` cannot be an OAuth2 endpoint, or None: HTTPS, or HTTP to this machine
    only, because the client secret and the tokens travel in it."""
    try:
        URLValidator(schemes=["http", "https"])(url)
    except ValidationError:
        return "must be a valid https:// URL"
    parts = urlsplit(url)
    if parts.scheme == "https" and parts.hostname:
        return None
    if parts.scheme == "http" and parts.hostname and _is_loopback(parts.hostname):
        return None
    return "must be an https:// URL (http:// only to this machine)"


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
