"""Which tickets a user may see, and lookups that check it."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import Exists, Model, OuterRef, Q, QuerySet

from sustain.accounts.models import Organisation, Team, User
from sustain.catalog.models import Component, Product, Version
from sustain.core.errors import NotFound
from sustain.core.permissions import Capability
from sustain.tickets.models import Attachment, Tag, Ticket, ticket_number


def visible_tickets(user: User) -> QuerySet[Ticket]:
    """The tickets ``user`` may read. Every ticket read in Sustain starts here."""
    tickets = Ticket.objects.all()
    if not user.is_active:
        return tickets.none()
    if user.can(Capability.TICKETS_READ_ALL):
        return tickets
    if user.is_staff_member:
        # Tickets without a team are the shared triage queue.
        return tickets.filter(
            Q(team__in=user.teams.values("pk")) | Q(team__isnull=True) | Q(assignee=user)
        )
    # A subquery, not a join: a join on watchers would repeat a ticket once per watcher.
    watched = Q(pk__in=Ticket.watchers.through.objects.filter(user=user).values("ticket_id"))
    if user.can(Capability.TICKETS_READ_ORGANISATION) and user.organisation_id is not None:
        return tickets.filter(Q(organisation_id=user.organisation_id) | Q(requester=user) | watched)
    return tickets.filter(Q(requester=user) | watched)


def teams_holding_visible(user: User) -> set[int] | None:
    """The teams whose tickets hold every ticket with a team that ``user`` may read, or
    None when that is every team (or ``user`` reads no team's tickets by team).

    For an agent: their teams, and the teams of tickets assigned to them (kept after they
    left a team).
    """
    if not user.is_active or user.can(Capability.TICKETS_READ_ALL) or not user.is_staff_member:
        return None
    return set(user.teams.values_list("pk", flat=True)) | _teams_assigned_to(user)


def groups_holding_visible[M: Model](user: User, relation: str, groups: QuerySet[M]) -> QuerySet[M]:
    """``groups`` (the teams, organisations, requesters or assignees of tickets, named by
    ``relation``) narrowed to those that can hold a ticket ``user`` may read: for an agent,
    one in ``teams_holding_visible`` or in no team (the shared triage queue). A list sorted
    by their names walks only these; each is a probe of a (relation, team) index, where the
    walk would read every ticket of a group that holds none the agent may see."""
    held = teams_holding_visible(user)
    if held is None:
        return groups
    if relation == "team":
        return groups.filter(pk__in=held)
    tickets = Ticket.objects.filter(**{relation: OuterRef("pk")})
    return groups.filter(
        Exists(tickets.filter(team__in=held)) | Exists(tickets.filter(team__isnull=True))
    )


def _teams_assigned_to(user: User) -> set[int]:
    # A skip scan of the (assignee, team) index: one probe per team, however many tickets
    # the agent holds (reading them all takes a heap visit each for recent tickets).
    quote = connection.ops.quote_name
    table = quote(Ticket._meta.db_table)
    sql = (
        f"WITH RECURSIVE seen(team_id) AS ("  # noqa: S608 (names, not input)
        f"  SELECT * FROM (SELECT team_id FROM {table} WHERE assignee_id = %s"
        f"    AND team_id IS NOT NULL ORDER BY team_id LIMIT 1) AS head"
        f"  UNION ALL"
        f"  SELECT (SELECT t.team_id FROM {table} t WHERE t.assignee_id = %s"
        f"    AND t.team_id > seen.team_id ORDER BY t.team_id LIMIT 1)"
        f"  FROM seen WHERE seen.team_id IS NOT NULL"
        f") SELECT team_id FROM seen WHERE team_id IS NOT NULL"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [user.pk, user.pk])
        return {int(row[0]) for row in cursor.fetchall()}


def parse_ticket_ref(ref: str | int) -> int | None:
    """Accept ``SUS-12``, ``sus-12``, ``12`` or 12."""
    if isinstance(ref, int):
        return ref
    text = ref.strip()
    prefix = settings.SUSTAIN_TICKET_PREFIX.lower() + "-"
    if text.lower().startswith(prefix):
        text = text[len(prefix) :]
    return int(text) if text.isdigit() else None


def get_ticket_for(user: User, ref: str | int, *, for_update: bool = False) -> Ticket:
    """The ticket, if ``user`` may read it; otherwise NotFound (never reveal that it exists)."""
    ticket_id = parse_ticket_ref(ref)
    if ticket_id is None:
        raise NotFound(f"'{ref}' is not a ticket number.")
    # Only the two user joins: PostgreSQL spends far longer planning a seven-way join than
    # running it, and the small catalogue rows are cheaper to fetch one by one when needed.
    tickets = visible_tickets(user).select_related("requester", "assignee")
    if for_update:
        tickets = tickets.select_for_update(of=("self",))
    found = list(tickets.filter(pk=ticket_id).order_by()[:1])
    ticket = found[0] if found else None
    if ticket is None:
        raise NotFound(f"No ticket {ticket_number(ticket_id)}.")
    return ticket


def get_attachment_for(user: User, attachment_id: int) -> Attachment:
    attachment = (
        Attachment.objects.select_related("message")
        .filter(pk=attachment_id, ticket__in=visible_tickets(user).values("pk"))
        .first()
    )
    # Customers never see files of internal notes.
    if attachment is None or (
        not user.is_staff_member and attachment.message and attachment.message.is_internal
    ):
        raise NotFound(f"No attachment {attachment_id}.")
    return attachment


_CATALOGUE: dict[str, type[Model]] = {
    "team": Team,
    "organisation": Organisation,
    "product": Product,
    "component": Component,
    "version": Version,
}


def page_names(
    rows: Iterable[Mapping[str, Any]],
) -> tuple[dict[tuple[str, int], str], dict[int, list[str]]]:
    """What a page of ticket ``rows`` (``id``, ``team_id`` … keys) refers to, in one query:
    the names of its teams, organisations, products, components and versions as
    ``{(kind, id): name}``, and the sorted tag names of each ticket as ``{ticket_id: [...]}``.

    Joining these to the ticket query would cost PostgreSQL more planning time (seven joins:
    ~80 ms) than the whole page takes otherwise; and the query is written out because the
    ORM spends longer composing a six-part UNION than the database spends answering it.
    """
    wanted: dict[str, set[int]] = {kind: set() for kind in _CATALOGUE}
    ticket_ids: set[int] = set()
    for row in rows:
        ticket_ids.add(row["id"])
        for kind, ids in wanted.items():
            pk = row[f"{kind}_id"]
            if pk is not None:
                ids.add(pk)
    parts: list[str] = []
    params: list[str | int] = []

    def part(sql: str, kind: str, ids: set[int]) -> None:
        marks = ", ".join(["%s"] * len(ids))
        parts.append(sql.format(marks=marks))
        params.extend([kind, *sorted(ids)])

    quote = connection.ops.quote_name
    for kind, ids in wanted.items():
        if ids:
            table = quote(_CATALOGUE[kind]._meta.db_table)
            part(f"SELECT %s, id, name FROM {table} WHERE id IN ({{marks}})", kind, ids)  # noqa: S608
    if ticket_ids:
        through, tags = quote(Ticket.tags.through._meta.db_table), quote(Tag._meta.db_table)
        part(
            f"SELECT %s, tt.ticket_id, t.name FROM {through} tt "  # noqa: S608
            f"JOIN {tags} t ON t.id = tt.tag_id WHERE tt.ticket_id IN ({{marks}})",
            "tag",
            ticket_ids,
        )
    names: dict[tuple[str, int], str] = {}
    tag_names: dict[int, list[str]] = {}
    if not parts:
        return names, tag_names
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(parts), params)
        for kind, pk, name in cursor.fetchall():
            if kind == "tag":
                tag_names.setdefault(pk, []).append(name)
            else:
                names[(kind, pk)] = name
    for ticket_tags in tag_names.values():
        ticket_tags.sort()
    return names, tag_names
