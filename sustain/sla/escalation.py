"""The sweep: clocks whose warning or due time has come, and the escalations they trigger.

The sweep finds its work through the indexed ``next_deadline`` column, never by scanning
tickets. Each threshold of a clock is claimed with a conditional UPDATE (``... WHERE
breach_escalated_at IS NULL AND next_deadline <= now``, written once in :func:`_claim`) and
only the worker whose UPDATE changed the row runs the escalation rules, so however many
workers sweep at once, every rule runs once per clock and threshold. The claim and the rules'
effects (activity log, outbox e-mails, reassignment, priority) share one transaction: batches
of 100 clocks normally, one clock at a time when something in a batch fails; both go through
the same claim and escalation, a clock on its own being a batch of one.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from django.db import connection, transaction
from django.utils import timezone

from sustain.accounts.actors import SLA_ESCALATION
from sustain.accounts.models import User
from sustain.accounts.on_call import on_call_for
from sustain.core import outbox
from sustain.core.errors import ValidationFailed
from sustain.sla.choices import ClockState, EscalationAction, Target, Threshold
from sustain.sla.engine import next_deadline
from sustain.sla.models import EscalationRule, TicketClock
from sustain.tickets import notifications
from sustain.tickets.assignment import may_be_assigned
from sustain.tickets.models import Activity, Ticket, ticket_url
from sustain.tickets.system import TicketEvent, raise_priority, reassign_ticket, record_events

logger = logging.getLogger(__name__)


@dataclass
class SweepResult:
    warnings: int = 0
    breaches: int = 0
    escalations: int = 0

    @property
    def processed(self) -> int:
        return self.warnings + self.breaches


BATCH = 100


def sweep(*, now: datetime | None = None, limit: int = 1000) -> SweepResult:
    """Process up to ``limit`` clocks whose next deadline has passed."""
    now = now or timezone.now()
    result = SweepResult()
    due = list(
        TicketClock.objects.filter(next_deadline__lte=now)
        .order_by("next_deadline")
        .values_list("pk", "ticket_id")[:limit]
    )
    rules: dict[int | None, list[EscalationRule]] = {}
    for start in range(0, len(due), BATCH):
        batch = due[start : start + BATCH]
        try:
            with transaction.atomic():
                done = _sweep_batch(batch, now, rules)
        except Exception:
            # Something in the batch fails: redo it clock by clock, so that only the clock
            # at fault is left for the next run.
            logger.warning("SLA sweep batch failed; retrying its clocks one by one")
            done = _sweep_one_by_one(batch, now, rules)
        result.warnings += done.warnings
        result.breaches += done.breaches
        result.escalations += done.escalations
    return result


def _sweep_batch(
    batch: list[tuple[int, int]], now: datetime, rules: dict[int | None, list[EscalationRule]]
) -> SweepResult:
    """Claim and escalate a batch in one transaction with a handful of statements: one commit
    (a WAL flush) and a few round trips per 100 clocks instead of several per clock."""
    # Tickets first, in ascending order, as the ticket services lock them before the clocks:
    # no deadlock with them or with another sweeper.
    ticket_ids = sorted({ticket_id for _, ticket_id in batch})
    list(Ticket.objects.select_for_update().filter(pk__in=ticket_ids).order_by("pk").values("pk"))
    clock_ids = [clock_id for clock_id, _ in batch]
    claimed = _claim(clock_ids, now)
    thresholds = list(claimed.values())
    result = SweepResult(
        warnings=thresholds.count(Threshold.WARNING), breaches=thresholds.count(Threshold.BREACH)
    )
    clocks = (
        TicketClock.objects.select_related("ticket__team__lead", "ticket__assignee")
        .filter(pk__in=claimed)
        .order_by("ticket_id", "pk")
    )
    pending = [(clock, claimed[clock.pk]) for clock in clocks]
    # One instance per ticket: a second clock's escalation must see what the first changed.
    tickets: dict[int, Ticket] = {}
    for clock, _ in pending:
        clock.ticket = tickets.setdefault(clock.ticket_id, clock.ticket)
    activities = record_events(
        actor=SLA_ESCALATION,
        events=[_event(clock, threshold) for clock, threshold in pending],
    )
    for (clock, threshold), activity in zip(pending, activities, strict=True):
        if clock.policy_id not in rules:
            rules[clock.policy_id] = _rules_of(clock.policy_id)
        result.escalations += _run_rules(clock, threshold, rules[clock.policy_id], activity, now)
    _repair_deadlines([pk for pk in clock_ids if pk not in claimed], now)
    return result


def _claim(clock_ids: list[int], now: datetime) -> dict[int, str]:
    """Claim the due threshold of each clock; returns the clocks this worker claimed, with
    the threshold of each. The one place that decides whether a threshold is due.

    A conditional UPDATE per threshold, the breach first: past the due time the warning has
    nothing left to say and is marked done with the breach, so no clock is claimed twice.
    The conditions are evaluated on the newest version of each row (PostgreSQL re-checks a
    row another transaction changed meanwhile), so a clock claimed by another worker, or whose
    deadline a recompute moved, is not claimed again.
    """
    claimed: dict[int, str] = {}
    if not clock_ids:
        return claimed
    for threshold in (Threshold.BREACH, Threshold.WARNING):
        claimed |= dict.fromkeys(_claim_threshold(clock_ids, threshold, now), threshold)
    return claimed


def _claim_threshold(clock_ids: list[int], threshold: str, now: datetime) -> list[int]:
    table = connection.ops.quote_name(TicketClock._meta.db_table)
    at = connection.ops.adapt_datetimefield_value(now)
    if threshold == Threshold.BREACH:
        done = (
            "breach_escalated_at = %s, warning_escalated_at = COALESCE(warning_escalated_at, %s), "
            "state = %s, breached_at = due_at, next_deadline = NULL"
        )
        due = "breach_escalated_at IS NULL AND due_at <= %s"
        params = [at, at, ClockState.BREACHED.value, *clock_ids, at, at]
    else:
        # The breach is the next deadline once the warning is done.
        done = "warning_escalated_at = %s, next_deadline = due_at"
        due = (
            "warning_escalated_at IS NULL AND warning_at <= %s AND (due_at IS NULL OR due_at > %s)"
        )
        params = [at, *clock_ids, at, at, at]
    marks = ", ".join(["%s"] * len(clock_ids))
    sql = (
        f"UPDATE {table} SET {done} "  # noqa: S608 (names, not input)
        f"WHERE id IN ({marks}) AND next_deadline <= %s AND {due} RETURNING id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [row[0] for row in cursor.fetchall()]


def _repair_deadlines(clock_ids: list[int], now: datetime) -> None:
    # A clock found due that neither claim took, still due: its deadline was left behind by an
    # older computation (rare). Put the right one.
    for clock in TicketClock.objects.filter(pk__in=clock_ids, next_deadline__lte=now):
        TicketClock.objects.filter(pk=clock.pk, next_deadline=clock.next_deadline).update(
            next_deadline=next_deadline(clock)
        )


def _sweep_one_by_one(
    batch: list[tuple[int, int]], now: datetime, rules: dict[int | None, list[EscalationRule]]
) -> SweepResult:
    result = SweepResult()
    for clock_id, ticket_id in sorted(batch, key=lambda item: (item[1], item[0])):
        try:
            with transaction.atomic():
                done = _sweep_batch([(clock_id, ticket_id)], now, rules)
        except Exception:  # one broken clock must not stop the sweep for the others
            logger.exception("SLA sweep failed for clock %s", clock_id)
            continue
        result.warnings += done.warnings
        result.breaches += done.breaches
        result.escalations += done.escalations
    return result


def _rules_of(policy_id: int | None) -> list[EscalationRule]:
    if policy_id is None:
        return []
    return list(EscalationRule.objects.filter(policy_id=policy_id).select_related("user"))


def _event(clock: TicketClock, threshold: str) -> TicketEvent:
    return TicketEvent(clock.ticket_id, f"sla_{threshold}", _describe(clock, threshold))


def _run_rules(
    clock: TicketClock,
    threshold: str,
    rules: list[EscalationRule],
    activity: Activity,
    now: datetime,
) -> int:
    matching = [r for r in rules if r.threshold == threshold and r.target in ("", clock.target)]
    for rule in matching:
        _run(rule, clock, clock.ticket, activity.new_value, now)
    return len(matching)


def _describe(clock: TicketClock, threshold: str) -> str:
    label = Target(clock.target).label
    due = f"{clock.due_at:%Y-%m-%d %H:%M} UTC" if clock.due_at else "unknown"
    if threshold == Threshold.BREACH:
        return f"{label} SLA breached (was due {due})"
    return f"{label} SLA warning (due {due})"


def _run(
    rule: EscalationRule, clock: TicketClock, ticket: Ticket, what: str, now: datetime
) -> None:
    if rule.action == EscalationAction.NOTIFY_USER:
        _notify(rule, clock, ticket, rule.user, what)
    elif rule.action == EscalationAction.NOTIFY_TEAM_LEAD:
        _notify(rule, clock, ticket, ticket.team.lead if ticket.team else None, what)
    elif rule.action == EscalationAction.REASSIGN:
        _reassign(ticket, rule.user, what)
    elif rule.action == EscalationAction.RAISE_PRIORITY:
        _raise_priority(ticket)
    elif rule.action == EscalationAction.NOTIFY_ON_CALL:
        _notify(rule, clock, ticket, on_call_for(ticket.team_id, now), what)
    elif rule.action == EscalationAction.ASSIGN_ON_CALL:
        _reassign(ticket, on_call_for(ticket.team_id, now), what)


def _notify(
    rule: EscalationRule, clock: TicketClock, ticket: Ticket, user: User | None, what: str
) -> None:
    if user is None or not user.is_active or not user.email:
        return
    # The key names the deadline: the same escalation is never mailed twice.
    due = clock.due_at.isoformat() if clock.due_at else "none"
    key = f"sla:clock:{clock.pk}:{rule.threshold}:{due}:rule:{rule.pk}:to:{user.pk}"
    body = (
        f"{what}.\n\n{ticket.number}: {ticket.title}\n"
        f"Priority: {ticket.get_priority_display()}\nStatus: {ticket.get_status_display()}\n"
        f"{ticket_url(ticket.number)}\n"
    )
    thread = {"References": notifications.thread_id(ticket)}
    outbox.record_emails(
        [
            outbox.Email(
                key=key,
                to=[user.email],
                subject=f"[{ticket.number}] {what}",
                body=body,
                headers=thread,
            )
        ]
    )


def _reassign(ticket: Ticket, user: User | None, what: str) -> None:
    # Somebody who can no longer hold tickets (deactivated, now read-only) is passed over.
    if user is None or not may_be_assigned(user) or ticket.assignee_id == user.pk:
        return
    try:
        changed = reassign_ticket(actor=SLA_ESCALATION, ref=ticket.pk, assignee=user, reason=what)
    except ValidationFailed as exc:
        logger.warning("SLA escalation could not reassign %s: %s", ticket.number, exc.detail)
        return
    _follow(ticket, changed, ("assignee", "team"))


def _raise_priority(ticket: Ticket) -> None:
    if ticket.priority <= 1:
        return
    changed = raise_priority(
        actor=SLA_ESCALATION,
        ref=ticket.pk,
        priority=ticket.priority - 1,
        reason="Raised by SLA escalation",
    )
    _follow(ticket, changed, ("priority", "priority_override_reason"))


def _follow(ticket: Ticket, changed: Ticket, names: tuple[str, ...]) -> None:
    """Bring the sweep's copy of a ticket up to what a service wrote: a second clock of the
    ticket escalating in the same batch must see the first one's change. Related objects
    that did not change stay as the sweep loaded them (the team with its lead)."""
    for name in (*names, "revision", "updated_at"):
        attname = Ticket._meta.get_field(name).attname  # type: ignore[union-attr]
        if getattr(ticket, attname) != getattr(changed, attname):
            setattr(ticket, name, getattr(changed, name))
