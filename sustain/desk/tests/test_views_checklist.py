"""The checklist on the agent's ticket page: shown, ticked, and the resolve gate's error."""

from __future__ import annotations

import pytest

from sustain.tickets import checklists
from sustain.tickets.checklists import NewItem
from sustain.tickets.models import ChecklistItem, Ticket

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def ticket(make_ticket, alice) -> Ticket:
    ticket = make_ticket(alice, title="Quarterly certificate check")
    checklists.add_checklist_items(
        actor=alice, ref=ticket.pk, items=[NewItem("Renew certificate", True), NewItem("Notes")]
    )
    return Ticket.objects.get(pk=ticket.pk)


def test_the_page_shows_the_checklist_and_a_tick_moves_it(client, alice, ticket):
    client.force_login(alice)
    page = client.get(f"/tickets/{ticket.number}")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Renew certificate" in html
    assert "required" in html
    item = ChecklistItem.objects.get(text="Renew certificate")

    ticked = client.post(f"/tickets/{ticket.number}/checklist/{item.pk}", {"done": "on"}, **HTMX)
    assert ticked.status_code == 200
    assert "Open again: Renew certificate" in ticked.content.decode()
    item.refresh_from_db()
    assert item.done_by == alice


def test_resolving_with_open_items_shows_the_error_beside_the_status(client, alice, ticket):
    client.force_login(alice)
    answer = client.post(
        f"/tickets/{ticket.number}/edit/status",
        {"status": "resolved", "revision": ticket.revision},
        **HTMX,
    )
    assert answer.status_code == 409
    assert answer["HX-Retarget"] == "#error-status"
    assert "Renew certificate" in answer.content.decode()
    assert Ticket.objects.get(pk=ticket.pk).status != "resolved"


def test_adding_an_item_and_its_refusals(client, alice, viewer, ticket):
    client.force_login(alice)
    url = f"/tickets/{ticket.number}/checklist"
    assert (
        client.post(url, {"text": "Photograph rack", "mandatory": "on"}, **HTMX).status_code == 200
    )
    assert ChecklistItem.objects.filter(text="Photograph rack", mandatory=True).exists()
    empty = client.post(url, {"text": ""}, **HTMX)
    assert empty.status_code == 422
    assert empty["HX-Retarget"] == "#error-checklist"
    assert client.post(f"{url}/999999", {"done": "on"}, **HTMX).status_code == 404
    client.force_login(viewer)
    refused = client.post(url, {"text": "Sneaky"}, **HTMX)
    assert refused.status_code in (403, 404)
    assert not ChecklistItem.objects.filter(text="Sneaky").exists()
