"""The change approval panel of a change ticket's page: its decisions and rollouts, and
Approve / Reject for a lead, through htmx."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse

from sustain.factories import open_ticket
from sustain.tickets import approvals
from sustain.tickets.choices import Kind

HTMX = {"HX-Request": "true"}


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_change_ticket_page_shows_its_approval_and_rollouts(lead, engineer, make_rollout):
    rollout = make_rollout()
    url = reverse("desk:detail", args=[rollout.change_ticket.number])

    page = signed_in(lead).get(url).content.decode()
    assert "Change approval" in page
    assert "Awaiting approval by a team lead" in page
    assert reverse("rollouts:detail", args=[rollout.pk]) in page
    assert 'value="approved"' in page
    assert 'value="approved"' not in signed_in(engineer).get(url).content.decode()


def test_other_tickets_have_no_approval_panel(lead, engineer):
    incident = open_ticket(engineer, kind=Kind.INCIDENT)
    page = signed_in(lead).get(reverse("desk:detail", args=[incident.number]))
    assert "Change approval" not in page.content.decode()


def test_a_lead_approves_from_the_panel(lead, make_rollout):
    ticket = make_rollout().change_ticket
    url = reverse("rollouts:decide_change", args=[ticket.number])

    answer = signed_in(lead).post(url, {"decision": "approved", "comment": "Go."}, headers=HTMX)

    assert answer.status_code == 204
    assert answer["HX-Refresh"] == "true"
    assert approvals.is_approved(ticket)


def test_refusals_redraw_the_panel(lead, make_rollout):
    ticket = make_rollout(actor=lead).change_ticket
    url = reverse("rollouts:decide_change", args=[ticket.number])
    client = signed_in(lead)

    own = client.post(url, {"decision": "approved"}, headers=HTMX)
    assert own.status_code == 403
    assert "separation of duties" in own.content.decode()
    bad = client.post(url, {"decision": "perhaps"}, headers=HTMX)
    assert bad.status_code == 422
    assert 'id="change-approval"' in bad.content.decode()
    assert not approvals.latest_decision(ticket.pk)


def test_without_htmx_the_decision_goes_back_to_the_ticket(lead, make_rollout):
    ticket = make_rollout().change_ticket
    answer = signed_in(lead).post(
        reverse("rollouts:decide_change", args=[ticket.number]), {"decision": "approved"}
    )
    assert answer.status_code == 302
    assert answer["Location"] == reverse("desk:detail", args=[ticket.number])
