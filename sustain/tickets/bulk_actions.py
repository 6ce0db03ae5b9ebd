"""Bulk actions that bulk_update_tickets cannot express as one change for every ticket:
adding a tag (each ticket keeps its own others) and merging several tickets into one.

Each runs the existing per-ticket services inside one transaction: any refusal rolls back the
whole action, and its message names the ticket that was refused.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from django.db import transaction

from sustain.accounts.models import User
from sustain.core.errors import ServiceError, ValidationFailed
from sustain.core.permissions import Capability, require
from sustain.tickets import linking, services
from sustain.tickets.choices import Channel
from sustain.tickets.models import Ticket, ticket_number
from sustain.tickets.selectors import get_ticket_for, parse_ticket_ref

MAX_TICKETS = 500


def _check_refs(refs: Sequence[str | int]) -> list[int]:
    if not refs:
        raise ValidationFailed.field("tickets", "Choose at least one ticket.")
    if len(refs) > MAX_TICKETS:
        raise ValidationFailed.field("tickets", f"At most {MAX_TICKETS} tickets at once.")
    ids = []
    for ref in refs:
        pk = parse_ticket_ref(ref)
        if pk is None:
            raise ValidationFailed.field("tickets", f"'{ref}' is not a ticket number.")
        ids.append(pk)
    return list(dict.fromkeys(ids))


@contextmanager
def _naming(number: str) -> Iterator[None]:
    try:
        yield
    except ServiceError as exc:
        if number not in exc.detail:
            exc.detail = f"{number}: {exc.detail}"
        raise


def add_tag_to_tickets(
    *, actor: User, refs: Sequence[str | int], tag: str, channel: str = Channel.WEB
) -> list[Ticket]:
    """Add ``tag`` to each ticket, keeping the tags each already has."""
    require(actor, Capability.TICKETS_WRITE, services.READ_ONLY)
    ids = _check_refs(refs)
    name = tag.strip().lower()
    if not name:
        raise ValidationFailed.field("tag", "Name the tag to add.")
    updated = []
    with transaction.atomic():
        for pk in ids:
            number = ticket_number(pk)
            with _naming(number):
                ticket = get_ticket_for(actor, pk, for_update=True)
                tags = sorted({*(t.name for t in ticket.tags.all()), name})
                updated.append(
                    services.update_ticket(
                        actor=actor, ref=pk, changes={"tags": tags}, channel=channel
                    )
                )
    return updated


def merge_many(
    *,
    actor: User,
    refs: Sequence[str | int],
    target: str | int | None = None,
    channel: str = Channel.WEB,
) -> Ticket:
    """Merge every ticket of ``refs`` into ``target`` (by default the oldest of them)."""
    require(actor, Capability.TICKETS_WRITE, services.READ_ONLY)
    ids = _check_refs(refs)
    if target is None or str(target).strip() == "":
        target_id = min(ids)
    else:
        parsed = parse_ticket_ref(target)
        if parsed is None:
            raise ValidationFailed.field("target", f"'{target}' is not a ticket number.")
        target_id = parsed
    sources = [pk for pk in ids if pk != target_id]
    if not sources:
        raise ValidationFailed.field("tickets", "Choose at least two tickets to merge.")
    with transaction.atomic():
        with _naming(ticket_number(target_id)):
            get_ticket_for(actor, target_id, for_update=True)
        result: Ticket | None = None
        for pk in sources:
            with _naming(ticket_number(pk)):
                result = linking.merge_tickets(
                    actor=actor, source_ref=pk, target_ref=target_id, channel=channel
                )
    assert result is not None
    return result
