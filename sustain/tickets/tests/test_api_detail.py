"""GET and PATCH /api/v1/tickets/{ref}: reading and changing one ticket.

Who may call what is in tests/test_permission_matrix.py; this file checks what the calls do.
"""

from __future__ import annotations

import pytest

from sustain.core.testing import V1, assert_problem, send
from sustain.tickets import services
from sustain.tickets.linking import link_tickets
from sustain.tickets.models import Activity, Ticket, TicketLink
from sustain.tickets.tests.conftest import numbers


def test_detail_shows_watchers_links_and_allowed_transitions(
    api_client, alice, bob, bobs_ticket, make_ticket
):
    other = make_ticket(alice, title="Sync is slow", requester=bob, watchers=[bob])
    link_tickets(actor=alice, source_ref=other.pk, target_ref=bobs_ticket.pk, kind="duplicate_of")

    body = api_client(alice).get(f"{V1}/tickets/{bobs_ticket.number}").json()

    assert body["allowed_transitions"] == [
        "closed",
        "open",
        "pending_customer",
        "pending_third_party",
        "resolved",
    ]
    assert body["links"] == [
        {
            "id": TicketLink.objects.get().pk,
            "kind": "duplicate_of",
            "direction": "incoming",
            "label": "is duplicated by",
            "ticket": other.number,
            "title": "Sync is slow",
        }
    ]
    assert api_client(alice).get(f"{V1}/tickets/{other.number}").json()["watchers"] == [
        {"id": bob.pk, "name": "Bob", "email": bob.email}
    ]


def test_customer_admin_reads_every_ticket_of_the_organisation(
    api_client, acme_admin, bob, carol, bobs_ticket, make_ticket
):
    make_ticket(carol)

    listed = numbers(api_client(acme_admin).get(f"{V1}/tickets"))

    assert listed == [bobs_ticket.number]
    assert api_client(acme_admin).get(f"{V1}/tickets/{bobs_ticket.number}").status_code == 200


def test_colleague_does_not_read_a_customers_ticket(api_client, bob_colleague, bobs_ticket):
    assert numbers(api_client(bob_colleague).get(f"{V1}/tickets")) == []
    assert_problem(api_client(bob_colleague).get(f"{V1}/tickets/{bobs_ticket.number}"), 404)


@pytest.mark.parametrize("ref", ["SUS-0", "nonsense", "99999"])
def test_unknown_ticket_is_404(api_client, alice, ref):
    assert_problem(api_client(alice).get(f"{V1}/tickets/{ref}"), 404)


def test_patch_changes_fields_and_bumps_the_revision(api_client, alice, bobs_ticket):
    response = send(
        api_client(alice),
        "PATCH",
        f"/tickets/{bobs_ticket.number}",
        {
            "title": "Sync fails on 2.1",
            "impact": "high",
            "tags": ["Sync", "upgrade"],
            "revision": bobs_ticket.revision,
        },
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["title"], body["impact"], body["priority"]) == ("Sync fails on 2.1", "high", 2)
    assert body["tags"] == ["sync", "upgrade"]
    assert body["revision"] == bobs_ticket.revision + 1
    fields = set(bobs_ticket.activities.values_list("field", flat=True))
    assert {"title", "impact", "priority", "tags"} <= fields


def test_patch_with_stale_revision_is_409_and_changes_nothing(api_client, alice, bobs_ticket):
    stale = bobs_ticket.revision
    services.update_ticket(actor=alice, ref=bobs_ticket.pk, changes={"urgency": "low"})
    activities = Activity.objects.count()

    response = send(
        api_client(alice),
        "PATCH",
        f"/tickets/{bobs_ticket.number}",
        {"title": "Mine wins", "revision": stale},
    )

    problem = assert_problem(response, 409)
    assert "revision" in problem["errors"]
    bobs_ticket.refresh_from_db()
    assert bobs_ticket.title == "Sync fails after upgrade"
    assert bobs_ticket.revision == stale + 1
    assert Activity.objects.count() == activities


@pytest.mark.parametrize(
    "field",
    [
        "title",
        "kind",
        "impact",
        "urgency",
        "priority_reason",
        "status",
        "tags",
        "watcher_ids",
        "requester_id",
    ],
)
def test_patch_null_for_a_required_field_is_422(api_client, alice, bobs_ticket, field):
    response = send(api_client(alice), "PATCH", f"/tickets/{bobs_ticket.number}", {field: None})

    problem = assert_problem(response, 422)
    assert list(problem["errors"]) == [field]
    assert Ticket.objects.get().revision == bobs_ticket.revision


def test_patch_null_priority_returns_to_the_matrix(api_client, alice, bobs_ticket):
    services.update_ticket(
        actor=alice, ref=bobs_ticket.pk, changes={"priority": 1, "priority_reason": "VIP"}
    )

    response = send(
        api_client(alice), "PATCH", f"/tickets/{bobs_ticket.number}", {"priority": None}
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["priority"], body["priority_override_reason"]) == (3, "")


def test_patch_null_clears_the_assignee(api_client, alice, bobs_ticket):
    services.update_ticket(actor=alice, ref=bobs_ticket.pk, changes={"assignee": alice})

    response = send(
        api_client(alice), "PATCH", f"/tickets/{bobs_ticket.number}", {"assignee_id": None}
    )

    assert response.status_code == 200, response.content
    assert response.json()["assignee"] is None


def test_patch_assignee_outside_the_team_names_assignee_id(api_client, alice, dave, bobs_ticket):
    response = send(
        api_client(alice), "PATCH", f"/tickets/{bobs_ticket.number}", {"assignee_id": dave.pk}
    )

    problem = assert_problem(response, 422)
    assert list(problem["errors"]) == ["assignee_id"]


def test_agent_hands_a_ticket_to_another_team(api_client, alice, bobs_ticket, platform):
    """The change succeeds, so the answer says so, even though alice no longer sees it."""
    response = send(
        api_client(alice), "PATCH", f"/tickets/{bobs_ticket.number}", {"team_id": platform.pk}
    )

    assert response.status_code == 200, response.content
    assert response.json()["team"] == {"id": platform.pk, "name": "Platform"}
    bobs_ticket.refresh_from_db()
    assert bobs_ticket.team == platform


def test_customer_may_not_patch_fields(api_client, bob, bobs_ticket):
    response = send(api_client(bob), "PATCH", f"/tickets/{bobs_ticket.number}", {"impact": "high"})

    assert_problem(response, 403)
    assert Ticket.objects.get().impact == "medium"
