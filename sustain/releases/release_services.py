"""Release records: create a draft, edit it, publish it (which tells the people of the fixed
tickets), delete a draft. One transaction each; the acting user is checked for
``release_notes.write``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from sustain.accounts.models import User
from sustain.catalog.models import Version
from sustain.core.errors import Conflict, ValidationFailed
from sustain.core.permissions import Capability, require
from sustain.releases.fanout import FanOut, tell_fixes
from sustain.releases.release_models import Release, ReleaseKind, ReleaseStatus
from sustain.releases.release_notes import FixedTicket, draft_notes, render_notes
from sustain.releases.release_selectors import get_release_for
from sustain.tickets.models import Ticket

MAY_NOT = "Your role cannot write or publish release notes."
NOTES_MAX = 100_000
EDITABLE = frozenset({"kind", "date", "notes"})


def drafted_notes(version: Version) -> str:
    """The first draft of ``version``'s notes, from the resolved tickets fixed in it."""
    rows = Ticket.objects.filter(fixed_in_version=version).values_list(
        "title", "kind", "maintenance_type", "status", "organisation_id"
    )
    tickets = [
        FixedTicket(title, kind, maintenance_type, status, internal=organisation is None)
        for title, kind, maintenance_type, status, organisation in rows
    ]
    return draft_notes(f"{version.product.name} {version.name}", tickets)


def create_release(
    *,
    actor: User,
    version: Version,
    kind: str = ReleaseKind.PATCH,
    release_date: date | None = None,
    notes: str | None = None,
) -> Release:
    """A draft release of ``version``; without ``notes`` they are drafted from its tickets."""
    require(actor, Capability.RELEASE_NOTES_WRITE, MAY_NOT)
    _check_kind(kind)
    text = drafted_notes(version) if notes is None else _check_notes(notes)
    release = Release(
        version=version,
        kind=kind,
        date=release_date,
        notes=text,
        notes_html=render_notes(text),
        created_by=actor,
    )
    try:
        with transaction.atomic():
            release.save()
    except IntegrityError:
        raise Conflict(
            f"{version} has a release record already; edit that one.",
            errors={"version": ["has a release already"]},
        ) from None
    return release


def update_release(
    *,
    actor: User,
    release_id: int,
    changes: dict[str, Any],
    expected_revision: int | None = None,
) -> Release:
    """Change the kind, date or notes. A published release may be corrected; nobody is told
    again."""
    require(actor, Capability.RELEASE_NOTES_WRITE, MAY_NOT)
    unknown = set(changes) - EDITABLE
    if unknown:
        raise ValidationFailed.field(sorted(unknown)[0], "This field cannot be changed.")
    with transaction.atomic():
        release = get_release_for(actor, release_id, for_update=True)
        if expected_revision is not None and expected_revision != release.revision:
            raise Conflict(
                f"The release was changed by someone else (revision {release.revision}, you "
                f"had {expected_revision}). Reload it and apply your change again.",
                errors={"revision": [f"current revision is {release.revision}"]},
            )
        if "kind" in changes:
            _check_kind(changes["kind"])
            release.kind = changes["kind"]
        if "date" in changes:
            release.date = changes["date"]
        if "notes" in changes:
            release.notes = _check_notes(changes["notes"])
            release.notes_html = render_notes(release.notes)
        release.revision += 1
        release.updated_at = timezone.now()
        release.save()
    return release


@dataclass(frozen=True)
class Published:
    release: Release
    # What this call did; None when the release was published already (a retry).
    fan_out: FanOut | None


def publish_release(*, actor: User, release_id: int) -> Published:
    """Publish the release and tell the reporters and watchers of its fixed tickets, once.

    Publishing a published release changes nothing and tells nobody again: a retried request
    (a timeout, a double click) is harmless."""
    require(actor, Capability.RELEASE_NOTES_WRITE, MAY_NOT)
    with transaction.atomic():
        release = get_release_for(actor, release_id, for_update=True)
        if release.is_published:
            return Published(release, None)
        if not release.notes.strip():
            raise ValidationFailed.field("notes", "Write the release notes before publishing.")
        now = timezone.now()
        release.status = ReleaseStatus.PUBLISHED
        release.published_at = now
        release.published_by = actor
        release.date = release.date or timezone.localdate(now)
        release.revision += 1
        release.updated_at = now
        release.save()
        fan_out = tell_fixes(release)
    return Published(release, fan_out)


def delete_release(*, actor: User, release_id: int) -> None:
    """Delete a draft. A published release stays: people were told of it."""
    require(actor, Capability.RELEASE_NOTES_WRITE, MAY_NOT)
    with transaction.atomic():
        release = get_release_for(actor, release_id, for_update=True)
        if release.is_published:
            raise Conflict("A published release cannot be deleted; correct its notes instead.")
        release.delete()


def _check_kind(kind: str) -> None:
    if kind not in ReleaseKind.values:
        allowed = ", ".join(ReleaseKind.values)
        raise ValidationFailed.field("kind", f"'{kind}' is not one of: {allowed}.")


def _check_notes(notes: str) -> str:
    if len(notes) > NOTES_MAX:
        raise ValidationFailed.field("notes", f"At most {NOTES_MAX:,} characters.")
    return notes.strip() + "\n" if notes.strip() else ""
