from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from sustain.accounts.schemas import OrganisationRef, TeamRef, UserRef
from sustain.core.schemas import Id, In, Out, Quantity, Ref, omittable
from sustain.tickets.choices import Channel, Kind, Level, LinkKind, MaintenanceType, Status


class TicketOut(Out):
    number: str
    title: str
    kind: Kind
    maintenance_type: MaintenanceType | Literal[""]
    impact: Level
    urgency: Level
    priority: int = Field(..., description="1 (critical) to 4 (low)")
    priority_override_reason: str
    status: Status
    channel: Channel
    organisation: OrganisationRef | None
    requester: UserRef
    assignee: UserRef | None
    team: TeamRef | None
    product: Ref | None
    component: Ref | None
    version: Ref | None = Field(..., description="The affected version")
    fixed_in_version: Ref | None = Field(
        ...,
        description="The version that ships the fix; its release, once published, tells the "
        "ticket's reporter and watchers",
    )
    tags: list[str]
    merged_into: str | None
    created_at: datetime
    updated_at: datetime = Field(
        ...,
        description="The last change. For a customer, the last change they can see (a public "
        "message, the status, the title…), never an internal note; `ordering` and "
        "`updated_since` then use it too.",
    )
    first_response_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None
    revision: int
    url: str


class LinkOut(Out):
    id: int
    kind: LinkKind
    direction: Literal["outgoing", "incoming"]
    label: str
    ticket: str
    title: str


class TicketDetail(TicketOut):
    watchers: list[UserRef]
    links: list[LinkOut]
    allowed_transitions: list[Status]


class TicketPage(Out):
    items: list[TicketOut]
    next_cursor: str | None = Field(None, description="Pass as `cursor` for the next page.")


class TicketIn(In):
    title: str = Field(..., min_length=1, max_length=250)
    description: str = Field(..., min_length=1)
    kind: Kind = Kind.INCIDENT
    maintenance_type: MaintenanceType | Literal[""] = ""
    impact: Level = Level.MEDIUM
    urgency: Level = Level.MEDIUM
    priority: int | None = Field(None, ge=1, le=4)
    priority_reason: str = Field("", max_length=500)
    requester_id: Id | None = None
    organisation_id: Id | None = None
    team_id: Id | None = None
    assignee_id: Id | None = None
    product_id: Id | None = None
    component_id: Id | None = None
    version_id: Id | None = Field(None, description="The affected version")
    fixed_in_version_id: Id | None = None
    tags: list[str] = []
    watcher_ids: list[Id] = []


class TicketPatch(In):
    """A change: only the fields sent change. A field typed with ``| None`` may be null (an id
    clears the relation, a null priority returns to what impact and urgency give); the others
    may be left out, not sent as null."""

    title: str = omittable(min_length=1, max_length=250)
    kind: Kind = omittable()
    maintenance_type: MaintenanceType | Literal[""] | None = None
    impact: Level = omittable()
    urgency: Level = omittable()
    priority: int | None = Field(None, ge=1, le=4)
    priority_reason: str = omittable(max_length=500)
    status: Status = omittable()
    requester_id: Id = omittable()
    organisation_id: Id | None = None
    team_id: Id | None = None
    assignee_id: Id | None = None
    product_id: Id | None = None
    component_id: Id | None = None
    version_id: Id | None = Field(None, description="The affected version")
    fixed_in_version_id: Id | None = Field(None, description="The version that ships the fix")
    tags: list[str] = omittable()
    watcher_ids: list[Id] = omittable()
    revision: Quantity | None = Field(
        None, description="The revision you edited; a newer one on the server gives 409."
    )


class BulkIn(In):
    tickets: list[str] = Field(..., min_length=1, max_length=500)
    changes: TicketPatch


class TicketTransitionIn(In):
    status: Status


class TransitionsOut(Out):
    status: Status
    allowed: list[Status]


class MessageIn(In):
    body: str = Field(..., min_length=1)
    internal: bool = False


class TicketAttachmentOut(Out):
    id: int
    filename: str
    content_type: str
    size: int
    url: str


class MessageOut(Out):
    id: int
    author: UserRef
    internal: bool
    body: str
    channel: Channel
    created_at: datetime
    attachments: list[TicketAttachmentOut]


class ActivityOut(Out):
    id: int
    actor: UserRef | None
    system_actor: str | None = Field(
        None,
        description="The part of Sustain that made the change when no person did "
        "(e.g. sla_escalation, email)",
    )
    channel: Channel
    action: str
    field: str
    old_value: str
    new_value: str
    message_id: int | None
    created_at: datetime


class LinkIn(In):
    target: str = Field(..., description="The other ticket, e.g. SUS-12")
    kind: LinkKind


class MergeIn(In):
    target: str = Field(..., description="The ticket to merge this one into, e.g. SUS-12")
