"""Which tickets a user may see, and lookups that check it."""

from __future__ import annotations

import operator
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import reduce
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import Exists, Model, OuterRef, Q, QuerySet

from sustain.accounts.actors import SystemActor
from sustain.accounts.models import Organisation, Team, User
from sustain.catalog.models import Component, Product, Version
from sustain.core import fastsql
from sustain.core.errors import NotFound
from sustain.core.ids import parse_id
from sustain.core.permissions import Capability
from sustain.core.schemas import BIGINT_MAX
from sustain.tickets.models import Attachment, Tag, Ticket, ticket_number


@dataclass(frozen=True)
class Visibility:
    """Who sees which ticket: the one rule, as its parts. A ticket is visible when any part
    admits it. ``visible_tickets`` builds its query from these parts, and the lists sorted by
    a related name (``teams_holding_visible``, ``groups_holding_visible``) derive their walks
    from them, so that a change of the rule reaches all of them."""

    everything: bool = False
    # The tickets of the teams that this user is a member of.
    teams_of_member: int | None = None
    # Tickets in no team: the shared triage queue.
    unteamed: bool = False
    assignee: int | None = None
    requester: int | None = None
    watcher: int | None = None
    organisation: int | None = None


def visibility(viewer: User | SystemActor) -> Visibility:
    """The parts of the rule that apply to ``viewer`` (nothing at all for an inactive user)."""
    if isinstance(viewer, SystemActor):
        return Visibility(everything=True)
    if not viewer.is_active:
        return Visibility()
    if viewer.can(Capability.TICKETS_READ_ALL):
        return Visibility(everything=True)
    if viewer.is_staff_member:
        return Visibility(teams_of_member=viewer.pk, unteamed=True, assignee=viewer.pk)
    reads_organisation = viewer.can(Capability.TICKETS_READ_ORGANISATION)
    organisation = viewer.organisation_id if reads_organisation else None
    return Visibility(requester=viewer.pk, watcher=viewer.pk, organisation=organisation)


def last_update_field(viewer: User | SystemActor) -> str:
    """The column that is a ticket's "last update" for ``viewer``: for a customer the last
    change they can see (``public_updated_at``), so that neither the time shown nor the order
    or filters of their lists give an internal note away; for anyone else every change."""
    if isinstance(viewer, User) and viewer.is_customer:
        return "public_updated_at"
    return "updated_at"


def visible_tickets(viewer: User | SystemActor) -> QuerySet[Ticket]:
    """The tickets ``viewer`` may read. Every ticket read in Sustain starts here."""
    tickets = Ticket.objects.all()
    rule = visibility(viewer)
    if rule.everything:
        return tickets
    parts: list[Q] = []
    if rule.teams_of_member is not None:
        parts.append(Q(team__in=Team.objects.filter(members=rule.teams_of_member).values("pk")))
    if rule.unteamed:
        parts.append(Q(team__isnull=True))
    if rule.assignee is not None:
        parts.append(Q(assignee_id=rule.assignee))
    if rule.organisation is not None:
        parts.append(Q(organisation_id=rule.organisation))
    if rule.requester is not None:
        parts.append(Q(requester_id=rule.requester))
    if rule.watcher is not None:
        # A subquery, not a join: a join on watchers would repeat a ticket once per watcher.
        watched = Ticket.watchers.through.objects.filter(user_id=rule.watcher)
        parts.append(Q(pk__in=watched.values("ticket_id")))
    if not parts:
        return tickets.none()
    return tickets.filter(reduce(operator.or_, parts))


def teams_holding_visible(user: User) -> set[int] | None:
    """The teams whose tickets hold every ticket with a team that ``user`` may read, or
    None when that is every team (or ``user`` reads no team's tickets by team).

    From the rule's parts: the teams of a member, and the teams of the tickets assigned to
    them (kept after they left a team).
    """
    rule = visibility(user)
    if rule.everything or rule.teams_of_member is None:
        return None
    held = set(Team.objects.filter(members=rule.teams_of_member).values_list("pk", flat=True))
    if rule.assignee is not None:
        held |= _teams_assigned_to(rule.assignee)
    return held


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
    holding = [Exists(tickets.filter(team__in=held))]
    if visibility(user).unteamed:
        holding.append(Exists(tickets.filter(team__isnull=True)))
    return groups.filter(reduce(operator.or_, holding))


def _teams_assigned_to(user_id: int) -> set[int]:
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
        cursor.execute(sql, [user_id, user_id])
        return {int(row[0]) for row in cursor.fetchall()}


def parse_ticket_ref(ref: str | int) -> int | None:
    """Accept ``SUS-12``, ``sus-12``, ``12`` or 12.

    A number no ticket id can be (beyond the database's bigint, or not ASCII digits such as
    "²", which ``isdigit`` accepts) is no reference: every caller then answers "not found"
    rather than letting the database driver fail on it.
    """
    if isinstance(ref, int):
        return ref if 1 <= ref <= BIGINT_MAX else None
    text = ref.strip()
    prefix = settings.SUSTAIN_TICKET_PREFIX.lower() + "-"
    if text.lower().startswith(prefix):
        text = text[len(prefix) :]
    return parse_id(text)


def may_read(viewer: User | SystemActor, ticket: Ticket) -> bool:
    """Whether ``viewer`` may read ``ticket``: the rule's parts (``visibility``) applied to
    one row, as ``visible_tickets`` applies them to a query. Team membership and watching are
    asked of the database only when nothing else admits the ticket."""
    rule = visibility(viewer)
    if rule.everything:
        return True
    if (
        (rule.unteamed and ticket.team_id is None)
        or (rule.assignee is not None and ticket.assignee_id == rule.assignee)
        or (rule.requester is not None and ticket.requester_id == rule.requester)
        or (rule.organisation is not None and ticket.organisation_id == rule.organisation)
    ):
        return True
    if rule.teams_of_member is not None and ticket.team_id is not None:
        members = Team.members.through.objects.filter(team_id=ticket.team_id)
        if members.filter(user_id=rule.teams_of_member).exists():
            return True
    if rule.watcher is not None:
        watchers = Ticket.watchers.through.objects.filter(ticket_id=ticket.pk)
        return watchers.filter(user_id=rule.watcher).exists()
    return False


# Only the two user joins: PostgreSQL spends far longer planning a seven-way join than running
# it, and the small catalogue rows are cheaper to fetch one by one when needed. Every ticket
# page, API call and reply starts here: one statement written once (core/fastsql.py), then
# the rule in Python, instead of composing the rule's query each time (1.3 -> 0.1 ms).
_TICKET = fastsql.RowLookup(Ticket, "id", related=("requester", "assignee"))
_LOCKED_TICKET = fastsql.RowLookup(Ticket, "id", related=("requester", "assignee"), lock=True)


def get_ticket_for(user: User | SystemActor, ref: str | int, *, for_update: bool = False) -> Ticket:
    """The ticket, if ``user`` may read it; otherwise NotFound (never reveal that it exists).
    With ``for_update`` the ticket's row stays locked until the transaction ends."""
    ticket_id = parse_ticket_ref(ref)
    if ticket_id is None:
        raise NotFound(f"'{ref}' is not a ticket number.")
    # Locked before the check, so that the check reads the row the caller will change. A
    # reader without access holds the lock only until its refused request's transaction
    # ends; checking first would cost every permitted change a second read.
    ticket = (_LOCKED_TICKET if for_update else _TICKET).get(ticket_id)
    if ticket is None or not may_read(user, ticket):
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
    "fixed_in_version": Version,
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
            # A list that does not show a column (the queue has no fixed-in version) leaves
            # it out of its rows.
            pk = row.get(f"{kind}_id")
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


# --- what the controls of a ticket offer ----------------------------------------------------
@dataclass(frozen=True)
class Option:
    """One choice of a ticket's controls; ``group`` is the product of a component or version."""

    pk: int
    name: str
    group: str = ""


def edit_choices(team_id: int | None) -> tuple[dict[str, list[Option]], set[int]]:
    """The teams, products, components and versions a ticket may be given (``{"team": [...],
    "product": ...}``, sorted as lists show them), and the ids of the members of the team
    ``team_id``, in one query: five small ORM queries cost more Python time (composing,
    building model instances) than the rows are worth, and each is a round trip that a busy
    database makes the ticket page wait for."""
    quote = connection.ops.quote_name
    teams, products = quote(Team._meta.db_table), quote(Product._meta.db_table)
    components, versions = quote(Component._meta.db_table), quote(Version._meta.db_table)
    members = quote(Team.members.through._meta.db_table)
    sql = (
        # The first SELECT types the columns: PostgreSQL takes a bare NULL for text.
        f"SELECT 'team', id, name, CAST(NULL AS BIGINT), CAST(NULL AS TEXT) FROM {teams} "  # noqa: S608
        f"UNION ALL SELECT 'product', id, name, NULL, NULL FROM {products} "
        f"UNION ALL SELECT 'component', id, name, product_id, NULL FROM {components} "
        f"UNION ALL SELECT 'version', id, name, product_id, sort_key FROM {versions} "
        f"UNION ALL SELECT 'member', user_id, '', NULL, NULL FROM {members} WHERE team_id = %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [team_id or 0])
        rows = cursor.fetchall()
    product_names = {pk: name for kind, pk, name, _, _ in rows if kind == "product"}
    options: dict[str, list[Option]] = {"team": [], "product": [], "component": [], "version": []}
    sort_keys: dict[int, str] = {}
    member_ids: set[int] = set()
    for kind, pk, name, product_id, sort_key in rows:
        if kind == "member":
            member_ids.add(pk)
            continue
        options[kind].append(Option(pk=pk, name=name, group=product_names.get(product_id, "")))
        if kind == "version":
            sort_keys[pk] = sort_key or ""
    for kind in ("team", "product", "component"):
        options[kind].sort(key=lambda o: (o.group, o.name))
    # As the catalogue lists them: by product, newest first in the order of the product's
    # version scheme (catalog.selectors.version_order: the stored sort key, then the id).
    options["version"].sort(key=lambda o: (sort_keys[o.pk], o.pk), reverse=True)
    options["version"].sort(key=lambda o: o.group)
    return options, member_ids
