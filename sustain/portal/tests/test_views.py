"""The customer portal's pages: who sees what, what a customer can do, and what they never see."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from sustain.accounts.models import User
from sustain.core.errors import ValidationFailed
from sustain.core.uploads import Upload
from sustain.portal import selectors
from sustain.portal.selectors import news_mark
from sustain.tickets import creation, services
from sustain.tickets.choices import Kind, Status
from sustain.tickets.models import Attachment, Message, Ticket

HTMX = {"HX-Request": "true", "HX-Target": "ticket"}
# Session and user: every signed-in page starts with these two.
AUTH_QUERIES = 2


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def html(response: Any) -> str:
    return str(response.content.decode())


def note_on(
    ticket: Ticket, agent: User, body: str = "Internal: customer is on 2.0, not 2.1"
) -> None:
    services.add_message(
        actor=agent,
        ref=ticket.pk,
        body=body,
        internal=True,
        attachments=[Upload(filename="secret-notes.txt", content=b"agent only")],
    )


# --- who may open the portal --------------------------------------------------------------
def test_staff_opening_the_portal_are_sent_to_the_workspace(alice: User) -> None:
    response = signed_in(alice).get("/portal/")
    assert response.status_code == 302
    assert response["Location"] == "/tickets/"


def test_anonymous_visitors_are_sent_to_sign_in(db: None) -> None:
    response = Client().get("/portal/new")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=/portal/new")


# --- the list -----------------------------------------------------------------------------
def test_new_customer_sees_a_clear_empty_state(
    bob: User, django_assert_max_num_queries: Any
) -> None:
    client = signed_in(bob)
    # the tickets they watch, the page; then the same two to tell "none at all"
    with django_assert_max_num_queries(AUTH_QUERIES + 4):
        response = client.get("/portal/")
    assert response.status_code == 200
    page = html(response)
    assert "You have no requests yet" in page
    assert 'href="/portal/new"' in page


def test_home_lists_own_open_and_closed_requests_apart(
    bob: User, bob_colleague: User, alice: User, make_ticket: Any, django_assert_num_queries: Any
) -> None:
    mine = make_ticket(bob, title="Printer on fire")
    done = make_ticket(bob, title="Old question")
    services.transition_ticket(actor=alice, ref=done.pk, status=Status.RESOLVED)
    make_ticket(bob_colleague, title="Colleague's trouble")
    client = signed_in(bob)

    with django_assert_num_queries(AUTH_QUERIES + 2):  # the watched tickets, the page
        open_tab = html(client.get("/portal/"))
    assert "Printer on fire" in open_tab
    assert f'href="/portal/tickets/{mine.number}"' in open_tab
    assert "Old question" not in open_tab
    assert "Colleague" not in open_tab
    assert 'aria-current="page">Open' in open_tab

    closed_tab = html(client.get("/portal/?tab=closed"))
    assert "Old question" in closed_tab
    assert "Resolved" in closed_tab
    assert "Printer on fire" not in closed_tab


def _backdate(ticket: Ticket, hours: int) -> datetime:
    """The ticket's last change, seen or not, ``hours`` ago."""
    at = timezone.now() - timedelta(hours=hours)
    Ticket.objects.filter(pk=ticket.pk).update(updated_at=at, public_updated_at=at)
    return at


def _shown_at(moment: datetime) -> str:
    return f'<time datetime="{moment.astimezone(UTC).isoformat(timespec="seconds")}"'


def _listed(page: str, *tickets: Ticket) -> list[str]:
    """The numbers of ``tickets`` in the order the page lists them."""
    return sorted((t.number for t in tickets), key=lambda number: page.index(f">{number}<"))


def test_an_internal_note_moves_neither_the_last_update_nor_the_order_of_the_list(
    bob: User, alice: User, make_ticket: Any
) -> None:
    older, newer = make_ticket(bob, title="Older"), make_ticket(bob, title="Newer")
    older_at, newer_at = _backdate(older, 2), _backdate(newer, 1)
    client = signed_in(bob)

    note_on(older, alice, body="Internal: escalate to the vendor")

    page = html(client.get("/portal/"))
    assert _listed(page, older, newer) == [newer.number, older.number]
    assert _shown_at(older_at) in page
    detail = html(client.get(f"/portal/tickets/{older.number}"))
    assert f"<dt>Last update</dt><dd>{_shown_at(older_at)}" in detail

    services.add_message(actor=alice, ref=older.pk, body="The vendor has a fix.")

    page = html(client.get("/portal/"))
    assert _listed(page, older, newer) == [older.number, newer.number]
    assert _shown_at(older_at) not in page
    assert _shown_at(newer_at) in page


def test_the_list_pages_by_the_last_update_the_customer_sees(
    bob: User, alice: User, make_ticket: Any
) -> None:
    tickets = [make_ticket(bob, title=f"Request {n}") for n in range(3)]
    for hours, ticket in enumerate(tickets, start=1):
        _backdate(ticket, hours)  # the first is the newest
    note_on(tickets[2], alice)  # the oldest, changed only behind the scenes
    first = selectors.ticket_page(bob, scope="mine", tab="open", cursor=None, limit=2)
    rest = selectors.ticket_page(bob, scope="mine", tab="open", cursor=first.next_cursor, limit=2)
    assert [row["id"] for row in first.items + rest.items] == [t.pk for t in tickets]


def test_open_tab_empty_but_closed_requests_exist_points_to_them(
    bob: User, alice: User, make_ticket: Any
) -> None:
    done = make_ticket(bob)
    services.transition_ticket(actor=alice, ref=done.pk, status=Status.CLOSED)
    page = html(signed_in(bob).get("/portal/"))
    assert "Nothing open right now" in page
    assert "You have no requests yet" not in page


def test_customer_admin_switches_between_mine_and_the_organisation(
    acme_admin: User, bob: User, carol: User, make_ticket: Any, django_assert_num_queries: Any
) -> None:
    make_ticket(bob, title="Bob's request")
    make_ticket(acme_admin, title="Boss's request")
    make_ticket(carol, title="Globex request")
    client = signed_in(acme_admin)

    mine = html(client.get("/portal/"))
    assert "Boss&#x27;s request" in mine
    assert "Bob&#x27;s request" not in mine
    assert "My organisation" in mine

    # Two more: the organisation's name and the names of the page's requesters.
    with django_assert_num_queries(AUTH_QUERIES + 3):
        response = client.get("/portal/?scope=organisation")
    org = html(response)
    assert "Bob&#x27;s request" in org
    assert "Boss&#x27;s request" in org
    assert "Globex" not in org
    assert "Requested by" in org
    assert "Bob" in org


def test_plain_customer_cannot_ask_for_the_organisation_view(
    bob: User, bob_colleague: User, make_ticket: Any
) -> None:
    make_ticket(bob_colleague, title="Colleague's trouble")
    page = html(signed_in(bob).get("/portal/?scope=organisation"))
    assert "Colleague" not in page
    assert "My organisation" not in page


def test_home_pages_with_a_keyset_cursor(bob: User, make_ticket: Any) -> None:
    for n in range(27):
        make_ticket(bob, title=f"Request number {n:02d}")
    client = signed_in(bob)
    first = html(client.get("/portal/"))
    assert first.count('class="request-link"') == 25
    assert "Request number 26" in first
    assert "Older requests" in first
    cursor = first.split("cursor=")[1].split('"')[0]
    second = html(client.get(f"/portal/?scope=mine&tab=open&cursor={cursor}"))
    assert second.count('class="request-link"') == 2
    assert "Request number 00" in second
    assert "Newest" in second


def test_a_broken_cursor_shows_the_first_page_with_a_message(bob: User, make_ticket: Any) -> None:
    make_ticket(bob, title="Still here")
    response = signed_in(bob).get("/portal/?cursor=not-a-cursor")
    assert response.status_code == 400
    assert "Still here" in html(response)
    assert "no longer works" in html(response)


# --- a new request ------------------------------------------------------------------------
def test_new_request_form_offers_only_customer_kinds(
    bob: User, product: Any, django_assert_num_queries: Any
) -> None:
    client = signed_in(bob)
    with django_assert_num_queries(AUTH_QUERIES + 1):  # the products
        response = client.get("/portal/new")
    page = html(response)
    assert response.status_code == 200
    assert "Gizmo" in page
    assert 'value="incident"' in page
    assert 'value="vulnerability"' not in page
    assert 'type="file" name="attachments"' in page
    assert "multiple" in page
    assert 'id="suggested-articles"' in page


def test_submitting_a_request_with_files_creates_it_and_opens_it(bob: User, product: Any) -> None:
    client = signed_in(bob)
    response = client.post(
        "/portal/new",
        {
            "subject": "  Sync stops halfway ",
            "product": product.pk,
            "kind": Kind.SERVICE_REQUEST,
            "impact": "high",
            "urgency": "high",
            "description": "Since 2.1 the nightly sync stops.",
            "attachments": [
                SimpleUploadedFile("log.txt", b"error at line 3", "text/plain"),
                SimpleUploadedFile("screen.png", b"\x89PNG\r\n\x1a\n" + b"0" * 64, "image/png"),
            ],
        },
    )
    ticket = Ticket.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/portal/tickets/{ticket.number}"
    assert ticket.title == "Sync stops halfway"
    assert ticket.requester == bob
    assert ticket.organisation == bob.organisation
    assert ticket.product == product
    assert ticket.kind == Kind.SERVICE_REQUEST
    assert ticket.priority == 1
    assert sorted(a.filename for a in ticket.attachments.all()) == ["log.txt", "screen.png"]
    shown = html(client.get(response["Location"]))
    assert "we received your request" in shown
    assert "log.txt" in shown


def _new(client: Client, **overrides: Any) -> Any:
    data = {
        "subject": "Printer on fire",
        "kind": Kind.INCIDENT,
        "impact": "medium",
        "urgency": "medium",
        "description": "Smoke everywhere.",
    }
    data.update(overrides)
    return client.post("/portal/new", data)


def test_empty_subject_is_refused_with_the_field_marked(bob: User) -> None:
    response = _new(signed_in(bob), subject="   ")
    page = html(response)
    assert response.status_code == 422
    assert "Give your request a subject." in page
    assert 'aria-invalid="true"' in page
    assert "Smoke everywhere." in page  # what was typed is kept
    assert not Ticket.objects.exists()


def test_a_kind_customers_may_not_choose_is_refused(bob: User) -> None:
    response = _new(signed_in(bob), kind=Kind.VULNERABILITY)
    assert response.status_code == 422
    assert not Ticket.objects.exists()


def test_an_oversized_attachment_creates_nothing(bob: User, settings: Any) -> None:
    settings.SUSTAIN_ATTACHMENT_MAX_BYTES = 1024
    big = SimpleUploadedFile("dump.bin", b"x" * 2048, "application/octet-stream")
    small = SimpleUploadedFile("ok.txt", b"fine", "text/plain")
    response = _new(signed_in(bob), attachments=[small, big])
    page = html(response)
    assert response.status_code == 422
    assert "&#x27;dump.bin&#x27; is 2.0\xa0KB; the limit is 1.0\xa0KB." in page
    assert not Ticket.objects.exists()
    assert not Attachment.objects.exists()


def test_a_blocked_file_type_creates_nothing(bob: User) -> None:
    evil = SimpleUploadedFile("setup.EXE", b"MZ....", "application/octet-stream")
    response = _new(signed_in(bob), attachments=[evil])
    assert response.status_code == 422
    assert "Files of type .exe are not accepted" in html(response)
    assert not Ticket.objects.exists()


def test_a_refusal_by_the_service_shows_beside_its_field(bob: User, monkeypatch: Any) -> None:
    def refuse(**kwargs: Any) -> Ticket:
        raise ValidationFailed.field("title", "Subjects cannot mention that.")

    monkeypatch.setattr(creation, "create_ticket", refuse)
    response = _new(signed_in(bob))
    assert response.status_code == 422
    assert 'id="id_subject_error"' in html(response)
    assert "Subjects cannot mention that." in html(response)


# --- one request --------------------------------------------------------------------------
def test_detail_shows_the_public_conversation_and_never_internal_notes(
    bobs_ticket: Ticket, bob: User, alice: User, django_assert_num_queries: Any
) -> None:
    note_on(bobs_ticket, alice)
    services.add_message(actor=alice, ref=bobs_ticket.pk, body="We are looking into it.")
    services.update_ticket(
        actor=alice, ref=bobs_ticket.pk, changes={"priority": 1, "priority_reason": "VIP"}
    )
    services.transition_ticket(actor=alice, ref=bobs_ticket.pk, status=Status.PENDING_CUSTOMER)
    client = signed_in(bob)

    # ticket (+requester, assignee), messages, attachments, status changes
    with django_assert_num_queries(AUTH_QUERIES + 4):
        response = client.get(f"/portal/tickets/{bobs_ticket.number}")
    page = html(response)
    assert response.status_code == 200
    assert "Since 2.1 the nightly sync stops halfway." in page
    assert "We are looking into it." in page
    assert "Status changed to <strong>Pending your reply</strong>" in page
    # Never: the note, its file, the priority change, or who the agent is.
    assert "Internal" not in page
    assert "secret-notes" not in page
    # The page's random CSP nonces may contain any letters; the priority is what must not show.
    without_nonces = re.sub(r'nonce="[^"]*"', "", page)
    assert "VIP" not in without_nonces
    assert "P1" not in without_nonces
    assert alice.email not in page
    assert alice.full_name not in page
    assert "Support team" in page


def test_detail_of_a_ticket_with_a_product_costs_one_more_query(
    bob: User, make_ticket: Any, product: Any, django_assert_num_queries: Any
) -> None:
    ticket = make_ticket(bob, product=product)
    client = signed_in(bob)
    with django_assert_num_queries(AUTH_QUERIES + 5):
        page = html(client.get(f"/portal/tickets/{ticket.number}"))
    assert "Gizmo" in page


@pytest.mark.parametrize(
    ("who", "status"),
    [("bob", 200), ("acme_admin", 200), ("bob_colleague", 404), ("carol", 404)],
)
def test_who_may_open_a_request(
    request: pytest.FixtureRequest, bobs_ticket: Ticket, who: str, status: int
) -> None:
    user = request.getfixturevalue(who)
    response = signed_in(user).get(f"/portal/tickets/{bobs_ticket.number}")
    assert response.status_code == status


def test_unknown_and_malformed_numbers_are_404(bob: User) -> None:
    client = signed_in(bob)
    assert client.get("/portal/tickets/SUS-999999").status_code == 404
    assert client.get("/portal/tickets/nope").status_code == 404


def test_customer_admin_sees_a_colleagues_request_by_name(
    bobs_ticket: Ticket, acme_admin: User
) -> None:
    page = html(signed_in(acme_admin).get(f"/portal/tickets/{bobs_ticket.number}"))
    assert "Bob" in page
    assert "opened this request" in page


# --- replying -----------------------------------------------------------------------------
def test_reply_by_htmx_returns_the_refreshed_request(
    bobs_ticket: Ticket, bob: User, alice: User, django_assert_max_num_queries: Any
) -> None:
    services.transition_ticket(actor=alice, ref=bobs_ticket.pk, status=Status.PENDING_CUSTOMER)
    client = signed_in(bob)
    with django_assert_max_num_queries(30):
        response = client.post(
            f"/portal/tickets/{bobs_ticket.number}/reply",
            {"body": "Here is the log.", "attachments": [SimpleUploadedFile("sync.log", b"boom")]},
            headers=HTMX,
        )
    page = html(response)
    assert response.status_code == 200
    assert page.lstrip().startswith('<div id="ticket"')
    assert "<html" not in page
    assert "Your reply was sent." in page
    assert "Here is the log." in page
    assert "sync.log" in page
    bobs_ticket.refresh_from_db()
    assert bobs_ticket.status == Status.OPEN  # a customer's answer resumes the ticket
    assert Message.objects.filter(ticket=bobs_ticket, author=bob).count() == 2


def test_reply_without_javascript_redirects_back(bobs_ticket: Ticket, bob: User) -> None:
    response = signed_in(bob).post(
        f"/portal/tickets/{bobs_ticket.number}/reply", {"body": "Plain form."}
    )
    assert response.status_code == 302
    assert response["Location"] == f"/portal/tickets/{bobs_ticket.number}"


def test_an_empty_reply_is_refused(bobs_ticket: Ticket, bob: User) -> None:
    client = signed_in(bob)
    response = client.post(f"/portal/tickets/{bobs_ticket.number}/reply", {"body": "  "})
    assert response.status_code == 422
    assert "Write a message or attach a file." in html(response)
    fragment = client.post(
        f"/portal/tickets/{bobs_ticket.number}/reply", {"body": ""}, headers=HTMX
    )
    assert fragment.status_code == 200  # htmx swaps only 2xx answers
    assert "Write a message or attach a file." in html(fragment)
    assert Message.objects.filter(ticket=bobs_ticket).count() == 1


def test_a_reply_with_an_oversized_file_writes_nothing(
    bobs_ticket: Ticket, bob: User, settings: Any
) -> None:
    settings.SUSTAIN_ATTACHMENT_MAX_BYTES = 1024
    response = signed_in(bob).post(
        f"/portal/tickets/{bobs_ticket.number}/reply",
        {"body": "Big file", "attachments": [SimpleUploadedFile("big.zip", b"x" * 4096)]},
    )
    assert response.status_code == 422
    assert "the limit is 1.0\xa0KB" in html(response)
    assert Message.objects.filter(ticket=bobs_ticket).count() == 1


def test_no_reply_to_another_organisations_request(bobs_ticket: Ticket, carol: User) -> None:
    response = signed_in(carol).post(
        f"/portal/tickets/{bobs_ticket.number}/reply", {"body": "Let me in"}
    )
    assert response.status_code == 404
    assert not Message.objects.filter(author=carol).exists()


def test_reply_needs_post(bobs_ticket: Ticket, bob: User) -> None:
    assert signed_in(bob).get(f"/portal/tickets/{bobs_ticket.number}/reply").status_code == 405


# --- closing and reopening ----------------------------------------------------------------
def test_close_and_reopen(
    bobs_ticket: Ticket, bob: User, django_assert_max_num_queries: Any
) -> None:
    client = signed_in(bob)
    url = f"/portal/tickets/{bobs_ticket.number}/status"
    with django_assert_max_num_queries(25):
        closed = client.post(url, {"status": "closed"}, headers=HTMX)
    assert closed.status_code == 200
    assert "You closed this request." in html(closed)
    assert "Reopen request" in html(closed)
    assert "Status changed to <strong>Closed</strong>" in html(closed)
    bobs_ticket.refresh_from_db()
    assert bobs_ticket.status == Status.CLOSED

    reopened = client.post(url, {"status": "open"})
    assert reopened.status_code == 302
    bobs_ticket.refresh_from_db()
    assert bobs_ticket.status == Status.OPEN
    assert "Close request" in html(client.get(reopened["Location"]))


def test_reopen_after_the_period_is_refused(
    bobs_ticket: Ticket, bob: User, alice: User, settings: Any
) -> None:
    settings.SUSTAIN_REOPEN_DAYS = 14
    services.transition_ticket(actor=alice, ref=bobs_ticket.pk, status=Status.CLOSED)
    long_ago = timezone.now() - timedelta(days=30)
    Ticket.objects.filter(pk=bobs_ticket.pk).update(closed_at=long_ago, resolved_at=long_ago)
    client = signed_in(bob)

    page = html(client.get(f"/portal/tickets/{bobs_ticket.number}"))
    assert "Reopen request" not in page
    assert 'id="reply-form"' not in page
    assert "can no longer be reopened" in page

    response = client.post(f"/portal/tickets/{bobs_ticket.number}/status", {"status": "open"})
    assert response.status_code == 409
    assert "cannot be reopened" in html(response)
    # Nor through the back door of a reply, which would reopen it.
    answer = client.post(f"/portal/tickets/{bobs_ticket.number}/reply", {"body": "Still broken"})
    assert answer.status_code == 422
    assert "cannot be reopened" in html(answer)
    assert not Message.objects.filter(body="Still broken").exists()
    bobs_ticket.refresh_from_db()
    assert bobs_ticket.status == Status.CLOSED


def test_customers_cannot_set_other_statuses(bobs_ticket: Ticket, bob: User) -> None:
    response = signed_in(bob).post(
        f"/portal/tickets/{bobs_ticket.number}/status", {"status": "resolved"}
    )
    assert response.status_code == 409
    assert "only be closed or reopened" in html(response)
    bobs_ticket.refresh_from_db()
    assert bobs_ticket.status == Status.NEW


def test_reopening_a_request_that_is_not_finished_says_why_not(
    bobs_ticket: Ticket, bob: User
) -> None:
    response = signed_in(bob).post(
        f"/portal/tickets/{bobs_ticket.number}/status", {"status": "open"}, headers=HTMX
    )
    assert response.status_code == 200  # an htmx fragment carrying the refusal
    assert 'role="alert"' in html(response)
    assert "cannot move to" in html(response)
    bobs_ticket.refresh_from_db()
    assert bobs_ticket.status == Status.NEW


# --- files --------------------------------------------------------------------------------
def _files(ticket: Ticket, bob: User, alice: User) -> tuple[Attachment, Attachment]:
    services.add_message(
        actor=bob,
        ref=ticket.pk,
        body="Log",
        attachments=[Upload(filename="page.html", content=b"<script>alert(1)</script>")],
    )
    note_on(ticket, alice)
    public = Attachment.objects.get(filename="page.html")
    internal = Attachment.objects.get(filename="secret-notes.txt")
    return public, internal


def test_download_checks_permission_and_is_served_safely(
    bobs_ticket: Ticket, bob: User, alice: User, acme_admin: User, carol: User
) -> None:
    public, internal = _files(bobs_ticket, bob, alice)
    response = signed_in(bob).get(f"/portal/attachments/{public.pk}")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/octet-stream"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert 'attachment; filename="page.html"' in response["Content-Disposition"]
    assert b"".join(response.streaming_content) == b"<script>alert(1)</script>"  # type: ignore[attr-defined]

    assert signed_in(acme_admin).get(f"/portal/attachments/{public.pk}").status_code == 200
    assert signed_in(carol).get(f"/portal/attachments/{public.pk}").status_code == 404
    assert signed_in(bob).get(f"/portal/attachments/{internal.pk}").status_code == 404
    assert signed_in(bob).get("/portal/attachments/999999").status_code == 404
    assert signed_in(alice).get(f"/portal/attachments/{public.pk}").status_code == 302


def test_watched_requests_of_colleagues_are_listed_as_mine(
    bob: User, bob_colleague: User, alice: User, make_ticket: Any
) -> None:
    theirs = make_ticket(bob_colleague, title="Shared trouble")
    services.update_ticket(actor=alice, ref=theirs.pk, changes={"watchers": [bob]})
    client = signed_in(bob)
    assert "Shared trouble" in html(client.get("/portal/"))
    assert client.get(f"/portal/tickets/{theirs.number}").status_code == 200


def test_the_open_page_polls_for_news_cheaply(
    bobs_ticket: Ticket, bob: User, alice: User, django_assert_num_queries: Any
) -> None:
    client = signed_in(bob)
    url = f"/portal/tickets/{bobs_ticket.number}"
    page = html(client.get(url))
    mark = news_mark(bobs_ticket)
    assert f'hx-get="{url}?since={mark}"' in page
    poll = {"HX-Request": "true", "HX-Target": "timeline"}

    with django_assert_num_queries(AUTH_QUERIES + 1):  # the ticket only
        unchanged = client.get(f"{url}?since={mark}", headers=poll)
    assert unchanged.status_code == 204

    # An internal note is no news to the customer: the answer stays empty.
    note_on(bobs_ticket, alice, body="Internal: call them tomorrow")
    assert client.get(f"{url}?since={mark}", headers=poll).status_code == 204

    services.add_message(actor=alice, ref=bobs_ticket.pk, body="Fixed in 2.1.1.")
    services.transition_ticket(actor=alice, ref=bobs_ticket.pk, status=Status.RESOLVED)
    with django_assert_num_queries(AUTH_QUERIES + 4):
        news = client.get(f"{url}?since={mark}", headers=poll)
    fragment = html(news)
    assert news.status_code == 200
    assert fragment.lstrip().startswith('<ol class="timeline" id="timeline"')
    assert "Fixed in 2.1.1." in fragment
    assert "Internal" not in fragment
    assert 'id="ticket-status" hx-swap-oob="true">Resolved<' in fragment


def test_a_merged_request_points_to_where_the_conversation_continues(
    bob: User, alice: User, make_ticket: Any
) -> None:
    from sustain.tickets.linking import merge_tickets

    first = make_ticket(bob, title="Sync broken")
    duplicate = make_ticket(bob, title="Sync broken again")
    merge_tickets(actor=alice, source_ref=duplicate.pk, target_ref=first.pk)
    client = signed_in(bob)
    page = html(client.get(f"/portal/tickets/{duplicate.number}"))
    assert f'href="/portal/tickets/{first.number}"' in page
    assert 'id="reply-form"' not in page
    assert "Reopen request" not in page
    refused = client.post(f"/portal/tickets/{duplicate.number}/reply", {"body": "Hello?"})
    assert refused.status_code == 422
    assert f"was merged into {first.number}; write there." in html(refused)


def test_download_costs_few_queries(
    bobs_ticket: Ticket, bob: User, alice: User, django_assert_num_queries: Any
) -> None:
    public, _ = _files(bobs_ticket, bob, alice)
    client = signed_in(bob)
    with django_assert_num_queries(AUTH_QUERIES + 1):
        response = client.get(f"/portal/attachments/{public.pk}")
    assert response.status_code == 200
    response.close()


def test_what_people_write_is_shown_as_text(bob: User, alice: User, make_ticket: Any) -> None:
    ticket = make_ticket(bob, title="<b>bold</b> title", description="<script>alert(1)</script>")
    services.add_message(actor=alice, ref=ticket.pk, body='<img src=x onerror="alert(2)">')
    page = html(signed_in(bob).get(f"/portal/tickets/{ticket.number}"))
    assert "<script>alert(1)" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<img src=x" not in page
    assert "&lt;b&gt;bold&lt;/b&gt; title" in page
