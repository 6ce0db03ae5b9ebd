"""The global search box: numbers jump, text searches, nothing reveals an invisible ticket."""

from __future__ import annotations


def test_a_ticket_number_jumps_to_the_ticket(client, alice, bobs_ticket):
    client.force_login(alice)
    response = client.get("/tickets/search", {"q": f"  sus-{bobs_ticket.pk} "})
    assert response["Location"] == f"/tickets/SUS-{bobs_ticket.pk}"


def test_text_goes_to_the_queue_search(client, alice):
    client.force_login(alice)
    response = client.get("/tickets/search", {"q": "sync fails"})
    assert response["Location"] == "/tickets/?view=all&q=sync+fails"


def test_a_number_the_agent_cannot_see_is_searched_as_text(client, dave, bobs_ticket):
    client.force_login(dave)
    response = client.get("/tickets/search", {"q": f"SUS-{bobs_ticket.pk}"})
    assert response["Location"].startswith("/tickets/?view=all&q=SUS-")


def test_customers_are_sent_to_the_portal(client, bob):
    client.force_login(bob)
    assert client.get("/tickets/search", {"q": "x"})["Location"] == "/portal/"


def test_anonymous_visitors_are_asked_to_sign_in(client, db):
    response = client.get("/tickets/search", {"q": "x"})
    assert response["Location"].startswith("/accounts/login/?next=")
