"""``sustain rollouts``: plan, approve, start, finish, roll back and list, as named people."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from sustain.releases.deployments.models import Deployment
from sustain.releases.rollouts.models import Rollout


def run(*args: str) -> str:
    out = StringIO()
    call_command("rollouts", *args, stdout=out)
    return out.getvalue()


def test_plan_approve_start_finish_and_list(engineer, lead, acme, v43, running):
    start = "2026-12-10T20:00+00:00"
    planned = run("plan", "Acme", "Gizmo", "4.3.0", "--start", start, "--by", engineer.email)
    rollout = Rollout.objects.get()
    ticket = rollout.change_ticket.number
    assert f"Rollout {rollout.pk} planned; its change {ticket} awaits approval." in planned

    with pytest.raises(CommandError, match="not approved yet"):
        run("start", str(rollout.pk), "--by", engineer.email)
    assert run("approve", ticket, "--by", lead.email) == f"{ticket}: Approved.\n"
    assert run("start", str(rollout.pk), "--by", engineer.email).endswith("in progress.\n")
    run("finish", str(rollout.pk), "--by", engineer.email)
    assert Deployment.objects.get(organisation=acme).version == v43
    assert run("list", "--status", "done").split("\t")[2:6] == [
        "Acme",
        "Gizmo 4.3.0",
        "production",
        "done",
    ]


def test_refusals_are_command_errors(engineer, lead, make_rollout, approve):
    own = make_rollout(actor=lead)
    with pytest.raises(CommandError, match="separation of duties"):
        run("approve", own.change_ticket.number, "--by", lead.email)
    rollout = make_rollout()
    with pytest.raises(CommandError, match="Only a team lead"):
        run("approve", rollout.change_ticket.number, "--by", engineer.email)
    approve(rollout)
    run("start", str(rollout.pk), "--by", engineer.email)
    with pytest.raises(CommandError, match="Say why"):
        run("rollback", str(rollout.pk), "--by", engineer.email)
    with pytest.raises(CommandError, match="no active user"):
        run("cancel", str(rollout.pk), "--by", "nobody@sustain.test")
    with pytest.raises(CommandError, match="not an ISO 8601"):
        run("plan", "Acme", "Gizmo", "4.3.0", "--start", "tomorrow", "--by", lead.email)
