"""Checklists on tickets: the steps of the work, some of them mandatory.

Any ticket may carry a checklist; preventive maintenance (``sustain.preventive``) opens its
tickets with one. Each item is a line of text, mandatory or not, and once done says who ticked
it and when. **A ticket cannot be resolved or closed while a mandatory item is open**: the
status change refuses (:func:`refuse_finishing`, called by ``services._set_status``) with a
409 that names the open items. Adding and ticking items are ticket changes like any other: one
transaction, the activity log (fields ``checklist_added``, ``checklist_done``,
``checklist_undone``, the item's text as the value), a new revision of the ticket.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from sustain.accounts.actors import Actor, SystemActor
from sustain.accounts.models import User
from sustain.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from sustain.core.permissions import Capability
from sustain.tickets.activity import log_activity, touch_ticket
from sustain.tickets.choices import Channel
from sustain.tickets.models import (
    CHECKLIST_ITEM_MAX_LENGTH,
    CHECKLIST_MAX_ITEMS,
    Activity,
    ChecklistItem,
    Ticket,
)
from sustain.tickets.selectors import get_ticket_for
from sustain.tickets.validation import check_choice, check_text

WRITE_REFUSED = "Your role can read tickets but not change their checklists."


@dataclass(frozen=True)
class NewItem:
    text: str
    mandatory: bool = False


def check_items(items: Sequence[NewItem], *, field: str = "items") -> list[NewItem]:
    """The items with their text checked (one line, at most 500 characters each)."""
    if len(items) > CHECKLIST_MAX_ITEMS:
        raise ValidationFailed.field(field, f"At most {CHECKLIST_MAX_ITEMS} checklist items.")
    checked = []
    for item in items:
        try:
            text = check_text(
                "text", item.text, max_length=CHECKLIST_ITEM_MAX_LENGTH, single_line=True
            )
        except ValidationFailed as exc:
            raise ValidationFailed.field(field, f"Checklist item: {exc.detail}") from exc
        checked.append(NewItem(text=text, mandatory=bool(item.mandatory)))
    return checked


def _require_writer(actor: Actor) -> None:
    if isinstance(actor, User) and actor.is_customer:
        raise PermissionDenied("Customers cannot change checklists.")
    if not actor.can(Capability.TICKETS_WRITE):
        raise PermissionDenied(WRITE_REFUSED)


def add_checklist_items(
    *, actor: Actor, ref: str | int, items: Sequence[NewItem], channel: str = Channel.WEB
) -> list[ChecklistItem]:
    """Append ``items`` to the ticket's checklist (in a caller's transaction too: preventive
    maintenance opens a ticket and its checklist in one)."""
    check_choice("channel", channel, Channel)
    checked = check_items(items)
    if not checked:
        raise ValidationFailed.field("items", "Give at least one checklist item.")
    with transaction.atomic():
        ticket = get_ticket_for(actor, ref, for_update=True)
        _require_writer(actor)  # after the look-up: who may not read it is told it is not there
        existing = ChecklistItem.objects.filter(ticket=ticket)
        if existing.count() + len(checked) > CHECKLIST_MAX_ITEMS:
            raise ValidationFailed.field(
                "items", f"A checklist holds at most {CHECKLIST_MAX_ITEMS} items."
            )
        last = existing.aggregate(last=Max("position"))["last"] or 0
        rows = ChecklistItem.objects.bulk_create(
            ChecklistItem(
                ticket=ticket, position=last + i, text=item.text, mandatory=item.mandatory
            )
            for i, item in enumerate(checked, start=1)
        )
        for row in rows:
            log_activity(
                ticket,
                actor,
                channel,
                Activity.Action.CHANGED,
                field_name="checklist_added",
                new=row.text + (" (mandatory)" if row.mandatory else ""),
            )
        touch_ticket(ticket, [])
    return rows


def tick_checklist_item(
    *,
    actor: Actor,
    ref: str | int,
    item_id: int,
    done: bool = True,
    channel: str = Channel.WEB,
) -> ChecklistItem:
    """Mark an item done (or open again); ticking a done item again changes nothing."""
    check_choice("channel", channel, Channel)
    with transaction.atomic():
        ticket = get_ticket_for(actor, ref, for_update=True)
        _require_writer(actor)
        item = ChecklistItem.objects.filter(ticket=ticket, pk=item_id).first()
        if item is None:
            raise NotFound(f"{ticket.number} has no checklist item {item_id}.")
        if item.done == done:
            return item
        if ticket.merged_into_id is not None:
            raise Conflict(f"{ticket.number} was merged into another ticket; change that one.")
        if done:
            item.done_at = timezone.now()
            item.done_by = actor if isinstance(actor, User) else None
            item.done_by_system = actor.code if isinstance(actor, SystemActor) else ""
        else:
            item.done_at, item.done_by, item.done_by_system = None, None, ""
        item.save(update_fields=["done_at", "done_by", "done_by_system"])
        log_activity(
            ticket,
            actor,
            channel,
            Activity.Action.CHANGED,
            field_name="checklist_done" if done else "checklist_undone",
            new=item.text,
        )
        touch_ticket(ticket, [])
    return item


# --- reading and the gate -------------------------------------------------------------------
def checklist_of(ticket_id: int) -> list[ChecklistItem]:
    """A ticket's items in order, for a caller that checked the reader may see the ticket."""
    return list(ChecklistItem.objects.filter(ticket_id=ticket_id).select_related("done_by"))


def checklist_for(viewer: User, ref: str | int) -> tuple[Ticket, list[ChecklistItem]]:
    """A ticket ``viewer`` may read and its checklist."""
    ticket = get_ticket_for(viewer, ref)
    return ticket, checklist_of(ticket.pk)


def open_mandatory(ticket_id: int) -> list[str]:
    """The texts of the ticket's mandatory items still open, in order."""
    return list(
        ChecklistItem.objects.filter(
            ticket_id=ticket_id, mandatory=True, done_at__isnull=True
        ).values_list("text", flat=True)[:CHECKLIST_MAX_ITEMS]
    )


def refuse_finishing(ticket: Ticket) -> None:
    """Refuse (409) to resolve or close ``ticket`` while a mandatory item is open."""
    missing = open_mandatory(ticket.pk)
    if not missing:
        return
    shown = "; ".join(missing[:3]) + ("; …" if len(missing) > 3 else "")
    noun = "item is" if len(missing) == 1 else "items are"
    message = (
        f"{len(missing)} mandatory checklist {noun} still open ({shown}): "
        "tick them before resolving the ticket."
    )
    raise Conflict(
        f"{ticket.number} cannot be resolved yet: {message}", errors={"status": [message]}
    )
