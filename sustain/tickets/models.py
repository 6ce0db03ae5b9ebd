from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone

from sustain.accounts.models import Organisation, Team, User
from sustain.catalog.models import Component, Product, Version
from sustain.tickets.choices import (
    ApprovalDecision,
    Channel,
    Kind,
    Level,
    LinkKind,
    MaintenanceType,
    Priority,
    Status,
)


def ticket_number(pk: int) -> str:
    """The number people see, e.g. ``SUS-42``: the id behind the configured prefix."""
    return f"{settings.SUSTAIN_TICKET_PREFIX}-{pk}"


def ticket_url(number: str) -> str:
    return f"{settings.SUSTAIN_BASE_URL}/tickets/{number}"


class Tag(models.Model):
    name = models.CharField(max_length=50, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Ticket(models.Model):
    """An issue or request. Its number (``SUS-<id>``) is the only identifier people see."""

    title = models.CharField(max_length=250)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.INCIDENT)
    maintenance_type = models.CharField(
        max_length=20, choices=MaintenanceType.choices, blank=True, default=""
    )
    impact = models.CharField(max_length=10, choices=Level.choices, default=Level.MEDIUM)
    urgency = models.CharField(max_length=10, choices=Level.choices, default=Level.MEDIUM)
    priority = models.PositiveSmallIntegerField(choices=Priority.choices, default=Priority.P3)
    # Set when somebody chose a priority other than the impact × urgency matrix gives.
    priority_override_reason = models.CharField(max_length=500, blank=True, default="")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.NEW)
    channel = models.CharField(max_length=10, choices=Channel.choices, default=Channel.WEB)

    # These four are indexed by Meta.indexes, each led by the column (which serves the
    # foreign key's lookups too): a plain single-column index on top would only slow writes.
    organisation = models.ForeignKey(
        Organisation,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tickets",
        db_index=False,
    )
    requester = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="requested_tickets", db_index=False
    )
    assignee = models.ForeignKey(
        User,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_tickets",
        db_index=False,
    )
    team = models.ForeignKey(
        Team,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="tickets",
        db_index=False,
    )
    product = models.ForeignKey(
        Product, null=True, blank=True, on_delete=models.SET_NULL, related_name="tickets"
    )
    component = models.ForeignKey(
        Component, null=True, blank=True, on_delete=models.SET_NULL, related_name="tickets"
    )
    # The affected version: the one the ticket was raised against.
    version = models.ForeignKey(
        Version, null=True, blank=True, on_delete=models.SET_NULL, related_name="tickets"
    )
    # The version that ships the fix; its release record (sustain.releases), once published,
    # tells the ticket's reporter and watchers.
    fixed_in_version = models.ForeignKey(
        Version, null=True, blank=True, on_delete=models.SET_NULL, related_name="fixed_tickets"
    )
    tags = models.ManyToManyField(Tag, blank=True, related_name="tickets")
    watchers = models.ManyToManyField(User, blank=True, related_name="watched_tickets")
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="merged_tickets"
    )

    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    # The last change its customer can see (a public message, the status, the title…: see
    # tickets.activity.CUSTOMER_VISIBLE_FIELDS): the portal's "last update", and what a
    # customer's lists sort by. updated_at also moves on internal notes and on what only staff
    # see (assignee, priority, tags), which must not show on the customer's side.
    public_updated_at = models.DateTimeField(default=timezone.now)
    first_response_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    # Bumped on every change so that an edit based on a stale copy can be refused.
    revision = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-updated_at", "-id"]
        indexes = [
            models.Index(fields=["-updated_at", "-id"], name="ticket_updated_idx"),
            # With the columns of the agents' visibility rule, like the organisation index
            # below: an agent's list filtered by status is read from the index alone.
            models.Index(
                fields=["status", "-updated_at", "-id"],
                name="ticket_status_idx",
                include=["team", "assignee"],
            ),
            # The id too: a list filtered by status and sorted by team reads a team's matching
            # ids from the index alone (sustain.core.pagination, the walk's probes).
            models.Index(
                fields=["team", "status", "-updated_at"], name="ticket_team_idx", include=["id"]
            ),
            models.Index(fields=["assignee", "status", "-updated_at"], name="ticket_assignee_idx"),
            # Carries the columns the agents' visibility rule reads, so that "all tickets of
            # an organisation" is answered from the index alone (PostgreSQL).
            models.Index(
                fields=["organisation", "-updated_at", "-id"],
                name="ticket_org_idx",
                include=["team", "assignee"],
            ),
            models.Index(fields=["requester", "-updated_at"], name="ticket_requester_idx"),
            # The portal's "requests of my organisation", newest news first.
            models.Index(
                fields=["organisation", "-public_updated_at", "-id"], name="ticket_org_public_idx"
            ),
            models.Index(fields=["priority", "-updated_at"], name="ticket_priority_idx"),
            # The queue sorts by title; on PostgreSQL a trigram index (migration 0003) also
            # serves the queue's word search.
            models.Index(fields=["title", "id"], name="ticket_title_idx"),
            # A list sorted by a related name walks each person's, team's or organisation's
            # tickets in id order (core.pagination.paginate_by_name).
            models.Index(fields=["assignee", "id"], name="ticket_assignee_id_idx"),
            models.Index(fields=["team", "id"], name="ticket_team_id_idx"),
            models.Index(fields=["organisation", "id"], name="ticket_org_id_idx"),
            # With the columns of the agents' visibility rule, so that a walk probing a
            # requester whose tickets the agent may not read stays in the index.
            models.Index(
                fields=["requester", "id"],
                name="ticket_requester_id_idx",
                include=["team", "assignee"],
            ),
            # An agent's list sorted by team or organisation walks only the groups that hold
            # tickets they may read (tickets.selectors.teams_holding_visible).
            models.Index(fields=["assignee", "team"], name="ticket_assignee_team_idx"),
            models.Index(fields=["organisation", "team"], name="ticket_org_team_idx"),
            models.Index(fields=["requester", "team"], name="ticket_requester_team_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    @property
    def number(self) -> str:
        return ticket_number(self.pk)


class Message(models.Model):
    """A public reply or an internal note on a ticket."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(User, on_delete=models.PROTECT, related_name="messages")
    is_internal = models.BooleanField(default=False)
    body = models.TextField()
    channel = models.CharField(max_length=10, choices=Channel.choices, default=Channel.WEB)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["ticket", "created_at"], name="message_ticket_idx")]

    def __str__(self) -> str:
        kind = "note" if self.is_internal else "reply"
        return f"{kind} on ticket {self.ticket_id} by {self.author_id}"


def attachment_path(instance: Attachment, filename: str) -> str:
    # The stored name never contains the user's file name: no path tricks, no collisions.
    return f"attachments/{instance.sha256[:2]}/{instance.sha256}"


class Attachment(models.Model):
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="attachments")
    message = models.ForeignKey(
        Message, null=True, blank=True, on_delete=models.CASCADE, related_name="attachments"
    )
    uploaded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    file = models.FileField(upload_to=attachment_path, max_length=200)
    filename = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.filename


class TicketLink(models.Model):
    """A directed link: ``source`` <kind> ``target`` (e.g. SUS-2 is a duplicate of SUS-1)."""

    source = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="links_out")
    target = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="links_in")
    kind = models.CharField(max_length=20, choices=LinkKind.choices)
    created_by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["source", "target", "kind"], name="ticketlink_unique"),
            models.CheckConstraint(
                condition=~models.Q(source=models.F("target")), name="ticketlink_not_self"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.source_id} {self.kind} {self.target_id}"


class Activity(models.Model):
    """One entry of a ticket's history: who changed what, from which channel, when."""

    class Action(models.TextChoices):
        CREATED = "created", "Created"
        CHANGED = "changed", "Changed"
        REPLIED = "replied", "Replied"
        NOTED = "noted", "Added a note"
        ATTACHED = "attached", "Attached a file"
        LINKED = "linked", "Linked"
        UNLINKED = "unlinked", "Unlinked"
        MERGED = "merged", "Merged"
        WATCHED = "watched", "Watchers changed"

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="activities")
    actor = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    # The code of the system actor (sustain.accounts.actors) that made the change, when no
    # person did: ``actor`` is then NULL.
    system_actor = models.CharField(max_length=30, blank=True, default="")
    channel = models.CharField(max_length=10, choices=Channel.choices)
    action = models.CharField(max_length=20, choices=Action.choices)
    field = models.CharField(max_length=50, blank=True, default="")
    old_value = models.TextField(blank=True, default="")
    new_value = models.TextField(blank=True, default="")
    message = models.ForeignKey(
        Message, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name_plural = "activities"
        indexes = [models.Index(fields=["ticket", "created_at"], name="activity_ticket_idx")]

    def __str__(self) -> str:
        return f"{self.action} {self.field} on ticket {self.ticket_id}"


class SavedView(models.Model):
    """A named set of queue filters; its owner may share it with one team."""

    owner = models.ForeignKey(User, on_delete=models.CASCADE, related_name="saved_views")
    name = models.CharField(max_length=100)
    # The queue's own query parameters (e.g. {"status": ["open"], "team": ["3"]}), checked by
    # the queue's filter form before they are stored and again whenever they are read.
    filters = models.JSONField(default=dict, blank=True)
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="saved_views"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["owner", "name"], name="savedview_owner_name_unique"),
        ]

    def __str__(self) -> str:
        return self.name


APPROVAL_COMMENT_MAX_LENGTH = 1000


class ChangeApproval(models.Model):
    """One decision on a change ticket (``kind`` change): approved or rejected, by whom, when,
    with a comment. Decisions are never changed or deleted; the latest one is the ticket's
    approval state (``tickets.approvals``)."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="approvals")
    decision = models.CharField(max_length=10, choices=ApprovalDecision.choices)
    decided_by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    comment = models.CharField(max_length=APPROVAL_COMMENT_MAX_LENGTH, blank=True, default="")
    channel = models.CharField(max_length=10, choices=Channel.choices, default=Channel.WEB)
    decided_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["decided_at", "id"]
        indexes = [
            models.Index(fields=["ticket", "decided_at", "id"], name="change_approval_ticket_idx")
        ]

    def __str__(self) -> str:
        return f"{self.decision} ticket {self.ticket_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise TypeError("A decision on a change cannot be changed; record a new one.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise TypeError("Decisions on changes cannot be deleted.")


CHECKLIST_ITEM_MAX_LENGTH = 500
CHECKLIST_MAX_ITEMS = 100


class ChecklistItem(models.Model):
    """One step of a ticket's checklist (``tickets.checklists``): a mandatory step must be
    done before the ticket may be resolved or closed."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="checklist")
    position = models.PositiveIntegerField(default=0)
    text = models.CharField(max_length=CHECKLIST_ITEM_MAX_LENGTH)
    mandatory = models.BooleanField(default=False)
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The code of the system actor that ticked it, when no person did.
    done_by_system = models.CharField(max_length=30, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["position", "id"]
        indexes = [models.Index(fields=["ticket", "position"], name="checklist_ticket_idx")]

    def __str__(self) -> str:
        return self.text

    @property
    def done(self) -> bool:
        return self.done_at is not None
