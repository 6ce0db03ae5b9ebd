import pytest


@pytest.mark.django_db
def test_customer_opens_ticket_and_agent_replies(api_client, bob, alice, support):
    response = api_client(bob).post(
        "/api/v1/tickets",
        {"title": "Printer on fire", "description": "Smoke everywhere", "impact": "high"},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    number = response.json()["number"]
    assert response.json()["priority"] == 2
    reply = api_client(alice).post(
        f"/api/v1/tickets/{number}/messages", {"body": "On it"}, content_type="application/json"
    )
    assert reply.status_code == 201, reply.content
    detail = api_client(bob).get(f"/api/v1/tickets/{number}").json()
    assert detail["status"] == "open"
