"""The whole support conversation in a real browser, as issue 3 describes it.

A customer submits a ticket with an attachment in the portal; an agent finds it in the
Unassigned view, assigns it to themselves, replies and sets it pending; the customer sees the
reply and answers; the agent sees the answer. A customer of another organisation cannot open
the ticket by its URL.
"""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from sustain.tickets.models import Ticket
from tests.e2e.conftest import check_accessibility, htmx_idle, screenshot, sign_in


def test_a_request_travels_from_the_portal_to_the_agent_and_back(
    new_page, bob, alice, carol, support, product, tmp_path
) -> None:
    log = tmp_path / "sync.log"
    log.write_text("12:00 sync started\n12:03 sync failed: timeout\n")

    # The customer submits a request with an attachment.
    customer: Page = new_page()
    sign_in(customer, bob.email)
    customer.get_by_role("link", name="New request").first.click()
    customer.get_by_label("Subject").fill("Nightly sync stops halfway")
    customer.get_by_label("Product").select_option(label="Gizmo")
    customer.get_by_label("Description").fill("Since 2.1 the nightly sync stops at 50 %.")
    customer.get_by_label("Attachments").set_input_files(str(log))
    customer.get_by_role("button", name="Submit request").click()
    expect(customer.get_by_role("heading", name="Nightly sync stops halfway")).to_be_visible()
    ticket = Ticket.objects.get(title="Nightly sync stops halfway")
    number = ticket.number
    assert ticket.attachments.get().filename == "sync.log"
    screenshot(customer, "flow-1-customer-submitted")

    # The agent finds it among the unassigned tickets and takes it.
    agent: Page = new_page()
    sign_in(agent, alice.email)
    agent.get_by_test_id("view-unassigned").click()
    row = agent.get_by_test_id(f"ticket-row-{number}")
    expect(row).to_be_visible()
    row.get_by_role("link", name=number).click()
    expect(agent).to_have_url(re.compile(rf"/tickets/{number}$"))
    agent.get_by_role("button", name="Assign to me").click()
    expect(
        agent.get_by_text("Assigned to Alice").or_(agent.get_by_label("Assignee"))
    ).to_be_visible()

    # The agent replies and sets the ticket to pending.
    agent.get_by_label("Message").fill("Please send the log of the 2.1.3 build as well.")
    agent.get_by_role("button", name="Send reply").click()
    timeline = agent.get_by_role("list", name="Timeline")
    expect(timeline.get_by_text("Please send the log of the 2.1.3 build")).to_be_visible()
    expect(agent.get_by_label("Message")).to_have_value("")
    htmx_idle(agent)
    agent.get_by_label("Status").select_option(label="Pending customer")
    expect(agent.get_by_text("Pending customer").first).to_be_visible()
    screenshot(agent, "flow-2-agent-replied")
    ticket.refresh_from_db()
    assert ticket.assignee == alice
    assert ticket.status == "pending_customer"

    # The customer sees the reply and answers.
    customer.reload()
    expect(customer.get_by_text("Please send the log of the 2.1.3 build")).to_be_visible()
    customer.get_by_label("Your reply").fill("Attached is the 2.1.3 log.")
    customer.get_by_label("Attach files").set_input_files(str(log))
    customer.get_by_role("button", name="Send reply").click()
    expect(customer.get_by_text("Attached is the 2.1.3 log.")).to_be_visible()
    check_accessibility(customer, "portal ticket after the conversation")
    screenshot(customer, "flow-3-customer-answered")

    # The agent sees the answer, and the ticket is back in work.
    agent.reload()
    expect(
        agent.get_by_role("list", name="Timeline").get_by_text("Attached is the 2.1.3 log.")
    ).to_be_visible()
    ticket.refresh_from_db()
    assert ticket.status == "open"
    check_accessibility(agent, "agent ticket page after the conversation")
    screenshot(agent, "flow-4-agent-sees-answer")

    # A customer of another organisation gets a 404 for the same ticket, by either URL.
    outsider: Page = new_page()
    sign_in(outsider, carol.email)
    for path in (f"/portal/tickets/{number}", f"/tickets/{number}"):
        response = outsider.goto(path)
        assert response is not None
        assert response.status == 404, path
    expect(outsider.get_by_text("Nightly sync stops halfway")).to_have_count(0)
