"""Clocks from facts: which policy applies to a ticket and where each of its clocks stands.

Everything here is pure: the facts of a ticket (its attributes and the events of its activity
log), the compiled policies and "now" go in, clock values come out. Events are sorted by time
before use, so the result never depends on the order they were recorded or processed in, and a
replay after a policy change gives what the policy would have given from the start.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sustain.sla.businesstime import Calendar, add, elapsed, merge_pauses
from sustain.sla.choices import ClockState, Target

ENDED_STATUSES = frozenset({"resolved", "closed"})


@dataclass(frozen=True)
class TicketFacts:
    """What the clocks of one ticket depend on."""

    id: int
    created_at: datetime
    priority: int
    kind: str
    channel: str
    organisation_id: int | None
    tier: str
    product_id: int | None
    tag_ids: frozenset[int]
    # (when, status) from creation on, sorted; the first entry is ("new" at creation).
    statuses: tuple[tuple[datetime, str], ...]
    # Public messages of the customer side (the description included), sorted.
    customer_messages: tuple[datetime, ...]
    # Public replies of staff other than the requester, sorted.
    staff_replies: tuple[datetime, ...]


@dataclass(frozen=True)
class PolicyRule:
    """An SlaPolicy compiled for matching: ids and names only, no database access."""

    id: int
    name: str
    calendar: Calendar
    warning_share: float
    pause_statuses: frozenset[str]
    # {priority: {target: minutes}}
    targets: dict[int, dict[str, int]]
    organisation: tuple[int, str] | None = None
    tier: str = ""
    product: tuple[int, str] | None = None
    tag: tuple[int, str] | None = None
    kinds: frozenset[str] = frozenset()
    priorities: frozenset[int] = frozenset()
    channels: frozenset[str] = frozenset()

    def reason_for(self, facts: TicketFacts) -> str | None:
        """Why the policy matches the ticket, or None when it does not."""
        reasons: list[str] = []
        checks: list[tuple[bool, bool, str]] = [
            (
                self.organisation is not None,
                self.organisation is not None and facts.organisation_id == self.organisation[0],
                f"organisation is {self.organisation[1] if self.organisation else ''}",
            ),
            (bool(self.tier), facts.tier == self.tier, f"customer tier is {self.tier}"),
            (
                self.product is not None,
                self.product is not None and facts.product_id == self.product[0],
                f"product is {self.product[1] if self.product else ''}",
            ),
            (
                self.tag is not None,
                self.tag is not None and self.tag[0] in facts.tag_ids,
                f"tagged {self.tag[1] if self.tag else ''}",
            ),
            (bool(self.kinds), facts.kind in self.kinds, f"kind is {facts.kind}"),
            (
                bool(self.priorities),
                facts.priority in self.priorities,
                f"priority is P{facts.priority}",
            ),
            (bool(self.channels), facts.channel in self.channels, f"channel is {facts.channel}"),
        ]
        for applies, matches, text in checks:
            if applies:
                if not matches:
                    return None
                reasons.append(text)
        return "; ".join(reasons) or "applies to every ticket"


def match_policy(
    facts: TicketFacts, policies: Sequence[PolicyRule]
) -> tuple[PolicyRule, str] | None:
    """The first policy (in order) whose conditions the ticket meets, and why."""
    for policy in policies:
        reason = policy.reason_for(facts)
        if reason is not None:
            return policy, f"{policy.name}: {reason}"
    return None


@dataclass
class ClockValue:
    """The computed state of one clock; the fields mirror TicketClock."""

    target: str
    policy_id: int | None
    reason: str
    target_minutes: int
    state: str
    started_at: datetime
    warning_at: datetime | None
    due_at: datetime | None
    met_at: datetime | None
    breached_at: datetime | None
    paused: list[list[str | None]] = field(default_factory=list)
    elapsed_seconds: int = 0

    # What counts as "the clock moved" in a recompute report (elapsed time always moves).
    COMPARED = (
        "policy_id",
        "target_minutes",
        "state",
        "started_at",
        "warning_at",
        "due_at",
        "met_at",
        "breached_at",
    )

    @property
    def is_active(self) -> bool:
        """Still counting: the sweep must watch it."""
        return self.met_at is None and self.state in (ClockState.RUNNING, ClockState.BREACHED)


def compute_clocks(
    facts: TicketFacts, policies: Sequence[PolicyRule], now: datetime
) -> list[ClockValue]:
    matched = match_policy(facts, policies)
    if matched is None:
        return []
    policy, reason = matched
    minutes = policy.targets.get(facts.priority, {})
    clocks = []
    for target in Target:
        target_minutes = minutes.get(target.value)
        if not target_minutes:
            continue
        window = _window(facts, target.value)
        if window is None:
            continue
        start, stop = window
        clocks.append(_clock(facts, policy, reason, target.value, target_minutes, start, stop, now))
    return clocks


def _window(facts: TicketFacts, target: str) -> tuple[datetime, datetime | None] | None:
    """When the clock starts and when its event happened (None: not yet)."""
    if target == Target.FIRST_RESPONSE:
        return facts.created_at, _first_after(facts.staff_replies, facts.created_at)
    if target == Target.RESOLUTION:
        last_at, last_status = facts.statuses[-1]
        return facts.created_at, last_at if last_status in ENDED_STATUSES else None
    # Next response: the last customer message that waits for an answer, after the first
    # response; a second customer message before the answer does not restart the clock.
    first = _first_after(facts.staff_replies, facts.created_at)
    if first is None:
        return None
    waiting: datetime | None = None
    for at in facts.customer_messages:
        if at <= first:
            continue
        if waiting is None or _answered_between(facts.staff_replies, waiting, at):
            waiting = at
    if waiting is None:
        return None
    return waiting, _first_after(facts.staff_replies, waiting)


def _answered_between(replies: Iterable[datetime], begin: datetime, end: datetime) -> bool:
    return any(begin <= at < end for at in replies)


def _first_after(instants: Iterable[datetime], after: datetime) -> datetime | None:
    return next((at for at in instants if at >= after), None)


def _pauses(facts: TicketFacts, statuses: frozenset[str]) -> list[tuple[datetime, datetime | None]]:
    spans: list[tuple[datetime, datetime | None]] = []
    for index, (at, status) in enumerate(facts.statuses):
        if status in statuses:
            following = facts.statuses[index + 1 : index + 2]
            spans.append((at, following[0][0] if following else None))
    return spans


def _clock(
    facts: TicketFacts,
    policy: PolicyRule,
    reason: str,
    target: str,
    target_minutes: int,
    start: datetime,
    stop: datetime | None,
    now: datetime,
) -> ClockValue:
    ended = facts.statuses[-1][1] in ENDED_STATUSES
    # A ticket that is resolved or closed stops every clock; a reopened one resumes them.
    stopping = policy.pause_statuses | ENDED_STATUSES
    end = stop or (facts.statuses[-1][0] if ended else now)
    end = max(end, start)
    spans = merge_pauses(_pauses(facts, stopping), start, end)
    paused_now = stop is None and not ended and facts.statuses[-1][1] in stopping
    amount = timedelta(minutes=target_minutes)
    warn_amount = timedelta(seconds=math.floor(target_minutes * 60 * policy.warning_share))
    open_ended = stop is None and not ended and not paused_now
    due = _instant_of(start, amount, spans, end, policy.calendar, open_ended=open_ended)
    warning = _instant_of(start, warn_amount, spans, end, policy.calendar, open_ended=open_ended)
    if stop is not None and due is None:
        # Met early: where the deadline would have been, for "met 2 h before due".
        used = elapsed(start, stop, policy.calendar, spans)
        due = add(stop, amount - used, policy.calendar)
    if stop is not None:
        state = ClockState.MET if due is None or stop <= due else ClockState.BREACHED
    elif ended:
        state = ClockState.CANCELLED
    elif due is not None and due <= now:
        state = ClockState.BREACHED
    elif paused_now:
        state = ClockState.PAUSED
    else:
        state = ClockState.RUNNING
    if stop is not None:
        breached = due if due is not None and stop > due else None
    else:
        # Running: due has passed by now; cancelled: it passed before the ticket ended.
        breached = due if due is not None and due <= (end if ended else now) else None
    return ClockValue(
        target=target,
        policy_id=policy.id,
        reason=reason[:500],
        target_minutes=target_minutes,
        state=state,
        started_at=start,
        warning_at=warning,
        due_at=due,
        met_at=stop,
        breached_at=breached,
        paused=[[b.isoformat(), f.isoformat() if f else None] for b, f in _open(spans, paused_now)],
        elapsed_seconds=int(elapsed(start, end, policy.calendar, spans).total_seconds()),
    )


def _open(
    spans: list[tuple[datetime, datetime]], paused_now: bool
) -> list[tuple[datetime, datetime | None]]:
    # The last span of a clock that is paused now has no end yet.
    result: list[tuple[datetime, datetime | None]] = list(spans)
    if paused_now and result:
        result[-1] = (result[-1][0], None)
    return result


def _instant_of(
    start: datetime,
    amount: timedelta,
    spans: list[tuple[datetime, datetime]],
    end: datetime,
    calendar: Calendar,
    *,
    open_ended: bool,
) -> datetime | None:
    """When ``amount`` of business time outside the pauses has passed since ``start``; None if
    that did not happen before ``end`` and the clock does not run on after it."""
    remaining = amount
    cursor = start
    # A clock that runs on needs no stop at ``end``: after its last pause it just adds.
    for begin, finish in spans if open_ended else [*spans, (end, end)]:
        if begin > cursor:
            used = elapsed(cursor, begin, calendar)
            if used >= remaining:
                return add(cursor, remaining, calendar)
            remaining -= used
        cursor = max(cursor, finish)
    if open_ended:
        return add(cursor, remaining, calendar)
    return None
