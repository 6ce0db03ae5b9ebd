"""The rollout pages: the list with the change failure rate, planning, one rollout with its
approval and transitions; refusals show on the page, never as a server error."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from sustain.releases.deployments.models import Deployment
from sustain.releases.rollouts.choices import RolloutStatus as S
from sustain.releases.rollouts.models import Rollout


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_list_shows_rollouts_their_approval_and_the_rate(
    viewer, make_rollout, approve, move, gizmo
):
    rolled = make_rollout(environment="staging")
    approve(rolled)
    move(rolled, S.IN_PROGRESS)
    move(rolled, S.ROLLED_BACK, "Broke logins.")
    waiting = make_rollout()

    page = signed_in(viewer).get(reverse("rollouts:list")).content.decode()

    assert waiting.change_ticket.number in page
    assert "Awaiting approval" in page
    assert "Rolled back" in page
    assert "100 %" in page  # one finished, rolled back
    assert "Plan a rollout" not in page  # a viewer may not plan
    only_done = signed_in(viewer).get(reverse("rollouts:list"), {"status": "done"})
    assert waiting.change_ticket.number not in only_done.content.decode()
    by_product = signed_in(viewer).get(reverse("rollouts:list"), {"product": gizmo.pk})
    assert waiting.change_ticket.number in by_product.content.decode()


def test_a_customer_is_sent_to_the_portal(bob):
    response = signed_in(bob).get(reverse("rollouts:list"))
    assert response.status_code == 302


def test_plan_from_a_deployment_row(engineer, acme, gizmo, v43, running):
    client = signed_in(engineer)
    deployments = client.get(reverse("deployments:organisation", args=[acme.pk])).content.decode()
    link = f"{reverse('rollouts:plan')}?organisation={acme.pk}&amp;product={gizmo.pk}"
    assert link in deployments

    form = client.get(f"{reverse('rollouts:plan')}?organisation={acme.pk}&product={gizmo.pk}")
    assert form.status_code == 200
    response = client.post(
        reverse("rollouts:plan"),
        {
            "organisation": acme.pk,
            "version": v43.pk,
            "environment": "production",
            "planned_start": "2026-12-10T20:00",
            "note": "Night window",
        },
    )
    rollout = Rollout.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("rollouts:detail", args=[rollout.pk])
    assert rollout.change_ticket.title == "Roll out Gizmo 4.3.0 to Acme (production)"


def test_plan_errors_show_beside_the_fields(engineer, acme, v43):
    response = signed_in(engineer).post(
        reverse("rollouts:plan"),
        {
            "organisation": acme.pk,
            "version": v43.pk,
            "environment": "production",
            "planned_start": "2026-12-10T20:00",
            "change_ticket": "SUS-4242",
        },
    )
    assert response.status_code == 422
    assert "No ticket SUS-4242" in response.content.decode()
    assert not Rollout.objects.exists()


def test_agents_may_not_open_the_plan_page(alice):
    assert signed_in(alice).get(reverse("rollouts:plan")).status_code == 403


def test_start_is_refused_on_the_page_until_a_lead_approves(
    engineer, lead, make_rollout, running, acme
):
    rollout = make_rollout()
    url = reverse("rollouts:detail", args=[rollout.pk])
    transition = reverse("rollouts:transition", args=[rollout.pk])
    engineer_client, lead_client = signed_in(engineer), signed_in(lead)

    page = engineer_client.get(url).content.decode()
    assert "must be approved by a team lead" in page
    assert "Approve" not in page  # an engineer does not decide
    refused = engineer_client.post(transition, {"status": "in_progress"})
    assert refused.status_code == 409
    assert "is not approved yet" in refused.content.decode()

    no_reason = lead_client.post(
        reverse("rollouts:decide", args=[rollout.pk]), {"decision": "rejected"}
    )
    assert no_reason.status_code == 422
    assert "Say why" in no_reason.content.decode()
    assert "Approve" in lead_client.get(url).content.decode()
    lead_client.post(reverse("rollouts:decide", args=[rollout.pk]), {"decision": "approved"})

    assert engineer_client.post(transition, {"status": "in_progress"}).status_code == 302
    assert engineer_client.post(transition, {"status": "done"}).status_code == 302
    assert Deployment.objects.get(organisation=acme).version.name == "4.3.0"
    finished = engineer_client.get(url).content.decode()
    assert "Done" in finished
    assert "Start the rollout" not in finished


def test_a_rollback_without_a_reason_is_refused_on_the_page(engineer, make_rollout, approve):
    rollout = make_rollout()
    approve(rollout)
    client = signed_in(engineer)
    transition = reverse("rollouts:transition", args=[rollout.pk])
    client.post(transition, {"status": "in_progress"})
    response = client.post(transition, {"status": "rolled_back", "note": ""})
    assert response.status_code == 422
    assert "Say why it was rolled back" in response.content.decode()


@pytest.mark.parametrize("status", ["", "paused"])
def test_a_bad_transition_form_is_a_page_error(engineer, make_rollout, status):
    rollout = make_rollout()
    response = signed_in(engineer).post(
        reverse("rollouts:transition", args=[rollout.pk]), {"status": status}
    )
    assert response.status_code == 422


def test_the_portal_shows_a_customer_their_organisations_planned_rollouts(
    bob, carol, make_rollout, move, running
):
    planned = make_rollout(note="Internal remark")
    cancelled = make_rollout(environment="staging")
    move(cancelled, S.CANCELLED)

    page = signed_in(bob).get(reverse("portal:deployments")).content.decode()
    assert "Planned rollouts" in page
    assert planned.change_ticket.number in page
    assert cancelled.change_ticket.number not in page
    assert "Internal remark" not in page  # the note is the staff's
    other = signed_in(carol).get(reverse("portal:deployments")).content.decode()
    assert planned.change_ticket.number not in other
    assert "No rollouts planned for Globex" in other


def test_the_list_page_reads_a_fixed_number_of_queries(
    viewer, make_rollout, approve, django_assert_max_num_queries
):
    for environment in ("production", "staging", "test"):
        approve(make_rollout(environment=environment))
    client = signed_in(viewer)
    client.get(reverse("rollouts:list"))  # the session and the user, once
    with django_assert_max_num_queries(6):
        page = client.get(reverse("rollouts:list"))
    assert page.content.decode().count("Approved") == 3


def test_staff_who_cannot_read_the_change_ticket_still_read_the_rollout(
    viewer, lead, make_rollout, approve, platform
):
    from sustain.tickets.services import update_ticket

    rollout = make_rollout()
    approve(rollout)
    # A team the viewer is not in: the viewer no longer reads the ticket.
    update_ticket(actor=lead, ref=rollout.change_ticket_id, changes={"team": platform})

    page = signed_in(viewer).get(reverse("rollouts:detail", args=[rollout.pk]))
    assert page.status_code == 200
    assert "Approved" in page.content.decode()


def test_filtering_with_htmx_redraws_only_the_results(viewer, make_rollout):
    rollout = make_rollout()
    client = signed_in(viewer)
    part = client.get(
        reverse("rollouts:list"), {"status": "planned"}, headers={"HX-Request": "true"}
    )
    html = part.content.decode()
    assert html.lstrip().startswith('<div id="results">')
    assert rollout.change_ticket.number in html
    assert "Change failure rate" not in html
