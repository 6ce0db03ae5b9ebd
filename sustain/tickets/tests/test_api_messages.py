"""/api/v1/tickets/{ref}/messages: replies and internal notes, and who is mailed.

Who may call what is in tests/test_permission_matrix.py; this file checks what the calls do.
"""

from __future__ import annotations

from sustain.core.models import OutboxMessage
from sustain.core.testing import V1, assert_problem, send
from sustain.tickets import services
from sustain.tickets.models import Message, Ticket


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
