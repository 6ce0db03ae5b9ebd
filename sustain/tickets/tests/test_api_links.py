"""/api/v1/tickets/{ref}/links and /merge: linking tickets and merging duplicates.

Who may call what is in tests/test_permission_matrix.py; this file checks what the calls do.
"""

from __future__ import annotations

import pytest

from sustain.core.testing import V1, assert_problem, send
from sustain.tickets import services
from sustain.tickets.linking import link_tickets
from sustain.tickets.models import Activity, Message, Ticket, TicketLink


# --- links --------------------------------------------------------------------------------
def test_link_create_list_and_delete(api_client, alice, bobs_ticket, make_ticket):
    other = make_ticket(alice, title="Root cause")
    client = api_client(alice)

    created = send(
        client,
        "POST",
        f"/tickets/{bobs_ticket.number}/links",
        {"target": other.number, "kind": "caused_by"},
    )
    assert created.status_code == 201, created.content
    link = created.json()
    assert (link["direction"], link["label"], link["ticket"]) == (
        "outgoing",
        "is caused by",
        other.number,
    )

    from_other = client.get(f"{V1}/tickets/{other.number}/links").json()
    assert [(x["direction"], x["label"], x["ticket"]) for x in from_other] == [
        ("incoming", "causes", bobs_ticket.number)
    ]

    deleted = client.delete(f"{V1}/tickets/{bobs_ticket.number}/links/{link['id']}")
    assert deleted.status_code == 204
    assert client.get(f"{V1}/tickets/{bobs_ticket.number}/links").json() == []
    assert set(Activity.objects.filter(action="unlinked").values_list("ticket", flat=True)) == {
        bobs_ticket.pk,
        other.pk,
    }


def test_link_to_itself_is_422(api_client, alice, bobs_ticket):
    response = send(
        api_client(alice),
        "POST",
        f"/tickets/{bobs_ticket.number}/links",
        {"target": bobs_ticket.number, "kind": "related"},
    )

    assert "target" in assert_problem(response, 422)["errors"]


def test_duplicate_link_is_409(api_client, alice, bobs_ticket, make_ticket):
    other = make_ticket(alice)
    client = api_client(alice)
    payload = {"target": other.number, "kind": "blocks"}
    assert send(client, "POST", f"/tickets/{bobs_ticket.number}/links", payload).status_code == 201

    again = send(client, "POST", f"/tickets/{bobs_ticket.number}/links", payload)
    reverse = send(
        client,
        "POST",
        f"/tickets/{other.number}/links",
        {"target": bobs_ticket.number, "kind": "blocks"},
    )

    assert_problem(again, 409)
    assert_problem(reverse, 409)
    assert TicketLink.objects.count() == 1


def test_link_to_a_ticket_the_agent_cannot_see_is_404(
    api_client, alice, dave, platform, bobs_ticket, make_ticket
):
    hidden = make_ticket(dave, team=platform)

    response = send(
        api_client(alice),
        "POST",
        f"/tickets/{bobs_ticket.number}/links",
        {"target": hidden.number, "kind": "related"},
    )

    assert_problem(response, 404)
    assert not TicketLink.objects.exists()


def test_link_of_other_tickets_cannot_be_deleted_through_this_one(
    api_client, alice, bobs_ticket, make_ticket
):
    first, second = make_ticket(alice), make_ticket(alice)
    link = link_tickets(actor=alice, source_ref=first.pk, target_ref=second.pk, kind="related")

    response = api_client(alice).delete(f"{V1}/tickets/{bobs_ticket.number}/links/{link.pk}")

    assert_problem(response, 404)
    assert TicketLink.objects.filter(pk=link.pk).exists()


# --- merging ------------------------------------------------------------------------------
def test_merge_moves_the_conversation_and_closes_the_source(
    api_client, alice, bob, bob_colleague, bobs_ticket, make_ticket
):
    duplicate = make_ticket(bob_colleague, title="Sync broken")
    services.add_message(actor=alice, ref=duplicate.pk, body="Looking")

    response = send(
        api_client(alice),
        "POST",
        f"/tickets/{duplicate.number}/merge",
        {"target": bobs_ticket.number},
    )

    assert response.status_code == 200, response.content
    target = response.json()
    assert target["number"] == bobs_ticket.number
    assert bob_colleague.email in {w["email"] for w in target["watchers"]}
    bodies = [
        m["body"]
        for m in api_client(alice).get(f"{V1}/tickets/{bobs_ticket.number}/messages").json()
    ]
    assert bodies == [
        "Since 2.1 the nightly sync stops halfway.",
        "Since 2.1 the nightly sync stops halfway.",
        "Looking",
    ]
    source = api_client(alice).get(f"{V1}/tickets/{duplicate.number}").json()
    assert (source["status"], source["merged_into"]) == ("closed", bobs_ticket.number)
    assert source["closed_at"] is not None
    assert [(x["kind"], x["ticket"]) for x in source["links"]] == [
        ("duplicate_of", bobs_ticket.number)
    ]
    assert api_client(alice).get(f"{V1}/tickets/{duplicate.number}/messages").json() == []


@pytest.fixture
def merged_duplicate(api_client, alice, bobs_ticket, make_ticket):
    """A ticket of bob's that alice merged into ``bobs_ticket``."""
    duplicate = make_ticket(alice, requester=bobs_ticket.requester)
    merged = send(
        api_client(alice),
        "POST",
        f"/tickets/{duplicate.number}/merge",
        {"target": bobs_ticket.number},
    )
    assert merged.status_code == 200, merged.content
    return duplicate


def test_merged_ticket_takes_no_more_messages(api_client, alice, merged_duplicate):
    duplicate = merged_duplicate

    response = send(
        api_client(alice), "POST", f"/tickets/{duplicate.number}/messages", {"body": "Hello?"}
    )

    assert_problem(response, 409)


def test_merged_ticket_cannot_be_reopened(api_client, alice, merged_duplicate):
    duplicate = merged_duplicate

    response = send(
        api_client(alice), "POST", f"/tickets/{duplicate.number}/transitions", {"status": "open"}
    )

    assert_problem(response, 409)
    assert Ticket.objects.get(pk=duplicate.pk).status == "closed"


def test_merge_into_itself_is_422(api_client, alice, bobs_ticket):
    response = send(
        api_client(alice),
        "POST",
        f"/tickets/{bobs_ticket.number}/merge",
        {"target": bobs_ticket.number},
    )

    assert "target" in assert_problem(response, 422)["errors"]


def test_merge_across_organisations_is_refused(api_client, admin, carol, bobs_ticket, make_ticket):
    """carol must not end up reading bob's conversation because an agent merged them."""
    carols = make_ticket(carol, title="Sync fails")

    response = send(
        api_client(admin),
        "POST",
        f"/tickets/{bobs_ticket.number}/merge",
        {"target": carols.number},
    )

    assert response.status_code in (409, 422), response.content
    assert Message.objects.filter(ticket=carols).count() == 1
    assert Ticket.objects.get(pk=bobs_ticket.pk).merged_into_id is None
