"""The SLA engine: ticket clocks recomputed from the activity log, the normal path and the replay.

:func:`recompute` loads the facts of some tickets in a few queries, computes their clocks with
:mod:`sustain.sla.clocks` and writes only what moved. The ticket services call it (through
``sustain/tickets/hooks.py``) inside their transaction; ``sustain sla recompute`` calls it for
many tickets after a policy or calendar change.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from itertools import islice
from typing import Any

from django.db import connection, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import QuerySet
from django.utils import timezone

from sustain.core import batches, fastsql
from sustain.sla.businesstime import ALWAYS
from sustain.sla.clocks import ClockValue, PolicyRule, TicketFacts, compute_clocks
from sustain.sla.models import BusinessCalendar, SlaPolicy, TicketClock
from sustain.tickets import history
from sustain.tickets.models import Ticket

CHUNK = 500
_WRITTEN = (*ClockValue.COMPARED, "reason", "paused", "elapsed_seconds")


# --- policies -----------------------------------------------------------------------------
_policy_cache: dict[str, Any] = {}


def _fingerprint() -> tuple[Any, ...]:
    """Changes whenever a policy or calendar (or anything under them) changes: services bump
    their ``updated_at``. One query instead of five on every ticket change, and one per batch
    of mail intake (``core.batches``)."""
    return batches.read_once("sla.policies.fingerprint", _read_fingerprint)


def _read_fingerprint() -> tuple[Any, ...]:
    with connection.cursor() as cursor:
        cursor.execute(_fingerprint_sql())
        row = cursor.fetchone()
    return tuple(row or ())


@fastsql.per_vendor
def _fingerprint_sql(db: BaseDatabaseWrapper) -> str:
    quote = db.ops.quote_name
    policies, calendars = quote(SlaPolicy._meta.db_table), quote(BusinessCalendar._meta.db_table)
    return fastsql.prepared(
        f"SELECT COUNT(*), MAX(id), MAX(updated_at), (SELECT COUNT(*) FROM {calendars}), "  # noqa: S608
        f"(SELECT MAX(id) FROM {calendars}), (SELECT MAX(updated_at) FROM {calendars}) "
        f"FROM {policies}"
    )


def active_policies() -> list[PolicyRule]:
    """The active policies in order, compiled; cached until a policy or calendar changes."""
    key = _fingerprint()
    if _policy_cache.get("key") != key:
        _policy_cache["rules"] = _compile_policies()
        _policy_cache["key"] = key
    rules: list[PolicyRule] = _policy_cache["rules"]
    return rules


def forget_policies() -> None:
    _policy_cache.clear()


def _compile_policies() -> list[PolicyRule]:
    policies = (
        SlaPolicy.objects.filter(is_active=True)
        .select_related("calendar", "organisation", "product", "tag")
        .prefetch_related("targets", "calendar__intervals", "calendar__holidays")
    )
    return [compile_policy(policy) for policy in policies]


def compile_policy(policy: SlaPolicy) -> PolicyRule:
    targets: dict[int, dict[str, int]] = {}
    for target in policy.targets.all():
        targets[target.priority] = {
            name: minutes
            for name in ("first_response", "next_response", "resolution")
            if (minutes := target.minutes_for(name))
        }
    org, product, tag = policy.organisation, policy.product, policy.tag
    return PolicyRule(
        id=policy.pk,
        name=policy.name,
        calendar=policy.calendar.as_value() if policy.calendar else ALWAYS,
        warning_share=policy.warning_share,
        pause_statuses=frozenset(policy.pause_statuses),
        targets=targets,
        organisation=(org.pk, org.name) if org else None,
        tier=policy.customer_tier,
        product=(product.pk, product.name) if product else None,
        tag=(tag.pk, tag.name) if tag else None,
        kinds=frozenset(policy.kinds),
        priorities=frozenset(int(p) for p in policy.priorities),
        channels=frozenset(policy.channels),
    )


# --- facts --------------------------------------------------------------------------------
def load_facts(ticket_ids: Collection[int]) -> dict[int, TicketFacts]:
    """The facts of these tickets in three queries (tickets, tags, activity log); their
    history is read the way :mod:`sustain.tickets.history` reads it for everyone."""
    tickets = list(
        Ticket.objects.filter(pk__in=ticket_ids)
        .order_by()
        .values(
            *history.HISTORY_FIELDS,
            "priority",
            "kind",
            "channel",
            "organisation_id",
            "organisation__tier",
            "product_id",
        )
    )
    tags: dict[int, set[int]] = {}
    for ticket_id, tag_id in Ticket.tags.through.objects.filter(
        ticket_id__in=ticket_ids
    ).values_list("ticket_id", "tag_id"):
        tags.setdefault(ticket_id, set()).add(tag_id)
    log = history.log_rows(ticket_ids)
    return {
        row["id"]: _facts(row, tags.get(row["id"], set()), log.get(row["id"], []))
        for row in tickets
    }


def _facts(row: Mapping[str, Any], tag_ids: set[int], log: Iterable[history.LogRow]) -> TicketFacts:
    """What the clocks need: the ticket's history and the columns the policies match on."""
    past = history.history_from(row, log)
    return TicketFacts(
        id=row["id"],
        created_at=past.created_at,
        priority=row["priority"],
        kind=row["kind"],
        channel=row["channel"],
        organisation_id=row["organisation_id"],
        tier=row["organisation__tier"] or "",
        product_id=row["product_id"],
        tag_ids=frozenset(tag_ids),
        statuses=past.statuses,
        customer_messages=past.customer_messages,
        staff_replies=past.staff_replies,
    )


# --- recompute ----------------------------------------------------------------------------
@dataclass(frozen=True)
class Move:
    """One clock that changed: ``before`` or ``after`` is None when it appeared or went."""

    ticket_id: int
    target: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None

    def changed_fields(self) -> list[str]:
        if self.before is None or self.after is None:
            return ["created" if self.before is None else "removed"]
        return [k for k in ClockValue.COMPARED if self.before.get(k) != self.after.get(k)]


@dataclass
class RecomputeResult:
    checked: int = 0
    moves: list[Move] = field(default_factory=list)


def recompute(
    tickets: Iterable[int] | QuerySet[Ticket],
    *,
    dry_run: bool = False,
    now: datetime | None = None,
    created: bool = False,
) -> RecomputeResult:
    """Recompute the clocks of these tickets (ids or a queryset) and return what moved.

    The same function serves every ticket change and the replay after a policy change, so
    both give the same clocks. With ``dry_run`` nothing is written. ``created`` tickets were
    made in this transaction, so they have no clocks to read yet.
    """
    now = now or timezone.now()
    policies = active_policies()
    result = RecomputeResult()
    if created and not policies:
        # New tickets without any policy: no clocks to start and none yet to drop.
        return result
    ids: Iterable[int] = (
        tickets.order_by("pk").values_list("pk", flat=True).iterator(chunk_size=CHUNK)
        if isinstance(tickets, QuerySet)
        else tickets
    )
    for chunk in _chunks(ids, CHUNK):
        # No savepoint: inside a ticket service this joins its transaction at no extra cost.
        with transaction.atomic(savepoint=False):
            result.checked += len(chunk)
            result.moves += _recompute_chunk(chunk, policies, now, dry_run=dry_run, created=created)
    return result


def refresh_clocks(ticket_ids: Collection[int], *, created: bool = False) -> None:
    """The hook the ticket services call inside their transaction."""
    recompute(ticket_ids, created=created)


def _chunks(ids: Iterable[int], size: int) -> Iterator[list[int]]:
    iterator = iter(ids)
    while chunk := list(islice(iterator, size)):
        yield chunk


def _recompute_chunk(
    ticket_ids: list[int],
    policies: list[PolicyRule],
    now: datetime,
    *,
    dry_run: bool,
    created: bool = False,
) -> list[Move]:
    # Without any policy there is nothing to compute, only old clocks to drop.
    facts = load_facts(ticket_ids) if policies else {}
    existing: dict[tuple[int, str], TicketClock] = {}
    if not created:
        # Locked: a sweep that claims an escalation meanwhile must not have its claim
        # overwritten by this computation's older copy of the row.
        if len(ticket_ids) == 1 and not dry_run:
            # One ticket, as every ticket service asks: a statement written once.
            rows: Iterable[TicketClock] = _CLOCKS_OF_TICKET.all(ticket_ids[0])
        else:
            clocks = TicketClock.objects.filter(ticket_id__in=ticket_ids).order_by("pk")
            rows = clocks if dry_run else clocks.select_for_update()
        existing = {(c.ticket_id, c.target): c for c in rows}
    moves: list[Move] = []
    create: list[TicketClock] = []
    update: list[TicketClock] = []
    seen: set[tuple[int, str]] = set()
    for ticket_id, ticket_facts in facts.items():
        for value in compute_clocks(ticket_facts, policies, now):
            key = (ticket_id, value.target)
            seen.add(key)
            row = existing.get(key)
            before = snapshot(row) if row else None
            if row is None:
                row = TicketClock(ticket_id=ticket_id, target=value.target)
                create.append(row)
            elif _same(row, value):
                continue
            else:
                update.append(row)
            apply_value(row, value, now)
            moves.append(Move(ticket_id, value.target, before, snapshot(row)))
    gone = [row for key, row in existing.items() if key not in seen]
    moves += [Move(row.ticket_id, row.target, snapshot(row), None) for row in gone]
    if not dry_run:
        TicketClock.objects.bulk_create(create)
        _write_updates(update)
        if gone:
            TicketClock.objects.filter(pk__in=[row.pk for row in gone]).delete()
    return moves


_CLOCKS_OF_TICKET = fastsql.RowLookup(TicketClock, "ticket", lock=True)
_CLAIMS = ("warning_escalated_at", "breach_escalated_at")
_UPDATED = (*_WRITTEN, "computed_at", "next_deadline", *_CLAIMS)


def _write_updates(rows: list[TicketClock]) -> None:
    """Write moved clocks. bulk_update's CASE expressions cost far more to build (about
    10 ms a row) than to run, so PostgreSQL gets one UPDATE ... FROM (VALUES ...) per 500
    rows and other databases (local SQLite) one UPDATE per row."""
    if not rows:
        return
    if connection.vendor != "postgresql":
        for row in rows:
            row.save(update_fields=list(_UPDATED))
        return
    fields = [TicketClock._meta.get_field(name) for name in _UPDATED]
    quote = connection.ops.quote_name
    columns = [quote(str(f.column)) for f in fields]  # type: ignore[union-attr]
    casts = ["%s::bigint", *(f"%s::{f.db_type(connection)}" for f in fields)]
    row_sql = f"({', '.join(casts)})"
    assignments = ", ".join(f"{c} = v.{c}" for c in columns)
    for start in range(0, len(rows), CHUNK):
        batch = rows[start : start + CHUNK]
        params: list[Any] = []
        for row in batch:
            params.append(row.pk)
            params += [
                f.get_db_prep_save(getattr(row, f.attname), connection)  # type: ignore[union-attr]
                for f in fields
            ]
        sql = (
            f"UPDATE {quote(TicketClock._meta.db_table)} AS c SET {assignments} "  # noqa: S608
            f"FROM (VALUES {', '.join([row_sql] * len(batch))}) AS v(id, {', '.join(columns)}) "
            "WHERE c.id = v.id"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, params)


def _same(row: TicketClock, value: ClockValue) -> bool:
    # elapsed_seconds is left out: it grows with time on its own; it counts until computed_at.
    return all(getattr(row, name) == getattr(value, name) for name in _WRITTEN[:-1])


def apply_value(row: TicketClock, value: ClockValue, now: datetime) -> None:
    for name in _WRITTEN:
        setattr(row, name, getattr(value, name))
    row.computed_at = now
    # An escalation already run stays done only while its threshold has not moved later.
    if value.warning_at is None or (
        row.warning_escalated_at is not None and value.warning_at > row.warning_escalated_at
    ):
        row.warning_escalated_at = None
    if value.due_at is None or (
        row.breach_escalated_at is not None and value.due_at > row.breach_escalated_at
    ):
        row.breach_escalated_at = None
    row.next_deadline = next_deadline(row) if value.is_active else None


def next_deadline(row: TicketClock) -> datetime | None:
    """The next instant the sweep must look at this clock."""
    pending = []
    if row.warning_at is not None and row.warning_escalated_at is None:
        pending.append(row.warning_at)
    if row.due_at is not None and row.breach_escalated_at is None:
        pending.append(row.due_at)
    return min(pending, default=None)


def snapshot(row: TicketClock) -> dict[str, Any]:
    return {name: getattr(row, name) for name in ClockValue.COMPARED}
