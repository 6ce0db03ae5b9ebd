"""What the ticket page's controls offer: statuses, people, teams and the product catalogue.

Read only for people who may change the ticket. The catalogue, the teams and the ticket
team's members come in one query: five small ORM queries cost more Python time (composing,
building model instances) than the rows are worth, and every query is a round trip that a
busy database makes the page wait for.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import connection
from django.db.models import Q

from sustain.accounts.choices import STAFF_ROLES
from sustain.accounts.models import Team, User
from sustain.catalog.models import Component, Product, Version
from sustain.core.permissions import Capability
from sustain.tickets.choices import LinkKind, Priority, Status
from sustain.tickets.models import Ticket
from sustain.tickets.rules import allowed_transitions, priority_for


@dataclass(frozen=True)
class Option:
    pk: int
    name: str
    group: str = ""


def status_options(ticket: Ticket) -> list[tuple[str, str]]:
    """The current status and the ones the workflow allows from it."""
    allowed = allowed_transitions(ticket.status)
    return [(s.value, s.label) for s in Status if s == ticket.status or s in allowed]


def _catalogue(team_id: int | None) -> tuple[dict[str, list[Option]], set[int]]:
    quote = connection.ops.quote_name
    teams, products = quote(Team._meta.db_table), quote(Product._meta.db_table)
    components, versions = quote(Component._meta.db_table), quote(Version._meta.db_table)
    members = quote(Team.members.through._meta.db_table)
    sql = (
        # The first SELECT types the columns: PostgreSQL takes a bare NULL for text.
        f"SELECT 'team', id, name, CAST(NULL AS BIGINT), CAST(NULL AS DATE) FROM {teams} "  # noqa: S608
        f"UNION ALL SELECT 'product', id, name, NULL, NULL FROM {products} "
        f"UNION ALL SELECT 'component', id, name, product_id, NULL FROM {components} "
        f"UNION ALL SELECT 'version', id, name, product_id, released_on FROM {versions} "
        f"UNION ALL SELECT 'member', user_id, '', NULL, NULL FROM {members} WHERE team_id = %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [team_id or 0])
        rows = cursor.fetchall()
    product_names = {pk: name for kind, pk, name, _, _ in rows if kind == "product"}
    options: dict[str, list[Option]] = {"team": [], "product": [], "component": [], "version": []}
    released: dict[int, date] = {}
    member_ids: set[int] = set()
    for kind, pk, name, product_id, released_on in rows:
        if kind == "member":
            member_ids.add(pk)
            continue
        options[kind].append(Option(pk=pk, name=name, group=product_names.get(product_id, "")))
        if released_on:
            # SQLite hands a raw query's dates back as text.
            released[pk] = (
                date.fromisoformat(released_on) if isinstance(released_on, str) else released_on
            )
    for kind in ("team", "product", "component"):
        options[kind].sort(key=lambda o: (o.group, o.name))
    # As the catalogue lists them: by product, the newest release first, unreleased last.
    options["version"].sort(
        key=lambda o: (o.group, o.pk not in released, -_ordinal(released.get(o.pk)), o.name)
    )
    return options, member_ids


def _ordinal(day: date | None) -> int:
    return day.toordinal() if day else 0


def edit_options(actor: User, ticket: Ticket, watcher_ids: set[int]) -> dict[str, Any]:
    audience = Q(role__in=STAFF_ROLES)
    if ticket.organisation_id is not None:
        audience |= Q(organisation_id=ticket.organisation_id)
    people = list(User.objects.filter(audience, is_active=True).order_by("full_name", "email"))
    catalogue, members = _catalogue(ticket.team_id)
    assignable = [
        u
        for u in people
        if u.can(Capability.TICKETS_WRITE)
        and (ticket.team_id is None or u.pk in members or u.pk == ticket.assignee_id)
    ]
    return {
        "status_options": status_options(ticket),
        "priority_options": list(Priority.choices),
        "auto_priority": priority_for(ticket.impact, ticket.urgency),
        "assignable": assignable,
        "teams": catalogue["team"],
        "products": catalogue["product"],
        "components": catalogue["component"],
        "versions": catalogue["version"],
        # "Watch" covers the agent themself.
        "watcher_candidates": [u for u in people if u.pk not in watcher_ids and u.pk != actor.pk],
        "link_kinds": list(LinkKind.choices),
    }
