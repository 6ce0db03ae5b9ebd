"""Settings: the audit log of changes to people and access (administrators only)."""

from __future__ import annotations

from datetime import date, datetime, time

from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from sustain.accounts import audit
from sustain.accounts.access import capability_required, signed_in_user
from sustain.accounts.choices import AuditAction
from sustain.accounts.settings.common import page_of, query_without
from sustain.core.htmx import render_page
from sustain.core.ids import parse_id
from sustain.core.permissions import Capability

# The filter's choices: each kind of target, then every single action.
KINDS = [
    ("user.", "People"),
    ("contact.", "Contacts"),
    ("token.", "API tokens"),
    ("organisation.", "Organisations"),
    ("team.", "Teams"),
    ("mailbox.", "Mailboxes"),
]
ACTION_CHOICES = KINDS + [(a.value, a.label) for a in AuditAction]


def _int(raw: str | None) -> int | None:
    return parse_id(raw)


def _since(raw: str) -> datetime | None:
    """The start of the given day in the viewer's time zone."""
    try:
        day = date.fromisoformat(raw)
    except ValueError:
        return None
    return datetime.combine(day, time.min, tzinfo=timezone.get_current_timezone())


@capability_required(Capability.AUDIT_READ)
def audit_log(request: HttpRequest) -> HttpResponse:
    action = request.GET.get("action", "")
    if action not in dict(ACTION_CHOICES):
        action = ""
    target_type = request.GET.get("target_type", "")
    # Read per request: apps above register their targets in ready().
    if target_type not in audit.TARGET_TYPES.values():
        target_type = ""
    since = request.GET.get("since", "").strip()
    entries = audit.entries_for(
        signed_in_user(request),
        actor_id=_int(request.GET.get("actor")),
        action=action or None,
        target_type=target_type or None,
        target_id=_int(request.GET.get("target_id")) if target_type else None,
        since=_since(since),
    )
    page = page_of(request, entries, order="-created_at")
    context = {
        "nav": "settings",
        "section": "audit",
        "page": page,
        "rows": [(entry, audit.readable(entry.changes)) for entry in page.items],
        "action": action,
        "actions": ACTION_CHOICES,
        "since": since,
        "filtered": bool(action or since or request.GET.get("actor") or target_type),
        "target_type": target_type,
        "target_id": request.GET.get("target_id", ""),
        "actor": request.GET.get("actor", ""),
        "pager_query": query_without(request, "cursor"),
    }
    return render_page(request, "accounts/settings/audit.html", context, partial="results")
