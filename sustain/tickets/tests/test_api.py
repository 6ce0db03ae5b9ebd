"""The ticket endpoints of /api/v1/, driven over HTTP with real bearer tokens.

Who may call what is in test_permission_matrix.py; this file checks what the calls do.
"""

from __future__ import annotations

import base64
import io
import json
from datetime import timedelta
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.files.uploadhandler import MemoryFileUploadHandler, StopFutureHandlers
from django.utils import timezone

from sustain.catalog.models import Component, Product
from sustain.core.models import OutboxMessage
from sustain.core.testing import V1, assert_problem, send
from sustain.tickets import services
from sustain.tickets.linking import link_tickets
from sustain.tickets.models import Activity, Attachment, Message, Ticket, TicketLink

# A complete 1×1 PNG: real image bytes, so the server may show it inline.
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7\x35\x81\x84"
    b"\x00\x00\x00\x00IEND\xaeB`\x82"
)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def numbers(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [t["number"] for t in response.json()["items"]]


# --- creating -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("impact", "urgency", "priority"),
    [("high", "high", 1), ("high", "medium", 2), ("medium", "medium", 3), ("low", "low", 4)],
)
def test_new_ticket_gets_priority_from_impact_and_urgency(
    api_client, alice, support, impact, urgency, priority
):
    response = send(
        api_client(alice),
        "POST",
        "/tickets",
        {
            "title": "Login page is slow",
            "description": "Takes 20 s",
            "impact": impact,
            "urgency": urgency,
            "team_id": support.pk,
        },
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["priority"] == priority
    assert body["priority_override_reason"] == ""
    assert body["channel"] == "api"
    assert body["team"] == {"id": support.pk, "name": "Support"}
    assert body["number"] == f"SUS-{Ticket.objects.get().pk}"


def test_creation_takes_a_fixed_number_of_queries_and_answers_with_names_and_tags(
    api_client, alice, dave, support, product, django_assert_max_num_queries
):
    support.assignment_strategy = "round_robin"
    support.save()
    support.members.add(dave)
    client = api_client(alice)
    component = product.components.get()
    body = {
        "title": "Crash on start",
        "description": "Since the update",
        "team_id": support.pk,
        "component_id": component.pk,
        "tags": ["Crash", "startup"],
    }

    # The token (and its first use), team, component and its product; the turn and its
    # member (one UPDATE); the ticket; its tags (one INSERT ... SELECT, and for new tags their
    # creation and a second one); message; activity; SLA (fingerprint, policies into the
    # cache; a new ticket has no clocks to read); outbox; the savepoint. The answer reads
    # nothing: its names and tags are in hand.
    with django_assert_max_num_queries(17):
        response = send(client, "POST", "/tickets", body)

    assert response.status_code == 201, response.content
    answer = response.json()
    assert answer["team"] == {"id": support.pk, "name": "Support"}
    assert answer["product"] == {"id": product.pk, "name": "Gizmo"}
    assert answer["component"] == {"id": component.pk, "name": component.name}
    assert answer["tags"] == ["crash", "startup"]
    assert answer["assignee"]["email"] in {alice.email, dave.email}


def test_priority_override_without_reason_is_refused(api_client, alice, support):
    response = send(
        api_client(alice),
        "POST",
        "/tickets",
        {"title": "Printer jam", "description": "Again", "impact": "low", "priority": 1},
    )

    problem = assert_problem(response, 422)
    assert "priority_reason" in problem["errors"]
    assert not Ticket.objects.exists()


def test_priority_override_with_reason_is_stored(api_client, alice, support):
    response = send(
        api_client(alice),
        "POST",
        "/tickets",
        {
            "title": "CEO cannot print",
            "description": "Board meeting in 10 minutes",
            "impact": "low",
            "urgency": "low",
            "priority": 1,
            "priority_reason": "Board meeting",
        },
    )

    assert response.status_code == 201, response.content
    ticket = Ticket.objects.get()
    assert (ticket.priority, ticket.priority_override_reason) == (1, "Board meeting")
    assert response.json()["priority_override_reason"] == "Board meeting"


def test_unknown_team_is_a_problem_naming_team_id(api_client, alice, support):
    response = send(
        api_client(alice),
        "POST",
        "/tickets",
        {"title": "VPN down", "description": "No tunnel", "team_id": support.pk + 1000},
    )

    problem = assert_problem(response, 422)
    assert list(problem["errors"]) == ["team_id"]
    assert not Ticket.objects.exists()


def test_missing_title_is_a_problem_naming_title(api_client, alice):
    response = send(api_client(alice), "POST", "/tickets", {"description": "No title"})

    problem = assert_problem(response, 422)
    assert "title" in problem["errors"]


def test_component_of_another_product_is_refused(api_client, alice, support, product):
    other = Product.objects.create(name="Widget")
    foreign = Component.objects.create(product=other, name="Engine")

    response = send(
        api_client(alice),
        "POST",
        "/tickets",
        {
            "title": "Crash",
            "description": "On start",
            "product_id": product.pk,
            "component_id": foreign.pk,
        },
    )

    problem = assert_problem(response, 422)
    assert list(problem["errors"]) == ["component_id"]
    assert not Ticket.objects.exists()


def test_component_alone_sets_its_product(api_client, alice, support, product):
    component = product.components.get()

    response = send(
        api_client(alice),
        "POST",
        "/tickets",
        {"title": "Crash", "description": "On start", "component_id": component.pk},
    )

    assert response.status_code == 201, response.content
    assert response.json()["product"] == {"id": product.pk, "name": "Gizmo"}


def test_customer_ticket_is_filed_under_their_organisation(api_client, bob, acme):
    response = send(api_client(bob), "POST", "/tickets", {"title": "Help", "description": "Please"})

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["organisation"] == {"id": acme.pk, "name": "Acme"}
    assert body["requester"]["email"] == bob.email
    assert body["allowed_transitions"] == ["closed"]


def test_watcher_from_another_organisation_is_refused(api_client, alice, bob, carol, support):
    """carol would get e-mails with the content of bob's ticket."""
    response = send(
        api_client(alice),
        "POST",
        "/tickets",
        {
            "title": "Sync fails",
            "description": "Details",
            "requester_id": bob.pk,
            "watcher_ids": [carol.pk],
        },
    )

    assert list(assert_problem(response, 422)["errors"]) == ["watcher_ids"]
    assert not Ticket.objects.exists()


def test_patch_watcher_from_another_organisation_is_refused(api_client, alice, carol, bobs_ticket):
    response = send(
        api_client(alice),
        "PATCH",
        f"/tickets/{bobs_ticket.number}",
        {"watcher_ids": [carol.pk]},
    )

    assert list(assert_problem(response, 422)["errors"]) == ["watcher_ids"]
    assert not bobs_ticket.watchers.exists()


def test_customer_cannot_choose_the_priority(api_client, bob):
    response = send(
        api_client(bob),
        "POST",
        "/tickets",
        {"title": "Help", "description": "Please", "priority": 1, "priority_reason": "Me"},
    )

    assert_problem(response, 403)
    assert not Ticket.objects.exists()


def test_new_ticket_mails_the_requester_through_the_outbox(
    api_client, alice, bob, support, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = send(
            api_client(alice),
            "POST",
            "/tickets",
            {"title": "We called you", "description": "Logged by phone", "requester_id": bob.pk},
        )

    number = response.json()["number"]
    assert [(m.to, m.subject) for m in mailoutbox] == [([bob.email], f"[{number}] We called you")]
    assert OutboxMessage.objects.get().state == OutboxMessage.State.SENT


# --- listing ------------------------------------------------------------------------------
@pytest.fixture
def queue(make_ticket, admin, alice, bob, carol, support, platform) -> dict[str, Ticket]:
    """Three tickets an administrator sees, each different in every filterable way."""
    sync = make_ticket(
        admin,
        title="Nightly sync stops halfway",
        requester=bob,
        team=support,
        assignee=alice,
        impact="high",
        urgency="high",
        kind="incident",
        tags=["sync"],
    )
    invoice = make_ticket(
        admin,
        title="Invoice total is wrong",
        requester=carol,
        team=platform,
        impact="low",
        urgency="low",
        kind="bug",
        tags=["billing"],
    )
    services.transition_ticket(actor=admin, ref=invoice.pk, status="open")
    upgrade = make_ticket(
        admin,
        title="Plan the database upgrade",
        team=support,
        kind="problem",
        tags=["sync", "db"],
    )
    services.transition_ticket(actor=admin, ref=upgrade.pk, status="pending_customer")
    return {"sync": sync, "invoice": invoice, "upgrade": upgrade}


def _resolve(value: Any, world: dict[str, Any]) -> Any:
    """'$support' → the support team's id, '$sync' → that ticket's number, lists element-wise."""
    if isinstance(value, list):
        return [_resolve(v, world) for v in value]
    if isinstance(value, str) and value.startswith("$"):
        obj = world[value[1:]]
        return obj.number if isinstance(obj, Ticket) else obj.pk
    return value


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({}, {"sync", "invoice", "upgrade"}),
        ({"status": "new"}, {"sync"}),
        ({"status": ["open", "pending_customer"]}, {"invoice", "upgrade"}),
        ({"priority": 1}, {"sync"}),
        ({"priority": [3, 4]}, {"invoice", "upgrade"}),
        ({"kind": "bug"}, {"invoice"}),
        ({"kind": ["incident", "problem"]}, {"sync", "upgrade"}),
        ({"team": "$support"}, {"sync", "upgrade"}),
        ({"team": "$platform"}, {"invoice"}),
        ({"assignee": "none"}, {"invoice", "upgrade"}),
        ({"assignee": "$alice"}, {"sync"}),
        ({"organisation": "$acme"}, {"sync"}),
        ({"organisation": "$globex"}, {"invoice"}),
        ({"requester": "$carol"}, {"invoice"}),
        ({"tag": "sync"}, {"sync", "upgrade"}),
        ({"tag": "DB"}, {"upgrade"}),
        ({"tag": "nope"}, set()),
        ({"q": "invoice"}, {"invoice"}),
        ({"q": "SYNC"}, {"sync"}),
        # Words of the title, in any order.
        ({"q": "sync nightly"}, {"sync"}),
        ({"q": "upgrade database"}, {"upgrade"}),
        ({"q": "sync database"}, set()),
        ({"tag": "sync", "team": "$support", "status": "new"}, {"sync"}),
    ],
    ids=lambda v: json.dumps(v) if isinstance(v, dict) else None,
)
def test_list_filters(
    api_client, admin, queue, acme, globex, support, platform, alice, carol, query, expected
):
    world = {
        **queue,
        "acme": acme,
        "globex": globex,
        "support": support,
        "platform": platform,
        "alice": alice,
        "carol": carol,
    }
    params = {k: _resolve(v, world) for k, v in query.items()}

    response = api_client(admin).get(f"{V1}/tickets", params)

    assert set(numbers(response)) == {queue[name].number for name in expected}


@pytest.mark.parametrize("ref", ["{number}", "{lower}", "{pk}"])
def test_list_finds_a_ticket_by_its_number(api_client, admin, queue, ref):
    ticket = queue["invoice"]
    q = ref.format(number=ticket.number, lower=ticket.number.lower(), pk=ticket.pk)

    assert numbers(api_client(admin).get(f"{V1}/tickets", {"q": q})) == [ticket.number]


def test_list_assignee_me_is_the_caller(api_client, alice, queue):
    assert numbers(api_client(alice).get(f"{V1}/tickets", {"assignee": "me"})) == [
        queue["sync"].number
    ]


def test_list_updated_since(api_client, admin, queue):
    Ticket.objects.filter(pk=queue["sync"].pk).update(
        updated_at=timezone.now() - timedelta(days=10)
    )
    since = (timezone.now() - timedelta(days=1)).isoformat()

    response = api_client(admin).get(f"{V1}/tickets", {"updated_since": since})

    assert set(numbers(response)) == {queue["invoice"].number, queue["upgrade"].number}


@pytest.mark.parametrize(
    "query",
    [
        {"assignee": "someone"},
        {"status": "bogus"},
        {"limit": 0},
        {"limit": 201},
        {"ordering": "title"},
        {"updated_since": "yesterday"},
        # Without an offset the moment is ambiguous.
        {"updated_since": "2026-01-01T00:00:00"},
    ],
    ids=lambda q: json.dumps(q),
)
def test_list_refuses_bad_filters(api_client, admin, query):
    response = api_client(admin).get(f"{V1}/tickets", query)

    problem = assert_problem(response, 422)
    # List items are named with their index, e.g. "status.0".
    assert {key.split(".")[0] for key in problem["errors"]} == set(query)


def test_list_shapes_each_ticket(api_client, admin, queue, acme, alice):
    items = api_client(admin).get(f"{V1}/tickets", {"q": queue["sync"].number}).json()["items"]

    assert len(items) == 1
    item = items[0]
    assert item["organisation"] == {"id": acme.pk, "name": "Acme"}
    assert item["assignee"]["email"] == alice.email
    assert item["tags"] == ["sync"]
    assert item["url"].endswith(f"/tickets/{queue['sync'].number}")
    assert "watchers" not in item  # detail only


@pytest.fixture
def ordered(make_ticket, admin) -> list[Ticket]:
    """Four tickets whose created, updated and priority orders all differ."""
    now = timezone.now()
    tickets = []
    for i, (created, updated, priority) in enumerate([(4, 2, 3), (3, 4, 1), (2, 1, 4), (1, 3, 2)]):
        ticket = make_ticket(admin, title=f"Ticket {i}")
        Ticket.objects.filter(pk=ticket.pk).update(
            created_at=now - timedelta(hours=created),
            updated_at=now - timedelta(hours=updated),
            priority=priority,
        )
        tickets.append(ticket)
    return tickets


@pytest.mark.parametrize(
    ("ordering", "expected"),
    [
        ("-updated_at", [2, 0, 3, 1]),
        ("updated_at", [1, 3, 0, 2]),
        ("-created_at", [3, 2, 1, 0]),
        ("created_at", [0, 1, 2, 3]),
        ("priority", [1, 3, 0, 2]),
        ("-priority", [2, 0, 3, 1]),
        ("number", [0, 1, 2, 3]),
        ("-number", [3, 2, 1, 0]),
    ],
)
def test_list_ordering(api_client, admin, ordered, ordering, expected):
    response = api_client(admin).get(f"{V1}/tickets", {"ordering": ordering})

    assert numbers(response) == [ordered[i].number for i in expected]


def test_number_ordering_pages_with_cursors(api_client, admin, ordered):
    first = api_client(admin).get(f"{V1}/tickets", {"ordering": "-number", "limit": 2}).json()
    cursor = first["next_cursor"]
    second = (
        api_client(admin)
        .get(f"{V1}/tickets", {"ordering": "-number", "limit": 2, "cursor": cursor})
        .json()
    )
    seen = [t["number"] for t in first["items"] + second["items"]]
    assert seen == [ordered[i].number for i in (3, 2, 1, 0)]


def test_default_ordering_is_most_recently_updated_first(api_client, admin, ordered):
    assert numbers(api_client(admin).get(f"{V1}/tickets")) == [
        ordered[i].number for i in (2, 0, 3, 1)
    ]


def _walk(client, params: dict[str, Any]) -> list[list[str]]:
    pages, cursor = [], None
    while True:
        response = client.get(f"{V1}/tickets", {**params, **({"cursor": cursor} if cursor else {})})
        pages.append(numbers(response))
        cursor = response.json()["next_cursor"]
        if cursor is None:
            return pages


@pytest.mark.parametrize(
    "ordering", ["-updated_at", "updated_at", "-created_at", "created_at", "priority", "-priority"]
)
def test_cursor_walks_every_ticket_exactly_once(api_client, admin, make_ticket, ordering):
    tickets = [make_ticket(admin, title=f"Ticket {i}") for i in range(8)]
    # Ties everywhere: only the id can break them, so the cursor must carry it.
    same = timezone.now()
    Ticket.objects.update(created_at=same, updated_at=same)
    for ticket in tickets[::3]:
        Ticket.objects.filter(pk=ticket.pk).update(priority=1, updated_at=same - timedelta(1))
    client = api_client(admin)

    everything = numbers(client.get(f"{V1}/tickets", {"ordering": ordering, "limit": 200}))
    pages = _walk(client, {"ordering": ordering, "limit": 3})

    assert [len(p) for p in pages] == [3, 3, 2]
    assert [n for page in pages for n in page] == everything
    assert sorted(everything) == sorted(t.number for t in tickets)


def test_cursor_keeps_the_filters(api_client, admin, make_ticket):
    for i in range(5):
        make_ticket(admin, title=f"Ticket {i}", tags=["sync"] if i % 2 else [])

    pages = _walk(api_client(admin), {"tag": "sync", "limit": 1})

    assert [len(p) for p in pages] == [1, 1]


def test_last_page_has_no_cursor(api_client, admin, make_ticket):
    make_ticket(admin)

    assert api_client(admin).get(f"{V1}/tickets", {"limit": 1}).json()["next_cursor"] is None


def _cursor(values: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    ("ordering", "cursor"),
    [
        ("-updated_at", "not-a-cursor!"),
        ("-updated_at", _cursor({"a": 1})),
        ("-updated_at", _cursor([1, 2, 3])),
        # Decodes, but the values are not what the ordering needs.
        ("-updated_at", _cursor(["yesterday", 1])),
        ("priority", _cursor(["high", 1])),
        ("-created_at", _cursor(["2026-01-01T00:00:00+00:00", "x"])),
    ],
)
def test_bad_cursor_is_a_problem_naming_cursor(api_client, admin, make_ticket, ordering, cursor):
    make_ticket(admin)

    response = api_client(admin).get(f"{V1}/tickets", {"ordering": ordering, "cursor": cursor})

    problem = assert_problem(response, 422)
    assert list(problem["errors"]) == ["cursor"]


# --- reading and changing one ticket ------------------------------------------------------
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


# --- transitions --------------------------------------------------------------------------
def test_transitions_lists_what_the_caller_may_do(api_client, alice, bob, bobs_ticket):
    staff = api_client(alice).get(f"{V1}/tickets/{bobs_ticket.number}/transitions").json()
    customer = api_client(bob).get(f"{V1}/tickets/{bobs_ticket.number}/transitions").json()

    assert staff == {
        "status": "new",
        "allowed": ["closed", "open", "pending_customer", "pending_third_party", "resolved"],
    }
    assert customer == {"status": "new", "allowed": ["closed"]}


def test_transition_moves_the_ticket_and_logs_it(api_client, alice, bobs_ticket):
    response = send(
        api_client(alice),
        "POST",
        f"/tickets/{bobs_ticket.number}/transitions",
        {"status": "resolved"},
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "resolved"
    assert body["resolved_at"] is not None
    assert body["allowed_transitions"] == ["closed", "open"]
    change = bobs_ticket.activities.get(field="status")
    assert (change.old_value, change.new_value, change.channel) == ("New", "Resolved", "api")


def test_invalid_transition_is_409_with_the_allowed_list_and_writes_nothing(
    api_client, alice, bobs_ticket
):
    services.transition_ticket(actor=alice, ref=bobs_ticket.pk, status="closed")
    before = (Activity.objects.count(), Ticket.objects.get().revision)

    response = send(
        api_client(alice),
        "POST",
        f"/tickets/{bobs_ticket.number}/transitions",
        {"status": "pending_customer"},
    )

    problem = assert_problem(response, 409)
    assert problem["allowed"] == ["open"]
    assert "status" in problem["errors"]
    assert (Activity.objects.count(), Ticket.objects.get().revision) == before
    assert Ticket.objects.get().status == "closed"


def test_customer_cannot_resolve_their_own_ticket(api_client, bob, bobs_ticket):
    response = send(
        api_client(bob),
        "POST",
        f"/tickets/{bobs_ticket.number}/transitions",
        {"status": "resolved"},
    )

    assert assert_problem(response, 409)["allowed"] == ["closed"]


def test_unknown_status_is_422(api_client, alice, bobs_ticket):
    response = send(
        api_client(alice), "POST", f"/tickets/{bobs_ticket.number}/transitions", {"status": "done"}
    )

    assert "status" in assert_problem(response, 422)["errors"]


def _closed_days_ago(ticket: Ticket, actor, days: int) -> None:
    services.transition_ticket(actor=actor, ref=ticket.pk, status="closed")
    past = timezone.now() - timedelta(days=days)
    Ticket.objects.filter(pk=ticket.pk).update(closed_at=past, resolved_at=past)


def test_reopen_within_the_period_is_allowed(api_client, settings, alice, bob, bobs_ticket):
    settings.SUSTAIN_REOPEN_DAYS = 14
    _closed_days_ago(bobs_ticket, alice, 13)

    response = send(
        api_client(bob), "POST", f"/tickets/{bobs_ticket.number}/transitions", {"status": "open"}
    )

    assert response.status_code == 200, response.content
    assert response.json()["closed_at"] is None


@pytest.mark.parametrize("persona", ["alice", "bob"])
def test_reopen_after_the_period_is_409(api_client, settings, alice, bob, bobs_ticket, persona):
    settings.SUSTAIN_REOPEN_DAYS = 14
    _closed_days_ago(bobs_ticket, alice, 15)
    activities = Activity.objects.count()

    response = send(
        api_client({"alice": alice, "bob": bob}[persona]),
        "POST",
        f"/tickets/{bobs_ticket.number}/transitions",
        {"status": "open"},
    )

    assert "status" in assert_problem(response, 409)["errors"]
    assert Ticket.objects.get().status == "closed"
    assert Activity.objects.count() == activities


def test_customer_reply_after_the_reopen_period_is_409_and_not_stored(
    api_client, settings, alice, bob, bobs_ticket
):
    settings.SUSTAIN_REOPEN_DAYS = 14
    _closed_days_ago(bobs_ticket, alice, 30)
    messages = Message.objects.count()

    response = send(
        api_client(bob), "POST", f"/tickets/{bobs_ticket.number}/messages", {"body": "Still broken"}
    )

    assert_problem(response, 409)
    assert Message.objects.count() == messages


# --- conversation -------------------------------------------------------------------------
def test_customer_reply_on_pending_customer_reopens(api_client, alice, bob, bobs_ticket):
    services.transition_ticket(actor=alice, ref=bobs_ticket.pk, status="pending_customer")

    response = send(
        api_client(bob), "POST", f"/tickets/{bobs_ticket.number}/messages", {"body": "Here it is"}
    )

    assert response.status_code == 201, response.content
    assert response.json()["author"]["email"] == bob.email
    assert Ticket.objects.get().status == "open"


def test_agent_first_reply_opens_a_new_ticket_and_records_first_response(
    api_client, alice, bobs_ticket
):
    response = send(
        api_client(alice), "POST", f"/tickets/{bobs_ticket.number}/messages", {"body": "On it"}
    )

    assert response.status_code == 201, response.content
    detail = api_client(alice).get(f"{V1}/tickets/{bobs_ticket.number}").json()
    assert detail["status"] == "open"
    assert detail["first_response_at"] is not None


def test_internal_note_is_hidden_from_the_customer(api_client, alice, bob, bobs_ticket):
    note = send(
        api_client(alice),
        "POST",
        f"/tickets/{bobs_ticket.number}/messages",
        {"body": "Probably their proxy", "internal": True},
    )
    assert note.status_code == 201, note.content
    assert note.json()["internal"] is True

    for_bob = api_client(bob).get(f"{V1}/tickets/{bobs_ticket.number}/messages").json()
    for_alice = api_client(alice).get(f"{V1}/tickets/{bobs_ticket.number}/messages").json()

    assert [m["body"] for m in for_bob] == ["Since 2.1 the nightly sync stops halfway."]
    assert [m["body"] for m in for_alice] == [
        "Since 2.1 the nightly sync stops halfway.",
        "Probably their proxy",
    ]
    # A note neither opens the ticket nor counts as the first response.
    assert Ticket.objects.get().status == "new"
    assert Ticket.objects.get().first_response_at is None


def test_customer_cannot_write_internal_notes(api_client, bob, bobs_ticket):
    response = send(
        api_client(bob),
        "POST",
        f"/tickets/{bobs_ticket.number}/messages",
        {"body": "psst", "internal": True},
    )

    assert_problem(response, 403)
    assert Message.objects.count() == 1


def test_empty_message_is_422(api_client, alice, bobs_ticket):
    response = send(
        api_client(alice), "POST", f"/tickets/{bobs_ticket.number}/messages", {"body": "   "}
    )

    assert "body" in assert_problem(response, 422)["errors"]


def test_public_reply_mails_the_customer_once(
    api_client, alice, bob, bobs_ticket, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = send(
            api_client(alice),
            "POST",
            f"/tickets/{bobs_ticket.number}/messages",
            {"body": "Please try 2.1.1"},
        )

    assert response.status_code == 201, response.content
    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.to == [bob.email]
    assert mail.subject == f"[{bobs_ticket.number}] Sync fails after upgrade"
    assert "Please try 2.1.1" in mail.body
    assert mail.extra_headers["References"] == f"<ticket-{bobs_ticket.pk}@127.0.0.1>"


def test_internal_note_never_mails_the_customer(
    api_client, alice, bob, bobs_ticket, mailoutbox, django_capture_on_commit_callbacks
):
    bobs_ticket.watchers.add(bob)
    with django_capture_on_commit_callbacks(execute=True):
        response = send(
            api_client(alice),
            "POST",
            f"/tickets/{bobs_ticket.number}/messages",
            {"body": "Their proxy again", "internal": True},
        )

    assert response.status_code == 201, response.content
    assert all(bob.email not in m.to for m in mailoutbox)
    note = bobs_ticket.activities.get(action="noted")
    keys = OutboxMessage.objects.filter(
        idempotency_key__startswith=f"ticket:{bobs_ticket.pk}:activity:{note.pk}:"
    ).values_list("idempotency_key", flat=True)
    assert not [k for k in keys if k.endswith(f":to:{bob.pk}")]


def test_internal_note_mails_the_staff_assignee(
    api_client, alice, lead, bob, bobs_ticket, mailoutbox, django_capture_on_commit_callbacks
):
    services.update_ticket(actor=alice, ref=bobs_ticket.pk, changes={"assignee": alice})
    with django_capture_on_commit_callbacks(execute=True):
        send(
            api_client(lead),
            "POST",
            f"/tickets/{bobs_ticket.number}/messages",
            {"body": "Escalate if no answer by noon", "internal": True},
        )

    assert [m.to for m in mailoutbox] == [[alice.email]]


def test_customer_reply_mails_the_assignee_not_the_customer(
    api_client, alice, bob, bobs_ticket, mailoutbox, django_capture_on_commit_callbacks
):
    services.update_ticket(actor=alice, ref=bobs_ticket.pk, changes={"assignee": alice})
    with django_capture_on_commit_callbacks(execute=True):
        send(
            api_client(bob),
            "POST",
            f"/tickets/{bobs_ticket.number}/messages",
            {"body": "Any news?"},
        )

    assert [m.to for m in mailoutbox] == [[alice.email]]


def test_refused_change_sends_no_mail(
    api_client, alice, bobs_ticket, mailoutbox, django_capture_on_commit_callbacks
):
    services.transition_ticket(actor=alice, ref=bobs_ticket.pk, status="closed")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = send(
            api_client(alice),
            "POST",
            f"/tickets/{bobs_ticket.number}/transitions",
            {"status": "pending_customer"},
        )

    assert response.status_code == 409
    assert callbacks == []
    assert mailoutbox == []


# --- attachments --------------------------------------------------------------------------
def upload(client, ticket: Ticket, *files: SimpleUploadedFile, **form: Any):
    return client.post(f"{V1}/tickets/{ticket.number}/attachments", {"files": list(files), **form})


def download(client, body: dict[str, Any], index: int = 0):
    return client.get(body["attachments"][index]["url"])


def test_upload_creates_one_message_with_the_files(api_client, alice, bobs_ticket):
    response = upload(
        api_client(alice),
        bobs_ticket,
        SimpleUploadedFile("sync.log", b"line 1\nline 2\n", "text/plain"),
        SimpleUploadedFile("screen.png", PNG, "image/png"),
        body="Logs and a screenshot",
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["body"] == "Logs and a screenshot"
    assert [(a["filename"], a["content_type"], a["size"]) for a in body["attachments"]] == [
        ("sync.log", "text/plain", 14),
        ("screen.png", "image/png", len(PNG)),
    ]
    assert Attachment.objects.filter(message_id=body["id"]).count() == 2


def test_real_png_is_shown_inline(api_client, alice, bobs_ticket):
    client = api_client(alice)
    body = upload(client, bobs_ticket, SimpleUploadedFile("screen.png", PNG, "image/png")).json()

    response = download(client, body)

    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"] == 'inline; filename="screen.png"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == PNG


@pytest.mark.parametrize(
    ("filename", "content", "claimed"),
    [
        ("page.html", b"<html><script>alert(1)</script></html>", "text/html"),
        (
            "logo.svg",
            b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>',
            "image/svg+xml",
        ),
        # Claims to be a PNG, is not one.
        ("fake.png", b"<html><script>alert(1)</script></html>", "image/png"),
        ("notes.txt", b"plain words", "text/plain"),
    ],
)
def test_anything_but_a_real_image_is_downloaded_as_opaque_data(
    api_client, alice, bobs_ticket, filename, content, claimed
):
    client = api_client(alice)
    body = upload(client, bobs_ticket, SimpleUploadedFile(filename, content, claimed)).json()

    response = download(client, body)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"] == f'attachment; filename="{filename}"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    assert b"".join(response.streaming_content) == content


def test_upload_path_tricks_are_stripped_from_the_name(api_client, alice, bobs_ticket):
    response = upload(
        api_client(alice),
        bobs_ticket,
        SimpleUploadedFile("../../etc/passwd", b"root:x:0:0", "text/plain"),
    )

    assert response.status_code == 201, response.content
    assert response.json()["attachments"][0]["filename"] == "passwd"


@pytest.mark.parametrize("filename", ["setup.exe", "SETUP.EXE", "run.ps1"])
def test_blocked_extension_is_422_and_writes_nothing(api_client, alice, bobs_ticket, filename):
    response = upload(
        api_client(alice),
        bobs_ticket,
        SimpleUploadedFile(filename, b"MZ\x90\x00", "application/octet-stream"),
    )

    assert "attachments" in assert_problem(response, 422)["errors"]
    assert Message.objects.count() == 1
    assert not Attachment.objects.exists()


def test_upload_without_files_is_422(api_client, alice, bobs_ticket):
    response = api_client(alice).post(
        f"{V1}/tickets/{bobs_ticket.number}/attachments", {"body": "nothing attached"}
    )

    assert "files" in assert_problem(response, 422)["errors"]


def test_customer_cannot_download_a_file_of_an_internal_note(api_client, alice, bob, bobs_ticket):
    staff = api_client(alice)
    body = upload(
        staff,
        bobs_ticket,
        SimpleUploadedFile("notes.txt", b"secret", "text/plain"),
        internal="true",
    ).json()
    assert body["internal"] is True

    assert download(staff, body).status_code == 200
    assert_problem(download(api_client(bob), body), 404)


# --- activity -----------------------------------------------------------------------------
@pytest.fixture
def busy_ticket(alice, bob, bobs_ticket, make_ticket):
    """bob's ticket after a morning of work: every kind of entry in its history."""
    services.update_ticket(
        actor=alice,
        ref=bobs_ticket.pk,
        changes={"impact": "high", "assignee": alice, "tags": ["sync"]},
    )
    services.add_message(actor=alice, ref=bobs_ticket.pk, body="Internal", internal=True)
    services.add_message(actor=alice, ref=bobs_ticket.pk, body="Public reply")
    other = make_ticket(alice, title="Related")
    link_tickets(actor=alice, source_ref=bobs_ticket.pk, target_ref=other.pk, kind="related")
    services.transition_ticket(actor=alice, ref=bobs_ticket.pk, status="pending_customer")
    return bobs_ticket


def test_staff_see_the_whole_history(api_client, alice, busy_ticket):
    entries = api_client(alice).get(f"{V1}/tickets/{busy_ticket.number}/activity").json()

    assert {e["action"] for e in entries} == {"created", "changed", "noted", "replied", "linked"}
    assert len(entries) == busy_ticket.activities.count()


def test_customer_sees_only_created_replied_and_status_entries(api_client, bob, busy_ticket):
    entries = api_client(bob).get(f"{V1}/tickets/{busy_ticket.number}/activity").json()

    assert [(e["action"], e["field"]) for e in entries] == [
        ("created", ""),
        ("replied", ""),
        ("changed", "status"),  # new → open by alice's reply
        ("changed", "status"),  # open → pending customer
    ]
    assert [e["new_value"] for e in entries[2:]] == ["Open", "Pending customer"]


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


# --- bulk ---------------------------------------------------------------------------------
def test_bulk_update_applies_to_every_ticket(api_client, alice, make_ticket):
    tickets = [make_ticket(alice, title=f"Ticket {i}") for i in range(3)]

    response = send(
        api_client(alice),
        "POST",
        "/tickets/bulk",
        {"tickets": [t.number for t in tickets], "changes": {"urgency": "high", "tags": ["wave"]}},
    )

    assert response.status_code == 200, response.content
    assert [t["number"] for t in response.json()] == [t.number for t in tickets]
    assert {(t.urgency, t.priority) for t in Ticket.objects.all()} == {("high", 2)}
    assert all(t["tags"] == ["wave"] for t in response.json())


def test_bulk_update_with_an_invisible_ticket_changes_none(
    api_client, alice, dave, platform, make_ticket
):
    mine = make_ticket(alice)
    hidden = make_ticket(dave, team=platform)
    before = Activity.objects.count()

    response = send(
        api_client(alice),
        "POST",
        "/tickets/bulk",
        {"tickets": [mine.number, hidden.number], "changes": {"urgency": "high"}},
    )

    assert_problem(response, 404)
    assert set(Ticket.objects.values_list("urgency", flat=True)) == {"medium"}
    assert Activity.objects.count() == before


def test_bulk_update_with_one_invalid_change_changes_none(api_client, alice, make_ticket):
    first, second = make_ticket(alice), make_ticket(alice)
    services.transition_ticket(actor=alice, ref=second.pk, status="closed")
    before = Activity.objects.count()

    response = send(
        api_client(alice),
        "POST",
        "/tickets/bulk",
        {"tickets": [first.number, second.number], "changes": {"status": "pending_customer"}},
    )

    problem = assert_problem(response, 409)
    assert problem["detail"].startswith(second.number)
    assert problem["allowed"] == ["open"]
    assert Ticket.objects.get(pk=first.pk).status == "new"
    assert Activity.objects.count() == before


def test_bulk_update_needs_at_least_one_ticket(api_client, alice):
    response = send(api_client(alice), "POST", "/tickets/bulk", {"tickets": [], "changes": {}})

    assert "tickets" in assert_problem(response, 422)["errors"]


def test_ticket_list_answer_matches_its_documented_schema(
    api_client, make_ticket, admin, alice, product
):
    from sustain.tickets.schemas import TicketPage

    make_ticket(alice, assignee=alice, product=product, tags=["sync"], watchers=[alice])
    make_ticket(admin, impact="high", urgency="high")
    body = api_client(admin).get(f"{V1}/tickets").json()

    page = TicketPage.model_validate(body)

    assert len(page.items) == 2
    assert page.model_dump(mode="json") == body


# --- uploads are refused before they are read ---------------------------------------------
class ReadSpy(io.BytesIO):
    """Where Django's upload handler keeps one uploaded file's bytes; notes every read."""

    def __init__(self, filename: str, log: list[str]) -> None:
        super().__init__()
        self.filename, self.log = filename, log

    def read(self, size: int | None = -1) -> bytes:
        self.log.append(self.filename)
        return super().read(size)

    def read1(self, size: int | None = -1) -> bytes:
        self.log.append(self.filename)
        return super().read1(size)

    def readinto(self, buffer: Any) -> int:
        self.log.append(self.filename)
        return super().readinto(buffer)

    def readline(self, size: int | None = -1) -> bytes:
        self.log.append(self.filename)
        return super().readline(size)

    def getvalue(self) -> bytes:
        self.log.append(self.filename)
        return super().getvalue()


class ReadSpyHandler(MemoryFileUploadHandler):
    """Django's in-memory upload handler, keeping each file in a ``ReadSpy``."""

    reads: list[str] = []

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        try:
            super().new_file(*args, **kwargs)
        except StopFutureHandlers:
            self.file = ReadSpy(self.file_name or "", self.reads)
            raise


@pytest.fixture
def reads(settings) -> list[str]:
    """The names of the uploaded files that something read after the upload handler."""
    settings.FILE_UPLOAD_HANDLERS = [f"{__name__}.ReadSpyHandler"]
    ReadSpyHandler.reads = []
    return ReadSpyHandler.reads


def _nothing_written(tmp_path) -> bool:
    media = tmp_path / "media"
    return not Attachment.objects.exists() and not (media.exists() and any(media.rglob("*.*")))


def test_an_accepted_upload_is_read_once_checked(api_client, alice, bobs_ticket, reads):
    response = upload(
        api_client(alice), bobs_ticket, SimpleUploadedFile("sync.log", b"line 1\n", "text/plain")
    )

    assert response.status_code == 201, response.content
    # The spy sees reads, so an empty list in the tests below means something.
    assert set(reads) == {"sync.log"}


def test_upload_over_the_limit_is_413_before_any_file_is_read(
    api_client, settings, alice, bobs_ticket, reads, tmp_path
):
    settings.SUSTAIN_ATTACHMENT_MAX_BYTES = 1024
    before = (Message.objects.count(), Activity.objects.count(), Ticket.objects.get().revision)

    response = upload(
        api_client(alice),
        bobs_ticket,
        SimpleUploadedFile("small.txt", b"fine", "text/plain"),
        SimpleUploadedFile("big.bin", b"x" * 1025, "application/octet-stream"),
        body="Two files",
    )

    problem = assert_problem(response, 413)
    assert "'big.bin' is 1025 bytes" in problem["detail"]
    assert problem["errors"] == {"attachments": ["larger than 1024 bytes"]}
    assert reads == []
    after = (Message.objects.count(), Activity.objects.count(), Ticket.objects.get().revision)
    assert after == before
    assert _nothing_written(tmp_path)


def test_upload_to_a_ticket_the_customer_cannot_see_is_404_and_nothing_is_read(
    api_client, carol, bobs_ticket, reads, tmp_path
):
    before = (Message.objects.count(), Activity.objects.count())

    response = upload(
        api_client(carol),
        bobs_ticket,
        SimpleUploadedFile("sync.log", b"line 1\n", "text/plain"),
        body="Not my ticket",
    )

    assert_problem(response, 404)
    assert reads == []
    assert (Message.objects.count(), Activity.objects.count()) == before
    assert _nothing_written(tmp_path)
