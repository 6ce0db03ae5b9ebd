"""The agent's ticket page in a real browser: reply, note, status, assignment, files, conflicts."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import FilePayload, Page, expect

from sustain.tickets.models import Message, Ticket
from tests.e2e.conftest import check_accessibility, htmx_idle, screenshot, sign_in


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def ticket(make_ticket, bob, support) -> Ticket:
    made: Ticket = make_ticket(bob, title="Nightly sync stops halfway")
    made.team = support
    made.save(update_fields=["team"])
    return made


def file_payload(name: str, mime_type: str, content: bytes) -> FilePayload:
    return {"name": name, "mimeType": mime_type, "buffer": content}


def open_ticket(page: Page, email: str, ticket: Ticket) -> None:
    sign_in(page, email)
    page.goto(f"/tickets/{ticket.number}")
    expect(page.get_by_role("heading", level=1)).to_contain_text(ticket.title)


def test_agent_assigns_replies_notes_and_sets_pending(page: Page, alice, ticket) -> None:
    open_ticket(page, alice.email, ticket)
    check_accessibility(page, "ticket page (light)")

    page.get_by_role("button", name="Assign to me").click()
    expect(page.get_by_label("Assignee")).to_have_value(str(alice.pk))
    expect(page.get_by_role("button", name="Assign to me")).to_have_count(0)

    page.get_by_label("Message").fill("We found the cause; a fix is on its way.")
    page.get_by_role("button", name="Send reply").click()
    expect(page.get_by_role("article", name="Reply from Alice")).to_contain_text(
        "fix is on its way"
    )
    expect(page.get_by_label("Message")).to_have_value("")

    # "n" switches the composer to an internal note.
    page.locator("#shortcut-hint").click()  # off any field, whatever the layout
    page.keyboard.press("n")
    expect(page.get_by_label("Message")).to_be_focused()
    page.keyboard.type("Customer runs 2.1 on the old database.")
    expect(page.get_by_role("button", name="Add internal note")).to_be_visible()
    page.keyboard.press("Control+Enter")
    note = page.get_by_role("article", name="Internal note from Alice")
    expect(note).to_contain_text("old database")
    expect(note).to_contain_text("Internal note")
    # The note's answer is handled to the end (the composer emptied, every panel settled)
    # before the next change.
    expect(page.get_by_label("Message")).to_have_value("")
    htmx_idle(page)

    page.get_by_label("Status").select_option(label="Pending customer")
    expect(page.locator("#ticket-header")).to_contain_text("Pending customer")
    expect(page.get_by_role("list", name="Timeline")).to_contain_text(
        "changed status from Open to Pending customer"
    )
    screenshot(page, "ticket-light")
    ticket.refresh_from_db()
    assert ticket.status == "pending_customer"
    assert ticket.assignee_id == alice.pk


def test_files_by_input_and_by_drop_and_a_refused_type(page: Page, alice, ticket) -> None:
    open_ticket(page, alice.email, ticket)
    page.get_by_label("Attach files").set_input_files(
        files=[file_payload("trace.txt", "text/plain", b"trace")]
    )
    dropped = page.evaluate_handle(
        """() => {
            const data = new DataTransfer();
            data.items.add(new File(["dropped"], "dropped.txt", {type: "text/plain"}));
            return data;
        }"""
    )
    page.dispatch_event("#composer", "drop", {"dataTransfer": dropped})
    expect(page.locator("#composer-file-list")).to_contain_text("dropped.txt")
    page.get_by_label("Message").fill("Two files attached.")
    page.get_by_role("button", name="Send reply").click()
    reply = page.get_by_role("article", name="Reply from Alice")
    expect(reply.get_by_role("link", name="trace.txt")).to_be_visible()
    expect(reply.get_by_role("link", name="dropped.txt")).to_be_visible()

    page.get_by_label("Message").fill("And a program.")
    page.get_by_label("Attach files").set_input_files(
        files=[file_payload("tool.exe", "application/octet-stream", b"MZ")]
    )
    page.get_by_role("button", name="Send reply").click()
    expect(page.locator("#composer-errors")).to_contain_text(".exe are not accepted")
    # Nothing was written and the text is still there to fix and send again.
    expect(page.get_by_label("Message")).to_have_value("And a program.")
    assert Message.objects.filter(body="And a program.").count() == 0


def test_a_change_by_someone_else_is_shown_not_overwritten(new_page, alice, lead, ticket) -> None:
    mine: Page = new_page()
    theirs: Page = new_page()
    open_ticket(mine, alice.email, ticket)
    open_ticket(theirs, lead.email, ticket)

    theirs.get_by_label("Status").select_option(label="Pending third party")
    expect(theirs.locator("#ticket-header")).to_contain_text("Pending third party")

    # The poll runs every 20 s; the test asks for it at once, as a tab coming back does.
    mine.evaluate("htmx.trigger('#ticket-poll', 'sustain:poll')")
    banner = mine.get_by_role("status").filter(has_text="was changed by Lead")
    expect(banner).to_be_visible()
    expect(banner.get_by_role("button", name="Reload")).to_be_visible()

    mine.get_by_label("Tags").fill("urgent")
    mine.get_by_label("Tags").press("Enter")
    conflict = mine.locator("#ticket-conflict")
    expect(conflict).to_contain_text("was changed meanwhile")
    expect(conflict).to_contain_text("changed status from New to Pending third party")
    ticket.refresh_from_db()
    assert not ticket.tags.exists()
    check_accessibility(mine, "ticket page with a conflict")
    screenshot(mine, "ticket-conflict")

    conflict.get_by_role("button", name="Apply my change anyway").click()
    expect(conflict).to_be_empty()
    expect(mine.get_by_label("Tags")).to_have_value("urgent")
    assert [t.name for t in ticket.tags.all()] == ["urgent"]


def test_reload_from_the_banner_keeps_the_draft(new_page, alice, lead, ticket) -> None:
    mine: Page = new_page()
    open_ticket(mine, alice.email, ticket)
    mine.get_by_label("Message").fill("Half-written answer")
    from sustain.tickets import services

    services.update_ticket(actor=lead, ref=ticket.pk, changes={"status": "open"})
    mine.evaluate("htmx.trigger('#ticket-poll', 'sustain:poll')")
    mine.get_by_role("button", name="Reload").click()
    expect(mine.locator("#ticket-header")).to_contain_text("Open")
    expect(mine.get_by_role("status").filter(has_text="was changed by")).to_have_count(0)
    expect(mine.get_by_label("Message")).to_have_value("Half-written answer")


def test_shortcuts_move_through_the_queue(page: Page, alice, ticket, make_ticket, bob) -> None:
    other = make_ticket(bob, title="Second ticket")
    open_ticket(page, alice.email, ticket)
    refs = f'["{ticket.number}", "{other.number}"]'
    page.evaluate(f"sessionStorage.setItem('sustain.queue', '{refs}')")
    expect(page.locator("#shortcut-hint")).to_contain_text("assign to me")
    page.locator("#shortcut-hint").click()  # off any field, whatever the layout
    page.keyboard.press("j")
    expect(page).to_have_url(re.compile(rf"/tickets/{other.number}$"))
    page.keyboard.press("k")
    expect(page).to_have_url(re.compile(rf"/tickets/{ticket.number}$"))
    page.keyboard.press("a")
    expect(page.get_by_label("Assignee")).to_have_value(str(alice.pk))
    page.keyboard.press("u")
    expect(page).to_have_url(re.compile(r"/tickets/$"))


def test_dark_theme_and_phone_size(new_page, alice, bob, ticket) -> None:
    from sustain.tickets import services

    services.add_message(actor=alice, ref=ticket.pk, body="A note for the team.", internal=True)
    services.add_message(actor=bob, ref=ticket.pk, body="Any news?")
    dark: Page = new_page(color_scheme="dark")
    open_ticket(dark, alice.email, ticket)
    check_accessibility(dark, "ticket page (dark)")
    screenshot(dark, "ticket-dark")

    phone: Page = new_page(viewport={"width": 390, "height": 844}, color_scheme="light")
    open_ticket(phone, alice.email, ticket)
    expect(phone.get_by_role("article", name="Reply from Bob")).to_be_visible()
    expect(phone.get_by_role("button", name="Send reply")).to_be_visible()
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page scrolls sideways on a phone ({width}px)"
    check_accessibility(phone, "ticket page (phone)")
    screenshot(phone, "ticket-phone")


def test_viewer_reads_without_controls(page: Page, viewer, support, ticket) -> None:
    support.members.add(viewer)
    open_ticket(page, viewer.email, ticket)
    expect(page.get_by_role("article", name="Ticket opened by Bob")).to_be_visible()
    expect(page.get_by_label("Message")).to_have_count(0)
    expect(page.get_by_role("button", name="Assign to me")).to_have_count(0)
    check_accessibility(page, "ticket page (viewer)")
