"""No N+1: the ticket endpoints run the same number of queries for 3 rows as for 30.

Each endpoint is called once before counting, so that the token's ``last_used_at`` write (at
most once a minute) does not count against the endpoint.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sustain.catalog.models import Product
from sustain.core.uploads import Upload
from sustain.tickets import services
from sustain.tickets.linking import link_tickets

V1 = "/api/v1"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def fill(make_ticket, admin, alice, dave, bob, carol, bob_colleague, support, platform):
    """Tickets that differ in every related row a list shows: org, team, assignee, product."""
    products = [Product.objects.create(name=f"Product {i}") for i in range(3)]
    for i, product in enumerate(products):
        product.components.create(name=f"Component {i}")
        product.versions.create(name=f"{i}.0")

    def fill(count: int) -> None:
        for i in range(count):
            product = products[i % 3]
            in_support = i % 2 == 0
            make_ticket(
                admin,
                title=f"Ticket {i}",
                requester=(bob, carol)[i % 2],
                team=support if in_support else platform,
                assignee=alice if in_support else dave,
                product=product,
                component=product.components.get(),
                version=product.versions.get(),
                tags=[f"tag{i}", f"tag{i + 1}", "common"],
                watchers=[bob_colleague] if i % 2 == 0 else [],
            )

    return fill


def queries(client, url: str, **params) -> int:
    assert client.get(url, params).status_code == 200
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params)
    assert response.status_code == 200, response.content
    return len(captured)


@pytest.mark.parametrize("persona", ["admin", "alice", "bob"])
def test_ticket_list_queries_do_not_grow_with_rows(
    api_client, fill, admin, alice, bob, persona, django_assert_max_num_queries
):
    client = api_client({"admin": admin, "alice": alice, "bob": bob}[persona])
    fill(3)
    few = queries(client, f"{V1}/tickets", limit=200)
    fill(27)

    with django_assert_max_num_queries(few):
        response = client.get(f"{V1}/tickets", {"limit": 200})

    assert len(response.json()["items"]) > 3
    # Authentication, the page with its users joined, and one query for the names of the tags,
    # teams, organisations and products it refers to.
    assert few <= 3


def test_ticket_list_with_filters_queries_do_not_grow_with_rows(api_client, fill, admin):
    client = api_client(admin)
    fill(3)
    few = queries(client, f"{V1}/tickets", tag="common", status="new", q="Ticket")
    fill(27)

    assert queries(client, f"{V1}/tickets", tag="common", status="new", q="Ticket") == few


@pytest.fixture
def ticket_with(make_ticket, admin, alice, bob, bob_colleague, acme_admin):
    ticket = make_ticket(admin, requester=bob, title="Busy ticket")

    def grow(count: int) -> None:
        for i in range(count):
            other = make_ticket(admin, title=f"Related {i}")
            link_tickets(actor=admin, source_ref=ticket.pk, target_ref=other.pk, kind="related")
            services.add_message(
                actor=(alice, bob)[i % 2],
                ref=ticket.pk,
                body=f"Message {i}",
                internal=i % 4 == 0,
                attachments=[
                    Upload(f"log-{i}.txt", f"log {i}".encode()),
                    Upload(f"trace-{i}.txt", f"trace {i}".encode()),
                ],
            )
        services.update_ticket(
            actor=admin,
            ref=ticket.pk,
            changes={
                "tags": [f"tag{i}" for i in range(min(count * 2, 30))],
                "watchers": [bob_colleague, acme_admin][: 1 if count < 5 else 2],
            },
        )

    grow.ticket = ticket  # type: ignore[attr-defined]
    return grow


@pytest.mark.parametrize("suffix", ["", "/messages", "/activity", "/links"])
@pytest.mark.parametrize("persona", ["admin", "bob"])
def test_ticket_endpoints_queries_do_not_grow_with_rows(
    api_client, ticket_with, admin, bob, suffix, persona
):
    client = api_client({"admin": admin, "bob": bob}[persona])
    url = f"{V1}/tickets/{ticket_with.ticket.number}{suffix}"
    ticket_with(2)
    few = queries(client, url)
    ticket_with(20)

    assert queries(client, url) == few
    assert few <= 7


def test_ticket_detail_query_count(api_client, ticket_with, admin, django_assert_num_queries):
    client = api_client(admin)
    ticket_with(5)
    url = f"{V1}/tickets/{ticket_with.ticket.number}"
    client.get(url)

    # token, ticket with its users, catalogue and tag names, watchers, links, visible link ends
    with django_assert_num_queries(6):
        client.get(url)


def test_messages_query_count(api_client, ticket_with, admin, django_assert_num_queries):
    client = api_client(admin)
    ticket_with(5)
    url = f"{V1}/tickets/{ticket_with.ticket.number}/messages"
    client.get(url)

    # token, ticket, messages with authors, their attachments
    with django_assert_num_queries(4):
        client.get(url)
