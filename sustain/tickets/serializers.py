"""Turning tickets into API answers.

A list page is read with ``values()``: building ~150 model instances per page (tickets and
their users) took longer than the database took to answer. A single ticket is turned into
the same row shape, so one function writes every ticket answer.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

from sustain.accounts.models import User
from sustain.accounts.schemas import user_ref
from sustain.tickets import linking
from sustain.tickets.choices import LINK_INVERSE_LABELS, Channel, LinkKind
from sustain.tickets.models import (
    Attachment,
    Message,
    Ticket,
    TicketLink,
    ticket_number,
    ticket_url,
)
from sustain.tickets.rules import allowed_transitions
from sustain.tickets.schemas import LinkOut, MessageOut, TicketAttachmentOut, TicketDetail
from sustain.tickets.selectors import get_ticket_for, page_names, visible_tickets

Row = Mapping[str, Any]

_OWN_FIELDS = (
    "id",
    "title",
    "kind",
    "maintenance_type",
    "impact",
    "urgency",
    "priority",
    "priority_override_reason",
    "status",
    "channel",
    "organisation_id",
    "team_id",
    "product_id",
    "component_id",
    "version_id",
    "fixed_in_version_id",
    "merged_into_id",
    "created_at",
    "updated_at",
    "public_updated_at",
    "first_response_at",
    "resolved_at",
    "closed_at",
    "revision",
    "requester_id",
    "assignee_id",
)
_USER_FIELDS = ("email", "full_name")
ROW_FIELDS = (
    *_OWN_FIELDS,
    *(f"{role}__{name}" for role in ("requester", "assignee") for name in _USER_FIELDS),
)


def ticket_rows(tickets: QuerySet[Ticket]) -> QuerySet[Ticket, dict[str, Any]]:
    rows: QuerySet[Ticket, dict[str, Any]] = tickets.values(*ROW_FIELDS)
    return rows


def row_of(ticket: Ticket) -> dict[str, Any]:
    """The ``ticket_rows`` shape of one loaded ticket."""
    row = {name: getattr(ticket, name) for name in _OWN_FIELDS}
    for role in ("requester", "assignee"):
        user: User | None = getattr(ticket, role)
        for name in _USER_FIELDS:
            row[f"{role}__{name}"] = getattr(user, name) if user else None
    return row


def _user_of(row: Row, role: str) -> dict[str, Any] | None:
    pk = row[f"{role}_id"]
    if pk is None:
        return None
    email = row[f"{role}__email"]
    return {"id": pk, "name": row[f"{role}__full_name"] or email, "email": email}


@dataclass(frozen=True)
class Lookups:
    """What a page of tickets refers to, fetched once for the whole page."""

    names: dict[tuple[str, int], str]
    tags: dict[int, list[str]]

    @classmethod
    def of(cls, rows: Iterable[Row]) -> Lookups:
        names, tags = page_names(rows)
        return cls(names=names, tags=tags)

    @classmethod
    def of_new(cls, ticket: Ticket, tags: list[str]) -> Lookups:
        """For a ticket just created from objects: its catalogue rows are in hand, and its
        tags are the cleaned names it was given, so nothing needs to be read again."""
        names: dict[tuple[str, int], str] = {}
        for kind in ("organisation", "team", "product", "component", "version", "fixed_in_version"):
            descriptor = getattr(Ticket, kind)
            related = descriptor.field.get_cached_value(ticket, default=None)
            if related is not None:
                names[(kind, related.pk)] = related.name
            elif getattr(ticket, f"{kind}_id") is not None:  # not in hand after all: read
                return cls.of([row_of(ticket)])
        return cls(names=names, tags={ticket.pk: sorted(tags)} if tags else {})

    def named(self, kind: str, pk: int | None) -> dict[str, Any] | None:
        return {"id": pk, "name": self.names.get((kind, pk), "")} if pk is not None else None


def ticket_fields(row: Row, lookups: Lookups, *, customer: bool = False) -> dict[str, Any]:
    """The fields of TicketOut for one row of ``ticket_rows`` (or ``row_of``); a
    ``customer``'s ``updated_at`` is the last change they can see (``public_updated_at``)."""
    number = ticket_number(row["id"])
    return {
        "number": number,
        "title": row["title"],
        "kind": row["kind"],
        "maintenance_type": row["maintenance_type"],
        "impact": row["impact"],
        "urgency": row["urgency"],
        "priority": row["priority"],
        "priority_override_reason": row["priority_override_reason"],
        "status": row["status"],
        "channel": row["channel"],
        "organisation": lookups.named("organisation", row["organisation_id"]),
        "requester": _user_of(row, "requester"),
        "assignee": _user_of(row, "assignee"),
        "team": lookups.named("team", row["team_id"]),
        "product": lookups.named("product", row["product_id"]),
        "component": lookups.named("component", row["component_id"]),
        "version": lookups.named("version", row["version_id"]),
        "fixed_in_version": lookups.named("fixed_in_version", row["fixed_in_version_id"]),
        "tags": lookups.tags.get(row["id"], []),
        "merged_into": ticket_number(row["merged_into_id"]) if row["merged_into_id"] else None,
        "created_at": row["created_at"],
        "updated_at": row["public_updated_at" if customer else "updated_at"],
        "first_response_at": row["first_response_at"],
        "resolved_at": row["resolved_at"],
        "closed_at": row["closed_at"],
        "revision": row["revision"],
        "url": ticket_url(number),
    }


def link_out(link: TicketLink, ticket_id: int, other_title: str) -> LinkOut:
    outgoing = link.source_id == ticket_id
    kind = LinkKind(link.kind)
    return LinkOut(
        id=link.pk,
        kind=kind,
        direction="outgoing" if outgoing else "incoming",
        label=kind.label if outgoing else LINK_INVERSE_LABELS[kind],
        ticket=ticket_number(link.target_id if outgoing else link.source_id),
        title=other_title,
    )


def visible_links(actor: User, ticket: Ticket) -> list[LinkOut]:
    """The ticket's links whose other end ``actor`` may see."""
    all_links = linking.links_of(ticket)

    def other_end(link: TicketLink) -> int:
        return link.target_id if link.source_id == ticket.pk else link.source_id

    others = {other_end(link) for link in all_links}
    if not others:
        return []
    # Links are few; checking just their ends keeps this an indexed lookup at any table size.
    titles = dict(visible_tickets(actor).filter(pk__in=others).values_list("pk", "title"))
    return [
        link_out(link, ticket.pk, titles[other_end(link)])
        for link in all_links
        if other_end(link) in titles
    ]


def ticket_detail(
    actor: User,
    ref: str | int | Ticket,
    *,
    new_watchers: list[User] | None = None,
    new_tags: list[str] | None = None,
) -> TicketDetail:
    """The ticket page. ``new_watchers`` and ``new_tags`` mark a ticket just created with
    those watchers and (cleaned) tags: it has no links yet, and its names are in hand, so
    nothing more needs to be read."""
    # A Ticket is taken as is: after a change the actor may no longer see it (e.g. they handed
    # it to another team), yet the change succeeded and the answer must say so.
    ticket = ref if isinstance(ref, Ticket) else get_ticket_for(actor, ref)
    row = row_of(ticket)
    fresh = new_watchers is not None
    people = new_watchers if new_watchers is not None else ticket.watchers.all()
    watchers = [r for w in sorted(people, key=lambda u: u.email) if (r := user_ref(w)) is not None]
    return TicketDetail(
        **ticket_fields(
            row,
            Lookups.of_new(ticket, new_tags)
            if fresh and new_tags is not None
            else Lookups.of([row]),
            customer=actor.is_customer,
        ),
        watchers=watchers,
        links=[] if fresh else visible_links(actor, ticket),
        allowed_transitions=sorted(allowed_transitions(ticket.status, customer=actor.is_customer)),
    )


def attachment_out(attachment: Attachment) -> TicketAttachmentOut:
    return TicketAttachmentOut(
        id=attachment.pk,
        filename=attachment.filename,
        content_type=attachment.content_type,
        size=attachment.size,
        url=f"/api/v1/attachments/{attachment.pk}",
    )


def message_out(message: Message) -> MessageOut:
    author = user_ref(message.author)
    assert author is not None
    return MessageOut(
        id=message.pk,
        author=author,
        internal=message.is_internal,
        body=message.body,
        channel=Channel(message.channel),
        created_at=message.created_at,
        attachments=[attachment_out(a) for a in message.attachments.all()],
    )
