"""The agent's ticket lists: views, filters, sorting, paging and bulk actions."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from sustain.accounts.models import Organisation, Team, User
from sustain.catalog.models import Product
from sustain.desk.queues import COUNT_CAP, capped_counts
from sustain.desk.views import queue as queue_view
from sustain.tickets.choices import Status
from sustain.tickets.models import Activity, SavedView, Ticket

QUEUE = "/tickets/"
BULK = "/tickets/bulk"
COUNTS = "/tickets/counts"
HTMX = {"HX-Request": "true"}

pytestmark = pytest.mark.django_db


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def numbers(response: object) -> list[str]:
    rows = response.context["rows"]  # type: ignore[attr-defined]
    return [row["number"] for row in rows]


@pytest.fixture
def tickets(
    make_ticket: Callable[..., Ticket], alice: User, bob: User, support: Team
) -> list[Ticket]:
    """Three of bob's tickets in Support: one assigned to alice, two unassigned."""
    made = [make_ticket(alice, requester=bob, title=f"Printer {n} jams") for n in range(3)]
    Ticket.objects.filter(pk=made[0].pk).update(assignee=alice)
    Ticket.objects.filter(pk__in=[t.pk for t in made[1:]]).update(assignee=None)
    return made


# --- views and counts ---------------------------------------------------------------------
def test_mine_is_the_default_view_and_shows_my_open_tickets(
    alice: User, tickets: list[Ticket], django_assert_max_num_queries: object
) -> None:
    client = client_for(alice)
    # +1 for the SLA clocks of the page's tickets (one query for all of them), +1 because the
    # page's ids are found first and its rows read after
    with django_assert_max_num_queries(11):  # type: ignore[operator]
        response = client.get(QUEUE)
    assert response.status_code == 200
    assert response.context["current"].key == "mine"
    assert numbers(response) == [tickets[0].number]
    html = response.content.decode()
    assert 'data-testid="view-unassigned"' in html
    assert f'data-testid="ticket-row-{tickets[0].number}"' in html


def view_counts(response: object) -> dict[str, int | None]:
    context = response.context  # type: ignore[attr-defined]
    views = [*context["standard_views"], *context["team_views"], *context["saved_views"]]
    return {v.key: v.count for v in views}


def test_sidebar_counts_each_view(
    alice: User, tickets: list[Ticket], support: Team, django_assert_max_num_queries: object
) -> None:
    client = client_for(alice)
    # one count query for all views, whatever their number (the SLA view included)
    with django_assert_max_num_queries(5):  # type: ignore[operator]
        response = client.get(COUNTS, {"view": "unassigned"}, headers=HTMX)
    assert response.status_code == 200
    assert 'aria-current="page"' in response.content.decode()
    counts = view_counts(response)
    assert counts["mine"] == 1
    assert counts["unassigned"] == 2
    assert counts[f"team-{support.pk}"] == 3
    assert counts["all"] == 3


def test_unassigned_view_lists_only_unassigned_open_tickets(
    alice: User, tickets: list[Ticket]
) -> None:
    Ticket.objects.filter(pk=tickets[2].pk).update(status=Status.CLOSED)
    response = client_for(alice).get(QUEUE, {"view": "unassigned"})
    assert numbers(response) == [tickets[1].number]


def test_agents_see_only_their_teams_and_leads_see_every_team(
    alice: User, lead: User, support: Team, platform: Team
) -> None:
    agent_views = set(view_counts(client_for(alice).get(QUEUE)))
    lead_views = set(view_counts(client_for(lead).get(COUNTS)))
    assert f"team-{support.pk}" in agent_views
    assert f"team-{platform.pk}" not in agent_views
    assert {f"team-{support.pk}", f"team-{platform.pk}"} <= lead_views


def test_a_team_view_of_another_team_is_not_found(alice: User, platform: Team) -> None:
    assert client_for(alice).get(QUEUE, {"view": f"team-{platform.pk}"}).status_code == 404


def test_counts_stop_at_the_cap(alice: User, tickets: list[Ticket]) -> None:
    visible = Ticket.objects.all()
    assert capped_counts({"all": visible}) == {"all": 3}
    assert capped_counts({}) == {}
    assert COUNT_CAP == 1000


def test_customers_are_sent_to_the_portal(bob: User) -> None:
    response = client_for(bob).get(QUEUE)
    assert response.status_code == 302
    assert response["Location"].endswith("/portal/")


def test_anonymous_visitors_must_sign_in(db: None) -> None:
    response = Client().get(QUEUE)
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_agents_do_not_see_tickets_of_other_teams(
    alice: User, dave: User, platform: Team, make_ticket: Callable[..., Ticket], bob: User
) -> None:
    hidden = make_ticket(dave, requester=bob, team=platform, title="Platform only")
    response = client_for(alice).get(QUEUE, {"view": "all"})
    assert hidden.number not in numbers(response)


# --- filters, sorting, paging ---------------------------------------------------------------
def test_filter_fragment_renders_only_the_results(
    alice: User, tickets: list[Ticket], django_assert_max_num_queries: object
) -> None:
    client = client_for(alice)
    with django_assert_max_num_queries(9):  # type: ignore[operator]
        response = client.get(
            QUEUE, {"view": "all", "filtered": "1", "q": "printer 1"}, headers=HTMX
        )
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html
    assert 'id="queue-filters"' not in html
    assert numbers(response) == [tickets[1].number]


def test_text_filter_matches_a_ticket_number(alice: User, tickets: list[Ticket]) -> None:
    response = client_for(alice).get(QUEUE, {"view": "all", "q": tickets[2].number})
    assert numbers(response) == [tickets[2].number]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"status": "new"}, [0, 1, 2]),
        ({"status": "closed"}, []),
        ({"priority": "3"}, [0, 1, 2]),
        ({"priority": "1"}, []),
        ({"kind": "bug"}, [2]),
        ({"maintenance_type": "corrective"}, [2]),
        ({"assignee": "me"}, [0]),
        ({"assignee": "none"}, [1, 2]),
        ({"team": "none"}, []),
        ({"organisation": "none"}, []),
        ({"tag": "Printer"}, [1]),
        ({"tag": "nobody-uses-this"}, []),
    ],
)
def test_filters_narrow_the_list(
    alice: User, tickets: list[Ticket], params: dict[str, str], expected: list[int]
) -> None:
    Ticket.objects.filter(pk=tickets[2].pk).update(kind="bug", maintenance_type="corrective")
    tickets[1].tags.create(name="printer")
    response = client_for(alice).get(QUEUE, {"view": "all", "filtered": "1", **params})
    assert response.status_code == 200
    assert sorted(numbers(response)) == sorted(tickets[i].number for i in expected)


def test_filters_by_organisation_product_and_requester(
    alice: User,
    bob: User,
    carol: User,
    acme: Organisation,
    product: Product,
    make_ticket: Callable[..., Ticket],
) -> None:
    acme_ticket = make_ticket(alice, requester=bob, product=product)
    globex_ticket = make_ticket(alice, requester=carol)
    client = client_for(alice)
    by_org = client.get(QUEUE, {"view": "all", "organisation": str(acme.pk)})
    by_product = client.get(QUEUE, {"view": "all", "product": str(product.pk)})
    by_requester = client.get(QUEUE, {"view": "all", "requester": str(carol.pk)})
    assert numbers(by_org) == [acme_ticket.number]
    assert numbers(by_product) == [acme_ticket.number]
    assert numbers(by_requester) == [globex_ticket.number]
    assert "Requester: Carol" in by_requester.content.decode()


def test_bad_filters_are_shown_and_list_nothing(alice: User, tickets: list[Ticket]) -> None:
    response = client_for(alice).get(
        QUEUE, {"view": "all", "status": "lost", "assignee": "someone", "sort": "colour"}
    )
    assert response.status_code == 400
    assert numbers(response) == []
    html = response.content.decode()
    assert 'data-testid="queue-errors"' in html
    assert "Use a user id" in html


def test_an_unknown_view_is_not_found(alice: User) -> None:
    assert client_for(alice).get(QUEUE, {"view": "saved-999"}).status_code == 404
    assert client_for(alice).get(QUEUE, {"view": "everything"}).status_code == 404


@pytest.mark.parametrize(
    ("sort", "key"),
    [
        ("title", "title"),
        ("-title", "title"),
        ("number", "number"),
        ("-priority", "priority"),
        ("status", "status"),
        ("assignee", "assignee"),
        ("-assignee", "assignee"),
        ("team", "team"),
        ("requester", "requester"),
        ("organisation", "organisation"),
        ("-updated", "updated_at"),
    ],
)
def test_every_column_sorts(alice: User, tickets: list[Ticket], sort: str, key: str) -> None:
    Ticket.objects.filter(pk=tickets[1].pk).update(title="A printer", priority=1)
    response = client_for(alice).get(QUEUE, {"view": "all", "sort": sort})
    assert response.status_code == 200
    assert len(numbers(response)) == 3
    if key == "title":
        titles = [r["title"] for r in response.context["rows"]]
        assert titles == sorted(titles, reverse=sort.startswith("-"))


def test_keyset_pages_cover_every_ticket_once(
    alice: User, make_ticket: Callable[..., Ticket], bob: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(queue_view, "PAGE_SIZE", 2)
    made = [make_ticket(alice, requester=bob, title=f"T{n}") for n in range(5)]
    Ticket.objects.filter(pk__in=[t.pk for t in made[:2]]).update(assignee=alice)
    client = client_for(alice)
    seen: list[str] = []
    # Sorted by assignee: NULLs come last and the pages must still meet without gaps.
    params: dict[str, str] = {"view": "all", "sort": "-assignee"}
    for _ in range(5):
        response = client.get(QUEUE, params)
        seen += numbers(response)
        next_url = response.context["next_url"]
        if not next_url:
            break
        params = dict(pair.split("=", 1) for pair in next_url[1:].split("&"))
        params = {k: v.replace("%3D", "=") for k, v in params.items()}
    assert sorted(seen) == sorted(t.number for t in made)
    assert len(seen) == len(set(seen))


def _follow(client: Client, url: str, *, htmx: bool = False) -> Any:
    """Open a page link of the queue (``?view=…&cursor=…``) as the browser would."""
    return client.get(f"{QUEUE}{url}", headers=HTMX if htmx else {})


@pytest.mark.parametrize("sort", ["-updated", "title", "-assignee", "team"])
def test_next_then_previous_is_the_first_page_exactly(
    alice: User,
    make_ticket: Callable[..., Ticket],
    bob: User,
    monkeypatch: pytest.MonkeyPatch,
    sort: str,
) -> None:
    monkeypatch.setattr(queue_view, "PAGE_SIZE", 3)
    made = [make_ticket(alice, requester=bob, title=f"T{n % 3}") for n in range(8)]
    Ticket.objects.filter(pk__in=[t.pk for t in made[:3]]).update(assignee=alice)
    client = client_for(alice)
    first: Any = client.get(QUEUE, {"view": "all", "sort": sort})
    assert first.context["prev_url"] == ""
    assert 'data-testid="queue-prev"' not in first.content.decode()

    second = _follow(client, first.context["next_url"], htmx=True)
    html = second.content.decode()
    prev_url = second.context["prev_url"]
    assert f'href="{prev_url.replace("&", "&amp;")}"' in html
    assert 'rel="prev"' in html
    assert 'aria-keyshortcuts="p"' in html
    back = _follow(client, prev_url, htmx=True)

    assert numbers(back) == numbers(first)
    assert numbers(second) != numbers(first)
    assert back.context["prev_url"] == ""
    # And on from there, the second page again.
    again = _follow(client, back.context["next_url"])
    assert numbers(again) == numbers(second)


def test_the_last_page_leads_back_through_every_page(
    alice: User, make_ticket: Callable[..., Ticket], bob: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(queue_view, "PAGE_SIZE", 2)
    for n in range(7):
        make_ticket(alice, requester=bob, title=f"T{n}")
    client = client_for(alice)
    pages: list[Any] = [client.get(QUEUE, {"view": "all"})]
    while pages[-1].context["next_url"]:
        pages.append(_follow(client, pages[-1].context["next_url"]))
    back = [pages[-1]]
    while back[-1].context["prev_url"]:
        back.append(_follow(client, back[-1].context["prev_url"]))
    assert [numbers(p) for p in reversed(back)] == [numbers(p) for p in pages]
    assert len(pages) == 4


def test_a_forged_cursor_asks_to_start_again(alice: User, tickets: list[Ticket]) -> None:
    response = client_for(alice).get(QUEUE, {"view": "all", "cursor": "not-a-cursor"})
    assert response.status_code == 400
    assert "start again" in response.content.decode()


# --- bulk actions ---------------------------------------------------------------------------
def bulk(client: Client, action: str, refs: list[str], **fields: str) -> object:
    data = {"action": action, "tickets": refs, "back": "view=all", **fields}
    return client.post(BULK, data, headers=HTMX)


def test_bulk_assign_to_me_changes_every_ticket_in_one_go(
    alice: User, tickets: list[Ticket], django_assert_max_num_queries: object
) -> None:
    refs = [t.number for t in tickets[1:]]
    with django_assert_max_num_queries(60):  # type: ignore[operator]
        response = bulk(client_for(alice), "assign_me", refs)
    assert response.status_code == 200  # type: ignore[attr-defined]
    assert "Assigned 2 tickets to you." in response.content.decode()  # type: ignore[attr-defined]
    assert Ticket.objects.filter(assignee=alice).count() == 3
    assert response["HX-Trigger"] == "queue-changed"  # type: ignore[index]


def test_bulk_assign_to_someone_else(
    alice: User, lead: User, tickets: list[Ticket], support: Team
) -> None:
    support.members.add(lead)
    response = bulk(client_for(alice), "assign", [tickets[1].number], assignee=str(lead.pk))
    assert response.status_code == 200  # type: ignore[attr-defined]
    assert Ticket.objects.get(pk=tickets[1].pk).assignee == lead


def test_a_refused_transition_changes_nothing_and_names_the_ticket(
    alice: User, tickets: list[Ticket]
) -> None:
    Ticket.objects.filter(pk=tickets[2].pk).update(status=Status.CLOSED)
    before = Activity.objects.count()
    refs = [t.number for t in tickets]
    response = bulk(client_for(alice), "status", refs, status_to=Status.PENDING_CUSTOMER)
    assert response.status_code == 409  # type: ignore[attr-defined]
    assert response["HX-Retarget"] == "#queue-message"  # type: ignore[index]
    assert tickets[2].number in response.content.decode()  # type: ignore[attr-defined]
    assert Ticket.objects.filter(status=Status.PENDING_CUSTOMER).count() == 0
    assert Activity.objects.count() == before


def test_bulk_status_and_priority(alice: User, tickets: list[Ticket]) -> None:
    client = client_for(alice)
    refs = [t.number for t in tickets]
    assert bulk(client, "status", refs, status_to="open").status_code == 200  # type: ignore[attr-defined]
    missing_reason = bulk(client, "priority", refs, priority_to="1")
    assert missing_reason.status_code == 422  # type: ignore[attr-defined]
    assert Ticket.objects.filter(priority=1).count() == 0
    done = bulk(client, "priority", refs, priority_to="1", priority_reason="Outage")
    assert done.status_code == 200  # type: ignore[attr-defined]
    assert set(Ticket.objects.values_list("status", "priority")) == {("open", 1)}


def test_bulk_tag_keeps_existing_tags(alice: User, tickets: list[Ticket]) -> None:
    tickets[0].tags.create(name="vip")
    response = bulk(client_for(alice), "tag", [t.number for t in tickets[:2]], tag_name="Printer")
    assert response.status_code == 200  # type: ignore[attr-defined]
    assert sorted(t.name for t in tickets[0].tags.all()) == ["printer", "vip"]
    assert [t.name for t in tickets[1].tags.all()] == ["printer"]


def test_bulk_merge_into_the_oldest(alice: User, tickets: list[Ticket]) -> None:
    response = bulk(client_for(alice), "merge", [t.number for t in tickets])
    assert response.status_code == 200  # type: ignore[attr-defined]
    assert f"Merged into {tickets[0].number}" in response.content.decode()  # type: ignore[attr-defined]
    assert set(Ticket.objects.filter(merged_into=tickets[0]).values_list("pk", flat=True)) == {
        tickets[1].pk,
        tickets[2].pk,
    }


def test_bulk_merge_refusal_rolls_back_every_merge(
    alice: User, tickets: list[Ticket], carol: User, make_ticket: Callable[..., Ticket]
) -> None:
    other_org = make_ticket(alice, requester=carol)
    refs = [tickets[1].number, tickets[2].number, other_org.number]
    response = bulk(client_for(alice), "merge", refs, merge_target=tickets[0].number)
    assert response.status_code == 422  # type: ignore[attr-defined]
    assert other_org.number in response.content.decode()  # type: ignore[attr-defined]
    assert not Ticket.objects.filter(merged_into__isnull=False).exists()


def test_bulk_needs_a_selection_and_an_action(alice: User, tickets: list[Ticket]) -> None:
    client = client_for(alice)
    nothing = bulk(client, "assign_me", [])
    assert nothing.status_code == 422  # type: ignore[attr-defined]
    assert "Choose at least one ticket" in nothing.content.decode()  # type: ignore[attr-defined]
    no_action = client.post(BULK, {"tickets": [tickets[0].number]}, headers=HTMX)
    assert no_action.status_code == 400
    no_status = bulk(client, "status", [tickets[0].number])
    assert no_status.status_code == 400  # type: ignore[attr-defined]
    assert "Choose a status" in no_status.content.decode()  # type: ignore[attr-defined]


def test_viewers_cannot_change_tickets_in_bulk(viewer: User, tickets: list[Ticket]) -> None:
    response = bulk(client_for(viewer), "assign_me", [tickets[1].number])
    assert response.status_code == 403  # type: ignore[attr-defined]
    assert Ticket.objects.get(pk=tickets[1].pk).assignee is None
    page = client_for(viewer).get(QUEUE, {"view": "all"}).content.decode()
    assert 'data-testid="bulk-assign-me"' not in page


def test_agents_cannot_bulk_change_tickets_they_cannot_see(
    alice: User, dave: User, platform: Team, bob: User, make_ticket: Callable[..., Ticket]
) -> None:
    hidden = make_ticket(dave, requester=bob, team=platform)
    response = bulk(client_for(alice), "assign_me", [hidden.number])
    assert response.status_code == 404  # type: ignore[attr-defined]
    assert Ticket.objects.get(pk=hidden.pk).assignee != alice


def test_without_htmx_bulk_redirects_back_with_a_message(
    alice: User, tickets: list[Ticket]
) -> None:
    client = client_for(alice)
    data = {"action": "assign_me", "tickets": [tickets[1].number], "back": "view=unassigned"}
    response = client.post(BULK, data, follow=True)
    assert response.redirect_chain[-1][0] == "/tickets/?view=unassigned"
    assert "Assigned 1 ticket to you." in response.content.decode()
    refused = client.post(BULK, {**data, "tickets": ["SUS-99999"]}, follow=True)
    assert "No ticket SUS-99999" in refused.content.decode()


def test_bulk_only_accepts_post(alice: User) -> None:
    assert client_for(alice).get(BULK).status_code == 405


def test_updated_column_shows_relative_time_with_exact_hover(
    alice: User, tickets: list[Ticket]
) -> None:
    Ticket.objects.filter(pk=tickets[0].pk).update(updated_at=timezone.now() - timedelta(hours=3))
    html = client_for(alice).get(QUEUE).content.decode()
    assert "<time datetime=" in html
    assert "3 h ago" in html or "3 hours ago" in html


def test_saved_view_is_listed_with_its_count(alice: User, tickets: list[Ticket]) -> None:
    view = SavedView.objects.create(owner=alice, name="Printers", filters={"q": ["printer 2"]})
    broken = SavedView.objects.create(owner=alice, name="Broken", filters={"status": ["lost"]})
    client = client_for(alice)
    response = client.get(QUEUE, {"view": f"saved-{view.pk}"})
    assert numbers(response) == [tickets[2].number]
    counts = view_counts(client.get(COUNTS, {"view": f"saved-{view.pk}"}))
    assert counts[f"saved-{view.pk}"] == 1
    assert counts[f"saved-{broken.pk}"] is None
    assert client.get(QUEUE, {"view": f"saved-{broken.pk}"}).status_code == 400


def test_a_customer_ticket_without_team_is_unassigned_for_every_agent(
    alice: User, dave: User, bob: User, make_ticket: Callable[..., Ticket], platform: Team
) -> None:
    portal_ticket = make_ticket(bob, title="Cannot log in")
    assert portal_ticket.team is None
    for agent in (alice, dave):
        assert numbers(client_for(agent).get(QUEUE, {"view": "unassigned"})) == [
            portal_ticket.number
        ]
    response = bulk(client_for(alice), "assign_me", [portal_ticket.number])
    assert response.status_code == 200  # type: ignore[attr-defined]
    assert numbers(client_for(alice).get(QUEUE)) == [portal_ticket.number]


# --- SLA ------------------------------------------------------------------------------------
@pytest.fixture
def hour_policy(db: None) -> None:
    """Every ticket must have a first response within an hour (24x7)."""
    from sustain.sla.engine import forget_policies
    from sustain.sla.models import SlaPolicy, SlaTarget

    forget_policies()
    policy = SlaPolicy.objects.create(name="Standard", position=10)
    SlaTarget.objects.bulk_create(
        SlaTarget(policy=policy, priority=p, first_response_minutes=60, resolution_minutes=960)
        for p in (1, 2, 3, 4)
    )


def test_rows_show_sla_clocks_and_the_breaching_view_lists_what_is_due_soon(
    hour_policy: None, alice: User, tickets: list[Ticket]
) -> None:
    client = client_for(alice)
    response = client.get(QUEUE, {"view": "breaching"})
    assert sorted(numbers(response)) == sorted(t.number for t in tickets)
    assert 'class="sla-clock sla-ok"' in response.content.decode()
    # Due in an hour: not within 0 hours.
    narrow = client.get(QUEUE, {"view": "all", "filtered": "1", "breaching": "0"}, headers=HTMX)
    assert numbers(narrow) == []


def test_a_negative_breaching_filter_is_refused_with_a_message(alice: User) -> None:
    response = client_for(alice).get(QUEUE, {"view": "all", "filtered": "1", "breaching": "-1"})
    assert response.context["queue"].error
    assert b"from 0 up" in response.content
