"""Input checks shared by the ticket services: each raises ValidationFailed naming the field."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connection

from sustain.accounts.models import Team, User
from sustain.catalog.models import Component, Product, Version
from sustain.core import fastsql
from sustain.core.errors import ValidationFailed
from sustain.tickets.assignment import may_be_assigned, members_among
from sustain.tickets.choices import Priority
from sustain.tickets.models import Tag, Ticket
from sustain.tickets.rules import priority_for

MAX_TAGS = 30


def check_choice(name: str, value: str, choices: Any) -> None:
    if value not in choices.values:
        allowed = ", ".join(str(v) for v in choices.values)
        raise ValidationFailed.field(name, f"'{value}' is not one of: {allowed}.")


def check_text(
    name: str, value: str, *, max_length: int | None = None, single_line: bool = False
) -> str:
    # A title travels into e-mail subjects, where a line break would forge headers.
    value = " ".join(value.split()) if single_line else value.strip()
    if not value:
        raise ValidationFailed.field(name, "This field cannot be empty.")
    if max_length and len(value) > max_length:
        raise ValidationFailed.field(name, f"At most {max_length} characters.")
    return value


def clean_tags(names: Iterable[str]) -> list[str]:
    cleaned = sorted({n.strip().lower() for n in names if n.strip()})
    if len(cleaned) > MAX_TAGS:
        raise ValidationFailed.field("tags", f"At most {MAX_TAGS} tags.")
    for name in cleaned:
        if len(name) > 50 or any(ch.isspace() or ch == "," for ch in name):
            raise ValidationFailed.field("tags", f"'{name}' is not a valid tag.")
    return cleaned


def tags_named(names: Iterable[str]) -> list[Tag]:
    return ensure_tags(clean_tags(names))


def ensure_tags(names: Sequence[str]) -> list[Tag]:
    """The tags of exactly these names, in their order, created where missing: the ticket
    tags that other apps refer to (an SLA policy for tagged tickets) are made through this."""
    existing = {t.name: t for t in Tag.objects.filter(name__in=names)}
    missing = [Tag(name=n) for n in dict.fromkeys(names) if n not in existing]
    if missing:
        Tag.objects.bulk_create(missing, ignore_conflicts=True)
        existing = {t.name: t for t in Tag.objects.filter(name__in=names)}
    return [existing[n] for n in names]


def tag_new_ticket(ticket_id: int, cleaned: list[str]) -> None:
    """Link a ticket created in this transaction to its tags (``clean_tags``' result, checked
    before the transaction), creating the new ones.

    Ticket creation is the busiest write: when every tag exists (the usual case) this is one
    INSERT ... SELECT, not a read of the tags followed by an insert of the links."""
    if not cleaned:
        return
    if _link_tags(ticket_id, cleaned) < len(cleaned):
        Tag.objects.bulk_create([Tag(name=n) for n in cleaned], ignore_conflicts=True)
        _link_tags(ticket_id, cleaned, skip_linked=True)


def _link_tags(ticket_id: int, names: list[str], *, skip_linked: bool = False) -> int:
    quote = connection.ops.quote_name
    through = Ticket.tags.through
    links, tags = quote(through._meta.db_table), quote(Tag._meta.db_table)
    marks = ", ".join(["%s"] * len(names))
    sql = (
        f"INSERT INTO {links} (ticket_id, tag_id) "  # noqa: S608 (names, not input)
        f"SELECT %s, t.id FROM {tags} t WHERE t.name IN ({marks})"
    )
    params: list[Any] = [ticket_id, *names]
    if skip_linked:
        sql += f" AND t.id NOT IN (SELECT tag_id FROM {links} WHERE ticket_id = %s)"  # noqa: S608
        params.append(ticket_id)
    with connection.cursor() as cursor:
        cursor.execute(fastsql.prepared(sql), params)
        return int(cursor.rowcount)


def check_assignee(assignee: User, team: Team | None) -> None:
    if not may_be_assigned(assignee):
        raise ValidationFailed.field(
            "assignee", f"{assignee.email} cannot be assigned tickets (inactive or read-only)."
        )
    if team is not None and not may_be_assigned(assignee, members_among(team, assignee)):
        raise ValidationFailed.field("assignee", f"{assignee.email} is not a member of {team}.")


def check_catalogue(
    product: Product | None,
    component: Component | None,
    version: Version | None,
    fixed_in_version: Version | None = None,
) -> Product | None:
    """Returns the product, derived from the component or a version when not given. The
    affected version, the version with the fix and the component all belong to it."""
    parts = (("component", component), ("version", version), ("fixed_in_version", fixed_in_version))
    for name, part in parts:
        if part is None:
            continue
        if product is None:
            product = part.product
        elif part.product_id != product.pk:
            raise ValidationFailed.field(name, f"'{part}' does not belong to {product}.")
    return product


def check_priority(priority: int | None, reason: str, impact: str, urgency: str) -> str:
    """Returns the override reason to store ('' when the matrix value is used)."""
    if priority is None or priority == priority_for(impact, urgency):
        return ""
    if priority not in Priority.values:
        raise ValidationFailed.field("priority", "Priority is 1 (critical) to 4 (low).")
    if not reason.strip():
        raise ValidationFailed.field(
            "priority_reason",
            "Give a reason when the priority differs from what impact and urgency give "
            f"(P{priority_for(impact, urgency)}).",
        )
    return reason.strip()[:500]
