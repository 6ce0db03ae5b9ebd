"""Links between tickets and merging duplicates."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from sustain.accounts.actors import Actor
from sustain.accounts.models import User
from sustain.core.errors import Conflict, NotFound, ValidationFailed
from sustain.core.permissions import Capability, require
from sustain.tickets import hooks
from sustain.tickets.activity import log_activity, touch_ticket
from sustain.tickets.choices import LINK_INVERSE_LABELS, Channel, LinkKind, Status
from sustain.tickets.models import Activity, Attachment, Message, Ticket, TicketLink, ticket_number
from sustain.tickets.selectors import get_ticket_for, visible_tickets
from sustain.tickets.services import READ_ONLY


def link_tickets(
    *,
    actor: Actor,
    source_ref: str | int,
    target_ref: str | int,
    kind: str,
    channel: str = Channel.WEB,
) -> TicketLink:
    """Record ``source`` <kind> ``target``; both tickets must be visible to the actor (the
    system, e-mail intake linking a new ticket to an old one, sees every ticket)."""
    require(actor, Capability.TICKETS_WRITE, READ_ONLY)
    if kind not in LinkKind.values:
        raise ValidationFailed.field(
            "kind", f"'{kind}' is not one of: {', '.join(LinkKind.values)}."
        )
    with transaction.atomic():
        source = get_ticket_for(actor, source_ref, for_update=True)
        target = get_ticket_for(actor, target_ref)
        if source.pk == target.pk:
            raise ValidationFailed.field("target", "A ticket cannot be linked to itself.")
        _check_link_shape(source, target, kind)
        try:
            with transaction.atomic():
                link = TicketLink.objects.create(
                    source=source,
                    target=target,
                    kind=kind,
                    created_by=actor if isinstance(actor, User) else None,
                )
        except IntegrityError:
            raise Conflict(
                f"{source.number} already {LinkKind(kind).label} {target.number}."
            ) from None
        label = LinkKind(kind).label
        log_activity(
            source,
            actor,
            channel,
            Activity.Action.LINKED,
            field_name=kind,
            new=f"{label} {target.number}",
        )
        log_activity(
            target,
            actor,
            channel,
            Activity.Action.LINKED,
            field_name=kind,
            new=f"{LINK_INVERSE_LABELS[LinkKind(kind)]} {source.number}",
        )
        touch_ticket(source, [])
    return link


def _check_link_shape(source: Ticket, target: Ticket, kind: str) -> None:
    reverse = TicketLink.objects.filter(source=target, target=source)
    if (
        kind in (LinkKind.PARENT_OF, LinkKind.BLOCKS, LinkKind.DUPLICATE_OF)
        and reverse.filter(kind=kind).exists()
    ):
        raise Conflict(f"{target.number} already {LinkKind(kind).label} {source.number}.")
    if (
        kind == LinkKind.PARENT_OF
        and TicketLink.objects.filter(target=target, kind=LinkKind.PARENT_OF).exists()
    ):
        raise Conflict(f"{target.number} already has a parent ticket.")


def unlink_tickets(*, actor: User, link_id: int, channel: str = Channel.WEB) -> None:
    require(actor, Capability.TICKETS_WRITE, READ_ONLY)
    with transaction.atomic():
        visible = visible_tickets(actor).values("pk")
        link = (
            TicketLink.objects.select_related("source", "target")
            .filter(pk=link_id, source__in=visible, target__in=visible)
            .first()
        )
        if link is None:
            raise NotFound(f"No link {link_id}.")
        label = LinkKind(link.kind).label
        log_activity(
            link.source,
            actor,
            channel,
            Activity.Action.UNLINKED,
            field_name=link.kind,
            old=f"{label} {link.target.number}",
        )
        log_activity(
            link.target,
            actor,
            channel,
            Activity.Action.UNLINKED,
            field_name=link.kind,
            old=f"{LINK_INVERSE_LABELS[LinkKind(link.kind)]} {link.source.number}",
        )
        link.delete()


def links_of(ticket: Ticket) -> list[TicketLink]:
    """Both directions; the other ends are not loaded (callers check who may see them)."""
    return list(
        TicketLink.objects.filter(Q(source=ticket) | Q(target=ticket)).order_by("created_at", "id")
    )


def merge_tickets(
    *, actor: User, source_ref: str | int, target_ref: str | int, channel: str = Channel.WEB
) -> Ticket:
    """Fold ``source`` (a duplicate) into ``target``: its conversation and people move over,
    the source is closed and points at the target."""
    require(actor, Capability.TICKETS_WRITE, READ_ONLY)
    with transaction.atomic():
        source = get_ticket_for(actor, source_ref, for_update=True)
        target = get_ticket_for(actor, target_ref, for_update=True)
        if source.pk == target.pk:
            raise ValidationFailed.field("target", "A ticket cannot be merged into itself.")
        if source.organisation_id != target.organisation_id:
            # The conversation moves over: it must not land where another customer reads it.
            raise ValidationFailed.field(
                "target",
                f"{target.number} belongs to another organisation than {source.number}; "
                "link them instead.",
            )
        for ticket in (source, target):
            if ticket.merged_into_id is not None:
                raise Conflict(
                    f"{ticket.number} was already merged into "
                    f"{ticket_number(ticket.merged_into_id)}."
                )
        # The customer of the surviving ticket sees the public messages that move onto it.
        public_moved = Message.objects.filter(ticket=source, is_internal=False).exists()
        moved = Message.objects.filter(ticket=source).update(ticket=target)
        Attachment.objects.filter(ticket=source).update(ticket=target)
        # People of the duplicate follow the surviving ticket, unless that would show a
        # customer the ticket of another organisation.
        people = [*source.watchers.all(), source.requester]
        target.watchers.add(
            *{
                p.pk
                for p in people
                if p.pk != target.requester_id
                and (p.is_staff_member or p.organisation_id == target.organisation_id)
            }
        )
        TicketLink.objects.get_or_create(
            source=source,
            target=target,
            kind=LinkKind.DUPLICATE_OF,
            defaults={"created_by": actor},
        )
        now = timezone.now()
        old_status = source.status
        source.merged_into = target
        source.status = Status.CLOSED
        source.closed_at = now
        source.resolved_at = source.resolved_at or now
        log_activity(
            source,
            actor,
            channel,
            Activity.Action.MERGED,
            field_name="merged_into",
            new=target.number,
        )
        log_activity(
            source,
            actor,
            channel,
            Activity.Action.CHANGED,
            field_name="status",
            old=old_status,
            new=Status.CLOSED,
        )
        touch_ticket(source, ["merged_into", "status", "closed_at", "resolved_at"])
        log_activity(
            target,
            actor,
            channel,
            Activity.Action.MERGED,
            field_name="merged_from",
            new=f"{source.number} ({moved} messages)",
        )
        touch_ticket(target, [], public_message=public_moved)
        hooks.ticket_changed([source.pk, target.pk])
    return target
