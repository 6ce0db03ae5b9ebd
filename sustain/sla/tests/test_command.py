"""``sustain sla recompute`` and ``sustain sla sweep``."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from sustain.accounts.models import User
from sustain.sla.models import SlaPolicy, SlaTarget, TicketClock
from sustain.tickets.models import Ticket
from sustain.tickets.services import transition_ticket

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = StringIO()
    call_command("sla", *args, stdout=out)
    return out.getvalue()


def change_resolution_target(policy: SlaPolicy, minutes: int) -> None:
    SlaTarget.objects.filter(policy=policy, priority=3).update(resolution_minutes=minutes)
    SlaPolicy.objects.filter(pk=policy.pk).update(updated_at=timezone.now())


def test_recompute_reports_what_moved_and_dry_run_writes_nothing(
    standard_policy: SlaPolicy, make_ticket: Callable[..., Ticket], bob: User
) -> None:
    ticket = make_ticket(bob)
    change_resolution_target(standard_policy, 60)
    output = run("recompute", "--dry-run")
    assert f"{ticket.number} resolution: target_minutes 960 -> 60; warning_at" in output
    assert "Checked 1 ticket(s): 1 clock(s) would move." in output
    assert TicketClock.objects.get(ticket=ticket, target="resolution").target_minutes == 960
    assert "1 clock(s) moved." in run("recompute")
    assert TicketClock.objects.get(ticket=ticket, target="resolution").target_minutes == 60
    assert "0 clock(s) moved." in run("recompute")


def test_recompute_skips_closed_tickets_unless_all_and_honours_since(
    standard_policy: SlaPolicy, make_ticket: Callable[..., Ticket], bob: User, alice: User
) -> None:
    ticket = make_ticket(bob)
    transition_ticket(actor=alice, ref=ticket.pk, status="closed")
    change_resolution_target(standard_policy, 60)
    assert "Checked 0 ticket(s)" in run("recompute")
    tomorrow = (timezone.now() + timedelta(days=1)).date().isoformat()
    assert "Checked 0 ticket(s)" in run("recompute", "--all", "--since", tomorrow)
    assert "Checked 1 ticket(s): 1 clock(s) moved." in run("recompute", "--all")


def test_a_bad_since_date_is_refused() -> None:
    with pytest.raises(CommandError, match="--since takes a date"):
        run("recompute", "--since", "yesterday")


def test_sweep_reports_counts(standard_policy: SlaPolicy) -> None:
    assert run("sweep").strip() == "0 warning(s), 0 breach(es), 0 escalation rule(s) run."
