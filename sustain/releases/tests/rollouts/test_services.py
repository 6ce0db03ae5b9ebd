"""Planning and moving rollouts: the state machine, the approval gate, what done and rolled
back leave on the deployment, and who may."""

from __future__ import annotations

from datetime import datetime

import pytest

from sustain.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from sustain.factories import open_ticket
from sustain.releases.deployments.choices import DeploymentChangeKind, DeploymentChannel
from sustain.releases.deployments.models import Deployment, DeploymentChange
from sustain.releases.rollouts.choices import RolloutStatus as S
from sustain.releases.rollouts.models import Rollout, RolloutEvent
from sustain.tickets.choices import ApprovalDecision, Kind
from sustain.tickets.models import Ticket


def test_planning_opens_a_change_ticket_named_for_the_rollout(make_rollout, engineer, running):
    rollout = make_rollout(note="Night window")

    ticket = rollout.change_ticket
    assert ticket.kind == Kind.CHANGE
    assert ticket.title == "Roll out Gizmo 4.3.0 to Acme (production)"
    assert ticket.organisation == rollout.organisation
    assert ticket.requester == engineer
    assert "2026-12-10 20:00 UTC" in ticket.messages.get().body
    assert (rollout.status, rollout.from_name, rollout.planned_by) == (S.PLANNED, "4.2.0", engineer)
    assert list(RolloutEvent.objects.values_list("from_status", "to_status")) == [("", S.PLANNED)]


def test_an_existing_change_ticket_may_be_chosen(make_rollout, engineer, acme):
    change = open_ticket(engineer, kind=Kind.CHANGE, title="Q4 upgrades", organisation=acme)
    rollout = make_rollout(change_ticket=change.number)
    assert rollout.change_ticket == change
    assert Ticket.objects.count() == 1


@pytest.mark.parametrize(
    ("ticket_fields", "message"),
    [
        ({"kind": Kind.INCIDENT}, "not a change"),
        ({"kind": Kind.CHANGE, "organisation": "globex"}, "another organisation"),
    ],
)
def test_a_chosen_ticket_must_be_a_change_of_that_organisation(
    request, make_rollout, engineer, ticket_fields, message
):
    if ticket_fields.get("organisation") == "globex":
        ticket_fields["organisation"] = request.getfixturevalue("globex")
    other = open_ticket(engineer, **ticket_fields)
    with pytest.raises(ValidationFailed, match=message) as raised:
        make_rollout(change_ticket=other.number)
    assert "change_ticket" in raised.value.errors
    assert not Rollout.objects.exists()


def test_an_unknown_ticket_is_a_bad_field(make_rollout):
    with pytest.raises(ValidationFailed) as raised:
        make_rollout(change_ticket="SUS-999")
    assert "change_ticket" in raised.value.errors


def test_a_naive_planned_start_and_an_unknown_environment_are_refused(make_rollout):
    with pytest.raises(ValidationFailed):
        make_rollout(planned_start=datetime(2026, 12, 10, 20, 0))  # noqa: DTZ001
    with pytest.raises(ValidationFailed):
        make_rollout(environment="moon")
    assert not Ticket.objects.exists()


@pytest.mark.parametrize("who", ["alice", "viewer", "bob"])
def test_only_engineers_leads_and_administrators_plan(request, make_rollout, who):
    with pytest.raises(PermissionDenied):
        make_rollout(actor=request.getfixturevalue(who))


def test_a_rollout_does_not_start_before_its_change_is_approved(make_rollout, move):
    rollout = make_rollout()
    with pytest.raises(Conflict, match="not approved yet") as raised:
        move(rollout, S.IN_PROGRESS)
    assert "change_ticket" in raised.value.errors
    rollout.refresh_from_db()
    assert rollout.status == S.PLANNED


def test_a_rejected_change_blocks_the_start(make_rollout, approve, move):
    rollout = make_rollout()
    approve(rollout, ApprovalDecision.REJECTED, "Not during the freeze.")
    with pytest.raises(Conflict, match="was rejected"):
        move(rollout, S.IN_PROGRESS)


def test_a_change_approved_then_rejected_blocks_the_start(make_rollout, approve, move):
    rollout = make_rollout()
    approve(rollout)
    approve(rollout, ApprovalDecision.REJECTED, "Withdrawn.")
    with pytest.raises(Conflict):
        move(rollout, S.IN_PROGRESS)


def test_done_sets_the_deployment_through_its_history(
    make_rollout, approve, move, lead, running, acme, v43
):
    rollout = make_rollout()
    approve(rollout)
    move(rollout, S.IN_PROGRESS)
    done = move(rollout, S.DONE, "Smooth.", actor=lead)

    deployment = Deployment.objects.get(organisation=acme, environment="production")
    assert deployment.version == v43
    change = DeploymentChange.objects.latest("id")
    assert (change.kind, change.from_name, change.to_name) == (
        DeploymentChangeKind.UPGRADED,
        "4.2.0",
        "4.3.0",
    )
    assert change.channel == DeploymentChannel.ROLLOUT
    assert change.actor == lead
    assert change.note == f"Rollout {rollout.pk} ({rollout.change_ticket.number}): Smooth."
    assert done.deployment_change == change
    assert (done.status, done.finished_by) == (S.DONE, lead)
    assert done.started_at <= done.finished_at
    assert [e.to_status for e in done.events.all()] == [S.PLANNED, S.IN_PROGRESS, S.DONE]


def test_a_first_installation_is_set_when_done(make_rollout, approve, move, acme, v43):
    rollout = make_rollout(environment="staging")
    assert rollout.from_name == ""
    approve(rollout)
    move(rollout, S.IN_PROGRESS)
    move(rollout, S.DONE)
    assert Deployment.objects.get(organisation=acme, environment="staging").version == v43


def test_a_rollback_keeps_the_previous_version_and_needs_a_reason(
    make_rollout, approve, move, running, acme, v42
):
    rollout = make_rollout()
    approve(rollout)
    move(rollout, S.IN_PROGRESS)
    with pytest.raises(ValidationFailed) as raised:
        move(rollout, S.ROLLED_BACK)
    assert "note" in raised.value.errors

    back = move(rollout, S.ROLLED_BACK, "Login broke for SSO users.")
    assert back.status == S.ROLLED_BACK
    assert back.finished_at is not None
    assert Deployment.objects.get(organisation=acme).version == v42
    assert DeploymentChange.objects.count() == 1  # only the fixture's first set
    assert back.events.last().note == "Login broke for SSO users."


@pytest.mark.parametrize(
    ("path", "refused"),
    [
        ([], S.DONE),
        ([], S.ROLLED_BACK),
        ([S.IN_PROGRESS], S.CANCELLED),
        ([S.IN_PROGRESS], S.PLANNED),
        ([S.IN_PROGRESS, S.DONE], S.ROLLED_BACK),
        ([S.IN_PROGRESS, S.DONE], S.IN_PROGRESS),
        ([S.IN_PROGRESS, S.ROLLED_BACK], S.DONE),
        ([S.CANCELLED], S.IN_PROGRESS),
    ],
)
def test_illegal_transitions_are_refused(make_rollout, approve, move, path, refused):
    rollout = make_rollout()
    approve(rollout)
    for status in path:
        move(rollout, status, "why")
    with pytest.raises(Conflict) as raised:
        move(rollout, refused, "why")
    assert "status" in raised.value.errors
    rollout.refresh_from_db()
    assert rollout.status == (path[-1] if path else S.PLANNED)


def test_an_unknown_status_is_a_bad_field(make_rollout, move):
    with pytest.raises(ValidationFailed):
        move(make_rollout(), "paused")


def test_a_planned_rollout_may_be_cancelled_without_approval(make_rollout, move, running, acme):
    cancelled = move(make_rollout(), S.CANCELLED)
    assert cancelled.status == S.CANCELLED
    assert Deployment.objects.get(organisation=acme).version.name == "4.2.0"


def test_one_rollout_at_a_time_moves_a_deployment(make_rollout, approve, move):
    first, second = make_rollout(), make_rollout()
    approve(first)
    approve(second)
    move(first, S.IN_PROGRESS)
    with pytest.raises(Conflict, match="in progress"):
        move(second, S.IN_PROGRESS)
    move(first, S.DONE)
    assert move(second, S.IN_PROGRESS).status == S.IN_PROGRESS


@pytest.mark.parametrize("who", ["alice", "viewer"])
def test_only_rollout_writers_move_rollouts(request, make_rollout, approve, move, who):
    rollout = make_rollout()
    approve(rollout)
    with pytest.raises(PermissionDenied):
        move(rollout, S.IN_PROGRESS, actor=request.getfixturevalue(who))


def test_a_customer_cannot_see_another_organisations_rollout(make_rollout, carol):
    from sustain.releases.rollouts.selectors import get_rollout_for, visible_rollouts

    rollout = make_rollout()
    assert not visible_rollouts(carol).exists()
    with pytest.raises(NotFound):
        get_rollout_for(carol, rollout.pk)


def test_history_is_never_changed(make_rollout):
    event = make_rollout().events.get()
    with pytest.raises(TypeError):
        event.save()
    with pytest.raises(TypeError):
        event.delete()
