"""Mailboxes and held mail: what administrators configure and review."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction

from sustain.accounts import audit
from sustain.accounts.choices import AuditAction
from sustain.accounts.models import User
from sustain.core.errors import Conflict, NotFound, ServiceError, ValidationFailed
from sustain.core.permissions import Capability, require
from sustain.mail import imap, oauth
from sustain.mail.models import InboundMail, Mailbox
from sustain.mail.secrets import seal

# The OAuth2 settings: changing one starts the grant afresh (no cached token, no old refusal).
OAUTH_SETTINGS = (
    "oauth_token_url",
    "oauth_authorize_url",
    "oauth_client_id",
    "oauth_scope",
)
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
    *OAUTH_SETTINGS,
)
# Written, never shown: stored sealed; the audit log records only that one changed.
SECRETS = ("secret", "oauth_client_secret", "oauth_refresh_token")
# What forgetting a grant clears.
_GRANT_STATE = {
    "oauth_access_token": "",
    "oauth_expires_at": None,
    "oauth_error": "",
    "oauth_error_at": None,
}

ADMINS_ONLY = "Only administrators manage mailboxes."


def _require_admin(actor: User | None) -> None:
    # None: the operator at the command line (``sustain mail``), as the audit log records it.
    if actor is not None:
        require(actor, Capability.MAIL_MANAGE, ADMINS_ONLY)


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
    if mailbox.auth == Mailbox.Auth.XOAUTH2:
        _check_oauth(mailbox, errors)
    elif not mailbox.secret:
        errors["secret"] = ["a password is needed"]
    if errors:
        raise ValidationFailed("The mailbox settings are not valid.", errors=errors)


def _check_oauth(mailbox: Mailbox, errors: dict[str, list[str]]) -> None:
    for name in ("oauth_token_url", "oauth_client_id"):
        if not str(getattr(mailbox, name)).strip():
            errors[name] = ["needed for OAuth2 sign-in"]
    for name in ("oauth_token_url", "oauth_authorize_url"):
        url = str(getattr(mailbox, name))
        problem = oauth.endpoint_problem(url) if url else None
        if problem:
            errors[name] = [problem]


def save_mailbox(
    *, actor: User | None, changes: dict[str, Any], mailbox: Mailbox | None = None
) -> Mailbox:
    """Create (``mailbox`` None) or change a mailbox; secrets given non-empty are sealed.

    A change of the OAuth2 settings forgets the cached access token and a recorded refusal, so
    the next poll signs in afresh. A change writes only its own fields: a worker that rotated
    the refresh token meanwhile keeps its write.
    """
    _require_admin(actor)
    target = mailbox or Mailbox()
    before = audit.snapshot(target, EDITABLE)
    for name in EDITABLE:
        if name in changes and changes[name] is not None:
            value = changes[name]
            # Endpoints, client ids and scopes are pasted from a provider's console.
            pasted = name in OAUTH_SETTINGS and isinstance(value, str)
            setattr(target, name, value.strip() if pasted else value)
    secrets_changed = [name for name in SECRETS if changes.get(name)]
    for name in secrets_changed:
        setattr(target, name, seal(str(changes[name]).strip()))
    _check(target)
    changed = audit.diff(before, audit.snapshot(target, EDITABLE), EDITABLE)
    new_grant = any(name in changed for name in (*OAUTH_SETTINGS, "auth")) or bool(
        {"oauth_client_secret", "oauth_refresh_token"} & set(secrets_changed)
    )
    if new_grant:
        for name, value in _GRANT_STATE.items():
            setattr(target, name, value)
    try:
        with transaction.atomic():
            if mailbox is None:
                target.save()
                entry = {k: v for k, v in audit.created(target, EDITABLE).items() if v[1] != ""}
                action = AuditAction.MAILBOX_CREATED
            else:
                fields = [*changed, *secrets_changed, *(_GRANT_STATE if new_grant else ())]
                target.save(update_fields=fields)
                entry = changed
                action = AuditAction.MAILBOX_UPDATED
            entry |= dict.fromkeys(secrets_changed, "changed")
            if mailbox is None or entry:
                audit.record(actor, action, target, entry)
    except IntegrityError:
        raise Conflict(f"A mailbox named {target.name!r} exists already.") from None
    return target


def delete_mailbox(*, actor: User, mailbox: Mailbox) -> None:
    require(actor, Capability.MAIL_MANAGE, ADMINS_ONLY)
    with transaction.atomic():
        audit.record(actor, AuditAction.MAILBOX_DELETED, mailbox, {})
        mailbox.delete()


# --- connecting a mailbox to its OAuth2 provider ------------------------------------------


def start_connection(*, actor: User, mailbox: Mailbox, redirect_uri: str) -> oauth.Authorization:
    """Where to send the administrator to sign in at the provider (authorization-code flow)."""
    require(actor, Capability.MAIL_MANAGE, ADMINS_ONLY)
    if mailbox.auth != Mailbox.Auth.XOAUTH2:
        raise ValidationFailed.field("auth", "The mailbox does not sign in with OAuth2.")
    if not mailbox.oauth_authorize_url:
        raise ValidationFailed.field(
            "oauth_authorize_url",
            "An authorization URL is needed to connect from here; or paste a refresh token.",
        )
    return oauth.begin_authorization(mailbox, redirect_uri=redirect_uri)


def finish_connection(
    *, actor: User, mailbox: Mailbox, code: str, code_verifier: str, redirect_uri: str
) -> Mailbox:
    """Exchange the code the provider sent back for the grant, and keep it (sealed)."""
    require(actor, Capability.MAIL_MANAGE, ADMINS_ONLY)
    try:
        issued = oauth.exchange_code(
            mailbox, code=code, code_verifier=code_verifier, redirect_uri=redirect_uri
        )
    except oauth.OAuthFailure as exc:
        raise ConnectionRefused(str(exc)) from None
    grant = _GRANT_STATE | {
        "oauth_refresh_token": seal(issued.refresh_token),
        "oauth_access_token": seal(issued.access_token),
        "oauth_expires_at": issued.expires_at,
        "oauth_refreshed_at": issued.issued_at,
    }
    with transaction.atomic():
        Mailbox.objects.filter(pk=mailbox.pk).update(**grant)
        audit.record(
            actor, AuditAction.MAILBOX_CONNECTED, mailbox, {"oauth_refresh_token": "changed"}
        )
    mailbox.refresh_from_db()
    return mailbox


class ConnectionRefused(ServiceError):
    status = 502
    title = "The OAuth2 provider refused"


def poll_now(*, actor: User, mailbox: Mailbox) -> imap.PollResult:
    """Poll now, the administrator waiting; a refused grant is reported without asking the
    provider again."""
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
