"""API tokens: random, shown once, stored as a SHA-256 digest.

A token carries 256 bits of randomness, so a fast digest is enough: there is nothing to
brute-force, and the lookup stays one indexed query per request.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from sustain.accounts import audit
from sustain.accounts.choices import AuditAction
from sustain.accounts.models import ApiToken, User
from sustain.core.errors import NotFound, PermissionDenied, ValidationFailed
from sustain.core.fastsql import RowLookup
from sustain.core.permissions import Capability

TOKEN_PREFIX = "sus_"  # noqa: S105 - a marker, not a secret
# Writing last_used_at on every request would turn every read into a write.
LAST_USED_RESOLUTION = timedelta(minutes=1)
# Runs on every API request: the token and its user in one statement written once.
_BY_DIGEST = RowLookup(ApiToken, "digest", related="user")


def digest(raw_token: str) -> str:
    return hashlib.sha256(raw_token.encode()).hexdigest()


def create_token(
    *, actor: User | None, user: User, name: str, expires_at: datetime | None = None
) -> tuple[ApiToken, str]:
    """Create a token for ``user``; returns the row and the plain token (its only appearance).

    ``actor`` None is the operator at the command line (``sustain createtoken``).
    """
    if actor is not None and actor.pk != user.pk and not actor.can(Capability.TOKENS_MANAGE_ALL):
        raise PermissionDenied("Only an administrator can create tokens for someone else.")
    name = name.strip()
    if not name:
        raise ValidationFailed.field("name", "A token needs a name.")
    if expires_at is not None and expires_at <= timezone.now():
        raise ValidationFailed.field("expires_at", "The expiry must be in the future.")
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=user,
            name=name[:100],
            prefix=raw[: len(TOKEN_PREFIX) + 6],
            digest=digest(raw),
            expires_at=expires_at,
        )
        # Name, owner and expiry; never the token, its prefix or its digest.
        changes = audit.created(token, ["name", "user", "expires_at"])
        audit.record(actor, AuditAction.TOKEN_CREATED, token, changes)
    return token, raw


def revoke_token(*, actor: User, token_id: int) -> ApiToken:
    with transaction.atomic():
        token = (
            ApiToken.objects.select_for_update(of=("self",))
            .select_related("user")
            .filter(pk=token_id)
            .first()
        )
        if token is None or (
            token.user_id != actor.pk and not actor.can(Capability.TOKENS_MANAGE_ALL)
        ):
            raise NotFound("No such token.")
        if token.revoked_at is None:
            token.revoked_at = timezone.now()
            token.save(update_fields=["revoked_at"])
            audit.record(actor, AuditAction.TOKEN_REVOKED, token, {})
        return token


def tokens_for(user: User) -> list[ApiToken]:
    return list(ApiToken.objects.filter(user=user))


def authenticate_token(raw_token: str) -> User | None:
    """The active user a token belongs to, or None if it is unknown, revoked or expired."""
    if not raw_token.startswith(TOKEN_PREFIX):
        return None
    token = _BY_DIGEST.get(digest(raw_token))
    now = timezone.now()
    if token is None or not token.is_usable(now) or not token.user.is_active:
        return None
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token.user
