"""The customer portal in a real browser: submit, follow, answer, close and reopen a request."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from sustain.tickets import services
from sustain.tickets.choices import Status
from sustain.tickets.models import Ticket
from tests.e2e.conftest import check_accessibility, screenshot, sign_in

LOG_FILE = {"name": "sync.log", "mimeType": "text/plain", "buffer": b"12:00 sync stopped at 48%\n"}


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


def conversation(page: Page) -> Any:
    return page.get_by_role("list", name="Conversation")


def test_customer_submits_follows_answers_closes_and_reopens(
    page: Page, bob: Any, alice: Any, product: Any, support: Any
) -> None:
    sign_in(page, bob.email)
    expect(page.get_by_text("You have no requests yet")).to_be_visible()
    page.get_by_role("main").get_by_role("link", name="New request").first.click()

    page.get_by_label("Subject").fill("Nightly sync stops halfway")
    page.get_by_label("Product").select_option(label="Gizmo")
    page.get_by_label("Type of request").select_option(label="Something is not working")
    page.get_by_label("Description").fill("Since 2.1 the nightly sync stops at 48%.")
    page.get_by_label("Attachments").set_input_files([LOG_FILE])
    expect(page.get_by_text("sync.log (1 KB)")).to_be_visible()  # the chosen files are listed
    page.get_by_role("button", name="Submit request").click()

    expect(page).to_have_url(re.compile(r"/portal/tickets/SUS-\d+$"))
    ticket = Ticket.objects.get()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Nightly sync stops halfway")
    expect(page.get_by_role("status")).to_contain_text(f"we received your request {ticket.number}")
    expect(conversation(page).get_by_role("link", name="sync.log")).to_be_visible()

    page.get_by_role("link", name="My requests").first.click()
    page.get_by_role("link", name=re.compile("Nightly sync stops halfway")).click()
    expect(page).to_have_url(re.compile(f"/portal/tickets/{ticket.number}$"))

    # The agent answers (through the service, as the workspace would) and waits for the customer.
    services.add_message(actor=alice, ref=ticket.pk, body="Which database do you sync to?")
    services.add_message(actor=alice, ref=ticket.pk, body="Agent-only remark", internal=True)
    services.transition_ticket(actor=alice, ref=ticket.pk, status=Status.PENDING_CUSTOMER)
    # The page polls every 30 s; run that poll now instead of waiting (no reload).
    page.evaluate(
        """() => {
            const timeline = document.getElementById("timeline");
            return htmx.ajax("GET", timeline.getAttribute("hx-get"),
                             {source: timeline, target: timeline, swap: "outerHTML"});
        }"""
    )
    expect(page.locator("#ticket-status")).to_have_text("Pending your reply")
    agent_reply = (
        conversation(page).get_by_role("listitem").filter(has_text="Which database do you sync to?")
    )
    expect(agent_reply).to_contain_text("Support team")
    expect(conversation(page)).to_contain_text("Status changed to Pending your reply")
    expect(page.get_by_text("Agent-only remark")).to_have_count(0)

    page.get_by_role("button", name="Send reply").click()  # nothing written yet
    expect(page.locator("#id_body_error")).to_have_text("Write a message or attach a file.")
    page.get_by_label("Your reply").fill("PostgreSQL 15 on the same host.")
    page.get_by_label("Attach files").set_input_files(
        [{"name": "config.txt", "mimeType": "text/plain", "buffer": b"db=pg15"}]
    )
    page.get_by_role("button", name="Send reply").click()
    expect(page.get_by_role("status")).to_contain_text("Your reply was sent.")
    expect(conversation(page)).to_contain_text("PostgreSQL 15 on the same host.")
    expect(conversation(page).get_by_role("link", name="config.txt")).to_be_visible()
    expect(page.get_by_label("Your reply")).to_have_value("")
    expect(page.locator("#ticket-status")).to_have_text("Open")

    page.get_by_role("button", name="Close request").click()
    expect(page.locator("#ticket-status")).to_have_text("Closed")
    expect(conversation(page)).to_contain_text("Status changed to Closed")
    page.get_by_role("button", name="Reopen request").click()
    expect(page.locator("#ticket-status")).to_have_text("Open")
    ticket.refresh_from_db()
    assert ticket.status == Status.OPEN
    screenshot(page, "portal-ticket")


def test_a_request_with_a_blocked_file_is_refused_with_a_message(page: Page, bob: Any) -> None:
    sign_in(page, bob.email)
    page.goto("/portal/new")
    page.get_by_role("button", name="Submit request").click()
    expect(page.get_by_role("alert")).to_contain_text("Your request was not sent")
    expect(page.locator("#id_subject_error")).to_have_text("Give your request a subject.")
    # The summary links each problem to its field.
    page.get_by_role("alert").get_by_role("link", name="Subject").click()
    expect(page.get_by_label("Subject")).to_be_focused()

    page.get_by_label("Subject").fill("Installer")
    page.get_by_label("Description").fill("Here is the installer we use.")
    page.get_by_label("Attachments").set_input_files(
        [{"name": "setup.exe", "mimeType": "application/octet-stream", "buffer": b"MZ"}]
    )
    page.get_by_role("button", name="Submit request").click()
    expect(page.locator("#id_attachments_error")).to_contain_text(
        "Files of type .exe are not accepted"
    )
    assert not Ticket.objects.exists()


def test_files_can_be_dropped_onto_the_form(page: Page, bob: Any) -> None:
    sign_in(page, bob.email)
    page.goto("/portal/new")
    page.locator("[data-dropzone]").evaluate(
        """zone => {
            const data = new DataTransfer();
            data.items.add(new File(["hello"], "dropped.txt", {type: "text/plain"}));
            zone.dispatchEvent(new DragEvent("drop", {dataTransfer: data, bubbles: true}));
        }"""
    )
    expect(page.get_by_text("dropped.txt")).to_be_visible()
    page.get_by_label("Subject").fill("Dropped file")
    page.get_by_label("Description").fill("See the file.")
    page.get_by_role("button", name="Submit request").click()
    expect(conversation(page).get_by_role("link", name="dropped.txt")).to_be_visible()


def test_another_organisation_cannot_open_the_request(
    new_page: Any, bob: Any, carol: Any, make_ticket: Any
) -> None:
    ticket = make_ticket(bob, title="Acme only")
    page: Page = new_page()
    sign_in(page, carol.email)
    response = page.goto(f"/portal/tickets/{ticket.number}")
    assert response is not None
    assert response.status == 404
    expect(page.get_by_text("Acme only")).to_have_count(0)


def _some_history(bob: Any, alice: Any, make_ticket: Any) -> Ticket:
    ticket = make_ticket(bob, title="Reports are empty since Monday")
    services.add_message(actor=alice, ref=ticket.pk, body="Could you send a screenshot?")
    services.transition_ticket(actor=alice, ref=ticket.pk, status=Status.PENDING_CUSTOMER)
    services.add_message(actor=bob, ref=ticket.pk, body="Attached, thanks.")
    done = make_ticket(bob, title="Invoice address")
    services.transition_ticket(actor=alice, ref=done.pk, status=Status.RESOLVED)
    return ticket


def test_every_portal_page_passes_axe_in_light_and_dark(
    new_page: Any, bob: Any, acme_admin: Any, alice: Any, make_ticket: Any, product: Any
) -> None:
    for scheme in ("light", "dark"):
        page: Page = new_page(color_scheme=scheme)
        sign_in(page, acme_admin.email)
        page.goto("/portal/")
        check_accessibility(page, f"portal empty ({scheme})")
        if scheme == "light":
            _some_history(bob, alice, make_ticket)
        page.goto("/portal/?scope=organisation")
        expect(page.get_by_role("link", name=re.compile("Reports are empty"))).to_be_visible()
        check_accessibility(page, f"portal organisation list ({scheme})")
        screenshot(page, f"portal-home-{scheme}")
        page.goto("/portal/?scope=organisation&tab=closed")
        check_accessibility(page, f"portal closed list ({scheme})")

        page.goto("/portal/new")
        check_accessibility(page, f"portal new request ({scheme})")
        page.get_by_role("button", name="Submit request").click()
        expect(page.get_by_role("alert")).to_be_visible()
        check_accessibility(page, f"portal new request with errors ({scheme})")
        screenshot(page, f"portal-new-errors-{scheme}")

        ticket = Ticket.objects.get(title="Reports are empty since Monday")
        page.goto(f"/portal/tickets/{ticket.number}")
        check_accessibility(page, f"portal request ({scheme})")
        screenshot(page, f"portal-detail-{scheme}")


def test_portal_fits_a_phone(new_page: Any, bob: Any, alice: Any, make_ticket: Any) -> None:
    ticket = _some_history(bob, alice, make_ticket)
    page: Page = new_page(viewport={"width": 390, "height": 844})
    sign_in(page, bob.email)
    for url, name in (
        ("/portal/", "portal-home-phone"),
        (f"/portal/tickets/{ticket.number}", "portal-detail-phone"),
        ("/portal/new", "portal-new-phone"),
    ):
        page.goto(url)
        overflow = page.evaluate("document.documentElement.scrollWidth")
        assert overflow <= 390, f"{url} scrolls sideways on a phone ({overflow}px)"
        screenshot(page, name)
    check_accessibility(page, "portal new request (phone)")


def test_a_portal_link_leads_through_sign_in_and_back(page: Page, bob: Any) -> None:
    page.goto("/portal/new")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    page.get_by_role("link", name="Forgot your password?").click()
    expect(page.get_by_role("heading", name="Reset your password")).to_be_visible()
    check_accessibility(page, "password reset")
    page.get_by_role("link", name="Back to sign in").click()
    page.goto("/accounts/login/?next=/portal/new")
    page.get_by_label("E-mail").fill(bob.email)
    page.get_by_label("Password").fill("correct horse battery")
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/portal/new$"))
    expect(page.get_by_role("heading", name="New request")).to_be_visible()


def test_a_failed_update_is_reported_not_swallowed(page: Page, bob: Any, make_ticket: Any) -> None:
    ticket = make_ticket(bob)
    sign_in(page, bob.email)
    page.goto(f"/portal/tickets/{ticket.number}")
    page.route("**/reply", lambda route: route.fulfill(status=500, body="boom"))
    page.get_by_label("Your reply").fill("Are you there?")
    page.get_by_role("button", name="Send reply").click()
    expect(page.get_by_role("alert")).to_contain_text("That did not go through")
    expect(page.get_by_label("Your reply")).to_have_value("Are you there?")  # nothing lost
