"""Change approval: a lead (or an administrator) approves or rejects a change ticket.

A change (``Kind.CHANGE``) is a ticket like any other; what it adds is a decision, as service
desks keep one for a change request: approved or rejected, by whom, when, with a comment.
Rollouts (``sustain.releases.rollouts``) start only once their change is approved.

- **Who decides**: a person whose role may approve changes (``changes.approve``: leads and
  administrators). Deciding is a person's act: no system actor, no operator without a name.
- **Separation of duties**: the person who raised the change (its requester) may not decide
  on it, unless their role may approve their own changes (``changes.approve_own``:
  administrators, who are the last resort of a small team).
- **Decisions are kept**: each one is a new row (``ChangeApproval``), never changed; the latest
  is the ticket's state, so a change may be rejected after an approval (withdrawn before its
  rollout starts) and approved again once reworked. A rejection needs a comment saying why.
- A decision is logged on the ticket's timeline (field ``approval``, its comment as
  ``approval_comment``) in the transaction that records it.
"""

from __future__ import annotations

from django.db import transaction

from sustain.accounts.models import User
from sustain.core.errors import Conflict, PermissionDenied, ValidationFailed
from sustain.core.permissions import Capability
from sustain.tickets.activity import log_activity, touch_ticket
from sustain.tickets.choices import FINISHED_STATUSES, ApprovalDecision, Channel, Kind
from sustain.tickets.models import (
    APPROVAL_COMMENT_MAX_LENGTH,
    Activity,
    ChangeApproval,
    Ticket,
)
from sustain.tickets.selectors import get_ticket_for
from sustain.tickets.validation import check_choice, check_text


def refusal(actor: User, ticket: Ticket) -> str | None:
    """Why ``actor`` may not decide on ``ticket`` now, or None when they may. The one rule:
    the service applies it, the pages ask it to show or hide the buttons."""
    if not actor.is_active or not actor.can(Capability.CHANGES_APPROVE):
        return "Only a team lead or an administrator may approve or reject a change."
    if ticket.kind != Kind.CHANGE:
        return f"{ticket.number} is not a change: only changes are approved."
    if ticket.status in FINISHED_STATUSES:
        return f"{ticket.number} is {ticket.status}: reopen it to decide on it."
    if ticket.requester_id == actor.pk and not actor.can(Capability.CHANGES_APPROVE_OWN):
        return f"You raised {ticket.number}: another lead must decide on it (separation of duties)."
    return None


def may_decide(actor: User, ticket: Ticket) -> bool:
    return refusal(actor, ticket) is None


def decide_change(
    *,
    actor: User,
    ref: str | int,
    decision: str,
    comment: str = "",
    channel: str = Channel.WEB,
) -> ChangeApproval:
    """Record ``actor``'s decision (approved or rejected) on the change ticket ``ref``."""
    check_choice("decision", decision, ApprovalDecision)
    check_choice("channel", channel, Channel)
    comment = comment.strip()
    if comment:
        comment = check_text("comment", comment, max_length=APPROVAL_COMMENT_MAX_LENGTH)
    if decision == ApprovalDecision.REJECTED and not comment:
        raise ValidationFailed.field("comment", "Say why the change is rejected.")
    with transaction.atomic():
        ticket = get_ticket_for(actor, ref, for_update=True)
        why_not = refusal(actor, ticket)
        if why_not is not None:
            kind = PermissionDenied if _is_about_the_person(actor, ticket) else Conflict
            raise kind(why_not)
        previous = latest_decision(ticket.pk)
        approval = ChangeApproval.objects.create(
            ticket=ticket, decision=decision, decided_by=actor, comment=comment, channel=channel
        )
        log_activity(
            ticket,
            actor,
            channel,
            Activity.Action.CHANGED,
            field_name="approval",
            old=previous.decision if previous else "",
            new=decision,
        )
        if comment:
            log_activity(
                ticket,
                actor,
                channel,
                Activity.Action.CHANGED,
                field_name="approval_comment",
                new=comment,
            )
        touch_ticket(ticket, [])
    return approval


def _is_about_the_person(actor: User, ticket: Ticket) -> bool:
    """Whether the refusal is about who asks (403) rather than the ticket's state (409)."""
    if not actor.can(Capability.CHANGES_APPROVE):
        return True
    return ticket.kind == Kind.CHANGE and ticket.status not in FINISHED_STATUSES


# --- reading --------------------------------------------------------------------------------
def latest_decision(ticket_id: int) -> ChangeApproval | None:
    """The decision that stands for a ticket (the latest), or None when nobody decided yet."""
    return (
        ChangeApproval.objects.filter(ticket_id=ticket_id)
        .select_related("decided_by")
        .order_by("-decided_at", "-id")
        .first()
    )


def latest_decisions(ticket_ids: list[int]) -> dict[int, ChangeApproval]:
    """The standing decision of each of several tickets (for lists), in one query."""
    found: dict[int, ChangeApproval] = {}
    rows = (
        ChangeApproval.objects.filter(ticket_id__in=ticket_ids)
        .select_related("decided_by")
        .order_by("ticket_id", "-decided_at", "-id")
    )
    for row in rows:
        found.setdefault(row.ticket_id, row)
    return found


def is_approved(ticket: Ticket) -> bool:
    """Whether ``ticket`` is a change whose standing decision is an approval."""
    if ticket.kind != Kind.CHANGE:
        return False
    latest = latest_decision(ticket.pk)
    return latest is not None and latest.decision == ApprovalDecision.APPROVED


def decisions_on(viewer: User, ref: str | int) -> tuple[Ticket, list[ChangeApproval]]:
    """A ticket ``viewer`` may read and its decisions, oldest first."""
    ticket = get_ticket_for(viewer, ref)
    return ticket, decisions_of(ticket.pk)


def decisions_of(ticket_id: int) -> list[ChangeApproval]:
    """A ticket's decisions, oldest first, for a caller that has checked what the reader may
    see (a rollout's page shows its change's approval to whoever may see the rollout)."""
    return list(ChangeApproval.objects.filter(ticket_id=ticket_id).select_related("decided_by"))
