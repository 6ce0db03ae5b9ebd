"""The audit log of changes to people and access: writing entries, and reading them (admins).

Services call ``record`` inside the transaction of their change, so an entry exists exactly
when the change does. ``changes`` maps a field to ``[old, new]``; a set of members maps to
``{"added": [...], "removed": [...]}``. Values are stored as readable text (e-mail addresses,
names, ISO times) rather than ids, so that an entry means the same after its subjects change.
Passwords, tokens and their digests are never passed in.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from enum import Enum
from typing import Any

from django.db.models import Model, QuerySet

from sustain.accounts.choices import AuditAction
from sustain.accounts.models import ApiToken, AuditEntry, Organisation, Team, User
from sustain.core import fastsql
from sustain.core.permissions import Capability, require

Changes = dict[str, Any]

TARGET_TYPES: dict[type[Model], str] = {
    User: "user",
    Organisation: "organisation",
    Team: "team",
    ApiToken: "token",
}


def register_target(model: type[Model], name: str) -> None:
    """Let an app above record entries about its own model (the mailboxes' credentials);
    called from that app's ``AppConfig.ready()``."""
    TARGET_TYPES[model] = name


def value(raw: Any) -> Any:
    """A JSON value that reads well: people by e-mail, organisations and teams by name."""
    if isinstance(raw, User):
        return raw.email
    if isinstance(raw, Organisation | Team):
        return raw.name
    if isinstance(raw, Enum):
        return raw.value
    if isinstance(raw, datetime | date):
        return raw.isoformat()
    if isinstance(raw, list | tuple):
        return [value(item) for item in raw]
    return raw


def snapshot(obj: Model, fields: Iterable[str]) -> dict[str, Any]:
    return {field: value(getattr(obj, field)) for field in fields}


def diff(before: Mapping[str, Any], after: Mapping[str, Any], fields: Iterable[str]) -> Changes:
    """``{field: [old, new]}`` for the fields whose value really changed."""
    changed: Changes = {}
    for field in fields:
        old, new = value(before.get(field)), value(after.get(field))
        if old != new:
            changed[field] = [old, new]
    return changed


def created(obj: Model, fields: Iterable[str]) -> Changes:
    """The initial values of a new object, as changes from nothing."""
    return {field: [None, new] for field, new in snapshot(obj, fields).items()}


def label(target: Model) -> str:
    if isinstance(target, User):
        return target.email
    if isinstance(target, ApiToken):
        # The owner, not the prefix: the prefix is a piece of the token.
        return f"{target.name} (token of {target.user.email})"
    return str(target)


def record(
    actor: User | None, action: AuditAction, target: Model, changes: Changes | None = None
) -> AuditEntry:
    """Write one entry; call it inside the transaction of the change it describes."""
    # isinstance, not type(): request.user is a lazy proxy of a User.
    target_type = next(name for model, name in TARGET_TYPES.items() if isinstance(target, model))
    assert target.pk is not None
    entry = AuditEntry(
        actor=actor,
        action=action,
        target_type=target_type,
        target_id=target.pk,
        target_label=label(target)[:300],
        changes=changes or {},
    )
    # Every audited change writes one: the statement is written once (core/fastsql.py).
    fastsql.insert(entry)
    return entry


# --- reading ------------------------------------------------------------------------------
def entries_for(
    viewer: User,
    *,
    actor_id: int | None = None,
    action: str | None = None,
    target_type: str | None = None,
    target_id: int | None = None,
    since: datetime | None = None,
) -> QuerySet[AuditEntry]:
    """The entries an administrator reads; ``action`` matches a prefix (``user.`` or
    ``user.updated``)."""
    require(viewer, Capability.AUDIT_READ, "Only administrators may read the audit log.")
    entries = AuditEntry.objects.select_related("actor")
    if actor_id is not None:
        entries = entries.filter(actor_id=actor_id)
    if action:
        entries = entries.filter(action__startswith=action)
    if target_type:
        entries = entries.filter(target_type=target_type)
    if target_id is not None:
        entries = entries.filter(target_id=target_id)
    if since is not None:
        entries = entries.filter(created_at__gte=since)
    return entries


def readable(changes: Mapping[str, Any]) -> list[tuple[str, str]]:
    """``(field, "old → new")`` lines for a page."""

    def text(raw: Any) -> str:
        if raw is None or raw == "" or raw == []:
            return "—"
        if isinstance(raw, list):
            return ", ".join(str(item) for item in raw)
        if isinstance(raw, bool):
            return "yes" if raw else "no"
        return str(raw)

    lines: list[tuple[str, str]] = []
    for field, change in changes.items():
        name = field.replace("_", " ")
        if isinstance(change, dict):
            parts = [
                f"{kind} {text(change[kind])}" for kind in ("added", "removed") if change.get(kind)
            ]
            lines.append((name, "; ".join(parts)))
        elif isinstance(change, list) and len(change) == 2:
            old, new = change
            lines.append((name, text(new) if old is None else f"{text(old)} → {text(new)}"))
        else:
            lines.append((name, text(change)))
    return lines
