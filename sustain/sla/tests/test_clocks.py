"""Clock computation from facts (pure): pauses, breaches, cycles, matching, order."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from sustain.sla.businesstime import ALWAYS, Calendar, make_calendar
from sustain.sla.choices import ClockState
from sustain.sla.clocks import ClockValue, PolicyRule, TicketFacts, compute_clocks, match_policy
from sustain.sla.engine import _facts

T0 = datetime(2026, 5, 4, 8, 0, tzinfo=UTC)  # a Monday
M = timedelta(minutes=1)
H = timedelta(hours=1)


def rule(calendar: Calendar = ALWAYS, **extra: object) -> PolicyRule:
    fields: dict[str, object] = {
        "id": 1,
        "name": "Standard",
        "calendar": calendar,
        "warning_share": 0.75,
        "pause_statuses": frozenset({"pending_customer", "pending_third_party"}),
        "targets": {3: {"first_response": 60, "next_response": 120, "resolution": 480}},
    }
    fields.update(extra)
    return PolicyRule(**fields)  # type: ignore[arg-type]


def facts(**extra: object) -> TicketFacts:
    fields: dict[str, object] = {
        "id": 7,
        "created_at": T0,
        "priority": 3,
        "kind": "incident",
        "channel": "web",
        "organisation_id": 1,
        "tier": "gold",
        "product_id": None,
        "tag_ids": frozenset(),
        "statuses": ((T0, "new"),),
        "customer_messages": (T0,),
        "staff_replies": (),
    }
    fields.update(extra)
    return TicketFacts(**fields)  # type: ignore[arg-type]


def clocks(
    f: TicketFacts, now: datetime, policy: PolicyRule | None = None
) -> dict[str, ClockValue]:
    return {c.target: c for c in compute_clocks(f, [policy or rule()], now)}


def test_a_new_ticket_has_running_first_response_and_resolution_clocks() -> None:
    result = clocks(facts(), T0 + 10 * M)
    assert set(result) == {"first_response", "resolution"}
    first = result["first_response"]
    assert first.state == ClockState.RUNNING
    assert first.due_at == T0 + H
    assert first.warning_at == T0 + 45 * M
    assert result["resolution"].due_at == T0 + 8 * H
    assert first.reason == "Standard: applies to every ticket"


def test_a_staff_reply_meets_first_response_and_a_customer_reply_starts_next_response() -> None:
    f = facts(customer_messages=(T0, T0 + 2 * H), staff_replies=(T0 + 30 * M, T0 + 5 * H))
    result = clocks(f, T0 + 6 * H)
    assert result["first_response"].state == ClockState.MET
    assert result["first_response"].met_at == T0 + 30 * M
    nxt = result["next_response"]
    assert nxt.started_at == T0 + 2 * H
    assert nxt.due_at == T0 + 4 * H
    assert nxt.state == ClockState.BREACHED
    assert nxt.breached_at == T0 + 4 * H
    assert nxt.met_at == T0 + 5 * H


def test_a_second_customer_message_before_the_answer_does_not_restart_next_response() -> None:
    f = facts(customer_messages=(T0, T0 + 2 * H, T0 + 3 * H), staff_replies=(T0 + 30 * M,))
    assert clocks(f, T0 + 3 * H)["next_response"].started_at == T0 + 2 * H


def test_pending_customer_pauses_the_clock_and_moves_the_due_time() -> None:
    statuses = ((T0, "new"), (T0 + 10 * M, "pending_customer"), (T0 + 40 * M, "open"))
    result = clocks(facts(statuses=statuses), T0 + H)
    assert result["first_response"].due_at == T0 + 90 * M
    assert result["first_response"].paused == [
        [(T0 + 10 * M).isoformat(), (T0 + 40 * M).isoformat()]
    ]


def test_a_clock_paused_now_has_no_due_time_and_keeps_its_remaining_time() -> None:
    statuses = ((T0, "new"), (T0 + 10 * M, "pending_third_party"))
    first = clocks(facts(statuses=statuses), T0 + 5 * H)["first_response"]
    assert first.state == ClockState.PAUSED
    assert first.due_at is None
    assert first.elapsed_seconds == 600
    assert first.paused == [[(T0 + 10 * M).isoformat(), None]]


def test_a_passed_due_time_is_a_breach_at_the_due_time() -> None:
    first = clocks(facts(), T0 + 2 * H)["first_response"]
    assert first.state == ClockState.BREACHED
    assert first.breached_at == T0 + H
    assert first.is_active


def test_resolving_meets_resolution_and_reopening_resumes_it_minus_the_resolved_time() -> None:
    resolved = ((T0, "new"), (T0 + H, "resolved"))
    result = clocks(facts(statuses=resolved, staff_replies=(T0 + H,)), T0 + 2 * H)
    assert result["resolution"].state == ClockState.MET
    assert result["resolution"].met_at == T0 + H
    reopened = (*resolved, (T0 + 3 * H, "open"))
    again = clocks(facts(statuses=reopened, staff_replies=(T0 + H,)), T0 + 4 * H)["resolution"]
    assert again.state == ClockState.RUNNING
    assert again.due_at == T0 + 10 * H


def test_closing_without_an_answer_cancels_first_response() -> None:
    closed = ((T0, "new"), (T0 + 20 * M, "closed"))
    result = clocks(facts(statuses=closed), T0 + 3 * H)
    assert result["first_response"].state == ClockState.CANCELLED
    assert result["first_response"].breached_at is None
    assert not result["first_response"].is_active


def test_due_times_follow_the_business_calendar() -> None:
    berlin = ZoneInfo("Europe/Berlin")
    office = make_calendar(zone="Europe/Berlin", week=[[(time(9), time(17))]] * 5 + [[], []])
    friday = datetime(2026, 5, 8, 16, tzinfo=berlin)
    f = facts(created_at=friday, statuses=((friday, "new"),), customer_messages=(friday,))
    result = clocks(f, friday, rule(office))
    assert result["resolution"].due_at == datetime(2026, 5, 11, 16, tzinfo=berlin)
    assert result["first_response"].warning_at == datetime(2026, 5, 8, 16, 45, tzinfo=berlin)


def test_the_first_matching_policy_applies_and_says_why() -> None:
    vip = rule(id=2, name="Gold P1-P3", tier="gold", priorities=frozenset({1, 2, 3}))
    acme = rule(id=3, name="Acme", organisation=(1, "Acme"))
    matched = match_policy(facts(), [vip, acme])
    assert matched is not None
    assert matched[0].id == 2
    assert matched[1] == "Gold P1-P3: customer tier is gold; priority is P3"
    assert match_policy(facts(tier="silver"), [vip, acme])[0].id == 3  # type: ignore[index]
    assert match_policy(facts(organisation_id=9, tier=""), [vip, acme]) is None
    tagged = rule(tag=(5, "vip"), kinds=frozenset({"bug"}), channels=frozenset({"email"}))
    assert match_policy(facts(tag_ids=frozenset({5}), kind="bug"), [tagged]) is None
    assert (
        match_policy(facts(tag_ids=frozenset({5}), kind="bug", channel="email"), [tagged])
        is not None
    )


def test_a_priority_without_targets_has_no_clocks() -> None:
    assert compute_clocks(facts(priority=4), [rule()], T0) == []


Event = tuple[datetime, int, str, str, int | None, str | None]


@settings(max_examples=100, deadline=None)
@given(st.permutations(list(range(6))))
def test_the_order_events_are_read_in_does_not_matter(order: list[int]) -> None:
    events: list[Event] = [
        (T0 + 10 * M, 1, "changed", "open", 5, "agent"),
        (T0 + 20 * M, 2, "replied", "", 5, "agent"),
        (T0 + 30 * M, 3, "changed", "pending_customer", 5, "agent"),
        (T0 + 90 * M, 4, "replied", "", 9, "customer"),
        (T0 + 90 * M, 5, "changed", "open", 9, "customer"),
        (T0 + 3 * H, 6, "replied", "", 5, "agent"),
    ]
    row = {
        "id": 7,
        "created_at": T0,
        "updated_at": T0 + 3 * H,
        "priority": 3,
        "kind": "incident",
        "channel": "web",
        "status": "open",
        "organisation_id": 1,
        "organisation__tier": "",
        "product_id": None,
        "requester_id": 9,
    }
    expected = compute_clocks(_facts(row, set(), events), [rule()], T0 + 4 * H)
    shuffled = [events[i] for i in order]
    assert compute_clocks(_facts(row, set(), shuffled), [rule()], T0 + 4 * H) == expected
    assert {c.target for c in expected} == {"first_response", "next_response", "resolution"}
    resolution = next(c for c in expected if c.target == "resolution")
    assert resolution.due_at == T0 + 8 * H + 60 * M


def test_facts_take_a_status_missing_from_the_log_from_the_ticket() -> None:
    row = {
        "id": 7,
        "created_at": T0,
        "updated_at": T0 + H,
        "priority": 3,
        "kind": "incident",
        "channel": "web",
        "status": "closed",
        "organisation_id": None,
        "organisation__tier": None,
        "product_id": None,
        "requester_id": 9,
    }
    f = _facts(row, set(), [])
    assert f.statuses[-1] == (T0 + H, "closed")
    assert replace(f, tier="").tier == ""
