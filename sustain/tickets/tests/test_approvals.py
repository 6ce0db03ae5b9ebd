"""Change approval: who may decide, separation of duties, the standing decision, the log,
and the API's answers."""

from __future__ import annotations

import pytest

from sustain.accounts.choices import Role
from sustain.core.errors import Conflict, PermissionDenied, ValidationFailed
from sustain.factories import make_user, open_ticket
from sustain.tickets import approvals
from sustain.tickets.choices import ApprovalDecision, Kind, Status
from sustain.tickets.models import Activity, ChangeApproval
from sustain.tickets.services import transition_ticket

APPROVED, REJECTED = ApprovalDecision.APPROVED, ApprovalDecision.REJECTED


@pytest.fixture
def engineer(db):
    return make_user("eve@sustain.test", role=Role.ENGINEER)


@pytest.fixture
def change(engineer, acme):
    return open_ticket(engineer, kind=Kind.CHANGE, title="Roll out Gizmo 4.3", organisation=acme)


def test_a_lead_approves_a_change_and_the_timeline_says_so(lead, change):
    approval = approvals.decide_change(
        actor=lead, ref=change.number, decision=APPROVED, comment="Window agreed."
    )

    assert approval.decided_by == lead
    assert approvals.is_approved(change)
    logged = list(
        Activity.objects.filter(ticket=change, field__startswith="approval").values_list(
            "field", "old_value", "new_value"
        )
    )
    assert logged == [("approval", "", "approved"), ("approval_comment", "", "Window agreed.")]
    change.refresh_from_db()
    assert change.revision == 2


def test_the_latest_decision_stands(lead, admin, change):
    approvals.decide_change(actor=lead, ref=change.pk, decision=APPROVED)
    approvals.decide_change(actor=admin, ref=change.pk, decision=REJECTED, comment="Freeze.")

    assert not approvals.is_approved(change)
    latest = approvals.latest_decision(change.pk)
    assert latest is not None
    assert latest.decided_by == admin
    assert approvals.latest_decisions([change.pk])[change.pk].decision == REJECTED
    entry = Activity.objects.filter(ticket=change, field="approval").last()
    assert entry is not None
    assert (entry.old_value, entry.new_value) == ("approved", "rejected")


# acme_admin reads every ticket of Acme, this one too, and may still not decide.
@pytest.mark.parametrize("who", ["engineer", "alice", "viewer", "acme_admin"])
def test_only_leads_and_administrators_decide(request, who, change):
    actor = request.getfixturevalue(who)
    with pytest.raises(PermissionDenied):
        approvals.decide_change(actor=actor, ref=change.pk, decision=APPROVED)
    assert not ChangeApproval.objects.exists()


def test_a_lead_cannot_approve_a_change_they_raised(lead):
    own = open_ticket(lead, kind=Kind.CHANGE)
    with pytest.raises(PermissionDenied, match="separation of duties"):
        approvals.decide_change(actor=lead, ref=own.pk, decision=APPROVED)
    assert not approvals.may_decide(lead, own)


def test_an_administrator_may_approve_their_own_change(admin):
    own = open_ticket(admin, kind=Kind.CHANGE)
    approvals.decide_change(actor=admin, ref=own.pk, decision=APPROVED)
    assert approvals.is_approved(own)


def test_only_changes_are_approved(lead, engineer):
    incident = open_ticket(engineer, kind=Kind.INCIDENT)
    with pytest.raises(Conflict, match="not a change"):
        approvals.decide_change(actor=lead, ref=incident.pk, decision=APPROVED)


def test_a_finished_change_is_not_decided_on(lead, change):
    transition_ticket(actor=lead, ref=change.pk, status=Status.RESOLVED)
    with pytest.raises(Conflict, match="reopen"):
        approvals.decide_change(actor=lead, ref=change.pk, decision=APPROVED)


def test_a_rejection_needs_a_comment(lead, change):
    with pytest.raises(ValidationFailed) as raised:
        approvals.decide_change(actor=lead, ref=change.pk, decision=REJECTED, comment="  ")
    assert "comment" in raised.value.errors


def test_an_unknown_decision_is_refused(lead, change):
    with pytest.raises(ValidationFailed) as raised:
        approvals.decide_change(actor=lead, ref=change.pk, decision="maybe")
    assert "decision" in raised.value.errors


def test_a_change_that_became_an_incident_is_no_longer_approved(lead, change):
    approvals.decide_change(actor=lead, ref=change.pk, decision=APPROVED)
    change.kind = Kind.INCIDENT
    assert not approvals.is_approved(change)


def test_decisions_are_never_changed(lead, change):
    approval = approvals.decide_change(actor=lead, ref=change.pk, decision=APPROVED)
    with pytest.raises(TypeError):
        approval.save()
    with pytest.raises(TypeError):
        approval.delete()


# --- API ------------------------------------------------------------------------------------
def test_api_decide_and_read(api_client, lead, change):
    client = api_client(lead)
    url = f"/api/v1/tickets/{change.number}/approvals"
    before = client.get(url).json()
    assert before == {"approved": False, "decision": None, "may_decide": True, "decisions": []}

    made = client.post(url, {"decision": "approved"}, content_type="application/json")
    assert made.status_code == 201, made.content
    after = client.get(url).json()
    assert after["approved"] is True
    assert after["decisions"][0]["decided_by"]["email"] == lead.email


def test_api_refusals_are_problem_documents(api_client, lead, engineer, change, carol):
    url = f"/api/v1/tickets/{change.number}/approvals"
    own = api_client(engineer).post(url, {"decision": "approved"}, content_type="application/json")
    assert own.status_code == 403
    assert own["Content-Type"] == "application/problem+json"
    no_reason = api_client(lead).post(
        url, {"decision": "rejected"}, content_type="application/json"
    )
    assert no_reason.status_code == 422
    assert "comment" in no_reason.json()["errors"]
    other_org = api_client(carol).get(url)
    assert other_org.status_code == 404


def test_the_desk_timeline_reads_a_decision(lead, change):
    from sustain.desk.timeline import describe

    approvals.decide_change(actor=lead, ref=change.pk, decision=REJECTED, comment="Freeze.")
    entries = Activity.objects.filter(ticket=change, field__startswith="approval")
    assert [describe(a) for a in entries] == [
        "set change approval to Rejected",
        "set approval comment to Freeze.",
    ]
