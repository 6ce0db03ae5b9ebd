"""The ticket page's timeline: messages and the activity log as one list, in three queries.

Messages, their attachments and the activity rows are read once each, whatever the length of
the conversation; the newest ``limit`` of each are shown, with a flag when older ones exist.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import Prefetch

from sustain.accounts.models import User
from sustain.tickets.activity import actor_name, display_change
from sustain.tickets.models import Activity, Attachment, Message, Ticket

TIMELINE_LIMIT = 200
# Changes by one person within this span read as one compact line ("changed status, team").
_GROUP_SPAN = timedelta(minutes=2)
# These actions are shown by the message they point to, not as a separate line.
_MESSAGE_ACTIONS = frozenset(
    {Activity.Action.CREATED, Activity.Action.REPLIED, Activity.Action.NOTED}
)
_FIELD_LABELS = {
    "priority_reason": "priority reason",
    "maintenance_type": "maintenance type",
    "merged_into": "merged into",
    "merged_from": "merged from",
    "assignee_reason": "assignment reason",
    "version": "affected version",
    "fixed_in_version": "fixed-in version",
    "approval": "change approval",
    "approval_comment": "approval comment",
}
# Checklist entries (tickets.checklists) and preventive maintenance's notes read as sentences.
_CHECKLIST_EVENTS = {
    "checklist_added": "added checklist item: {}",
    "checklist_done": "ticked checklist item: {}",
    "checklist_undone": "opened checklist item again: {}",
    "preventive_missed": "escalated a missed occurrence: {}",
}


@dataclass(frozen=True)
class Change:
    """One system event, worded for the timeline."""

    text: str
    activity: Activity

    @property
    def by(self) -> str:
        """Who made it: a person, or the part of Sustain that acted (SLA escalation)."""
        return actor_name(self.activity)


@dataclass
class Entry:
    """A message, or a run of events by one person: what one line of the timeline shows."""

    at: datetime
    message: Message | None = None
    actor: User | None = None
    # Who made a run of events, as it reads ("Alice", "SLA escalation").
    by: str = ""
    changes: list[Change] = field(default_factory=list)
    first: bool = False

    @property
    def is_event(self) -> bool:
        return self.message is None

    @property
    def label(self) -> str:
        """The accessible name of the entry: who wrote what."""
        message = self.message
        if message is None:
            return f"Changes by {self.by}"
        author = message.author.display_name
        if self.first:
            return f"Ticket opened by {author}"
        if message.is_internal:
            return f"Internal note from {author}"
        return f"Reply from {author}"


@dataclass(frozen=True)
class Timeline:
    entries: list[Entry]
    attachments: list[Attachment]
    # The newest activity id: what the page has seen, for the conflict and poll checks.
    last_activity_id: int
    truncated: bool


def describe(activity: Activity) -> str:
    """A short sentence for one activity row; coded values read as their labels."""
    action = activity.action
    name = _FIELD_LABELS.get(activity.field, activity.field)
    old, new = display_change(activity)
    if action == Activity.Action.LINKED:
        return f"linked: {new}"
    if action == Activity.Action.UNLINKED:
        return f"removed link: {old}"
    if action == Activity.Action.MERGED:
        return f"{name} {new}"
    if action == Activity.Action.WATCHED:
        return f"watchers: {new or 'nobody'}"
    if action == Activity.Action.ATTACHED:
        return f"attached {new}"
    if activity.field in _CHECKLIST_EVENTS:
        return _CHECKLIST_EVENTS[activity.field].format(new)
    if name == "priority":
        # The short form the queue shows ("P2"), not the full label.
        old, new = (f"P{v}" if v.isdigit() else v for v in (activity.old_value, activity.new_value))
    if not old:
        return f"set {name} to {new}"
    if not new:
        return f"cleared {name} (was {old})"
    return f"changed {name} from {old} to {new}"


def build_timeline(ticket: Ticket, *, limit: int = TIMELINE_LIMIT) -> Timeline:
    """Messages (with authors and files) and events of ``ticket``, oldest first."""
    messages = list(
        Message.objects.filter(ticket=ticket)
        .select_related("author")
        .prefetch_related(Prefetch("attachments", queryset=Attachment.objects.order_by("id")))
        .order_by("-created_at", "-id")[: limit + 1]
    )
    activities = list(
        Activity.objects.filter(ticket=ticket)
        .select_related("actor")
        .order_by("-created_at", "-id")[: limit + 1]
    )
    truncated = len(messages) > limit or len(activities) > limit
    messages, activities = messages[:limit][::-1], activities[:limit][::-1]
    created_message = next(
        (a.message_id for a in activities if a.action == Activity.Action.CREATED), None
    )
    events = [a for a in activities if a.action not in _MESSAGE_ACTIONS]
    # Messages before the events of the same instant: a reply comes before the status
    # change it caused.
    stream: list[tuple[datetime, int, Message | Activity]] = sorted(
        [(m.created_at, 0, m) for m in messages] + [(a.created_at, 1, a) for a in events],
        key=lambda item: (item[0], item[1], item[2].pk),
    )
    entries: list[Entry] = []
    for at, _, item in stream:
        if isinstance(item, Message):
            entries.append(Entry(at=at, message=item, first=item.pk == created_message))
        else:
            _add_event(entries, item)
    files = [a for m in messages for a in m.attachments.all()]
    return Timeline(
        entries=entries,
        attachments=files,
        last_activity_id=max((a.pk for a in activities), default=0),
        truncated=truncated,
    )


def _add_event(entries: list[Entry], activity: Activity) -> None:
    """Append ``activity``, joining the previous line when the same person (or the same part
    of Sustain) made both changes moments apart with nothing in between."""
    last = entries[-1] if entries else None
    change = Change(text=describe(activity), activity=activity)
    if (
        last is not None
        and last.is_event
        and _same_actor(last.changes[-1].activity, activity)
        and activity.created_at - last.at <= _GROUP_SPAN
    ):
        last.changes.append(change)
    else:
        entry = Entry(at=activity.created_at, actor=activity.actor, by=change.by, changes=[change])
        entries.append(entry)


def _same_actor(one: Activity, other: Activity) -> bool:
    if one.actor_id is not None:
        return one.actor_id == other.actor_id
    return bool(one.system_actor) and one.system_actor == other.system_actor


def changes_since(ticket_id: int, activity_id: int, *, limit: int = 20) -> list[Change]:
    """What happened to the ticket after the activity the page last saw (conflicts, polls)."""
    rows = (
        Activity.objects.filter(ticket_id=ticket_id, pk__gt=activity_id)
        .select_related("actor")
        .order_by("id")[:limit]
    )
    return [Change(text=_describe_any(a), activity=a) for a in rows]


def _describe_any(activity: Activity) -> str:
    if activity.action == Activity.Action.REPLIED:
        return "replied"
    if activity.action == Activity.Action.NOTED:
        return "added an internal note"
    if activity.action == Activity.Action.CREATED:
        return "opened the ticket"
    return describe(activity)
