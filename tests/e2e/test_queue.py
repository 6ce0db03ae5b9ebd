"""The agent's ticket lists in a real browser: views, filters, bulk actions, keyboard."""

from __future__ import annotations

import json
import re

from playwright.sync_api import Page, expect

from sustain.desk.views import queue as queue_view
from sustain.tickets.models import Ticket
from tests.e2e.conftest import check_accessibility, htmx_idle, screenshot, sign_in


def _tickets(make_ticket, alice, bob) -> list[Ticket]:
    made = [
        make_ticket(alice, requester=bob, title=title)
        for title in ("Printer jams on tray 2", "VPN drops every hour", "Invoice PDF is blank")
    ]
    Ticket.objects.filter(pk__in=[t.pk for t in made]).update(assignee=None)
    return made


def test_list_filters_in_place_and_is_accessible(new_page, alice, bob, make_ticket) -> None:
    printer, vpn, invoice = _tickets(make_ticket, alice, bob)
    for scheme in ("light", "dark"):
        page: Page = new_page(color_scheme=scheme)
        sign_in(page, alice.email)
        page.get_by_test_id("view-all").click()
        expect(page.get_by_test_id(f"ticket-row-{vpn.number}")).to_be_visible()
        check_accessibility(page, f"queue ({scheme})")
        screenshot(page, f"queue-{scheme}")

    page.get_by_label("Text or number").fill("vpn")
    expect(page.get_by_test_id(f"ticket-row-{printer.number}")).to_have_count(0)
    expect(page.get_by_test_id(f"ticket-row-{vpn.number}")).to_be_visible()
    expect(page).to_have_url(re.compile(r"q=vpn"))

    # Sorting by title keeps the text filter and reverses on a second click.
    page.get_by_label("Text or number").fill("")
    expect(page.get_by_test_id(f"ticket-row-{printer.number}")).to_be_visible()
    title = page.locator("th.col-title")
    title.get_by_role("link").click()
    expect(title).to_have_attribute("aria-sort", "ascending")
    expect(page.locator("tbody tr").first).to_have_attribute("data-ref", invoice.number)
    title.get_by_role("link").click()
    expect(title).to_have_attribute("aria-sort", "descending")
    expect(page.locator("tbody tr").first).to_have_attribute("data-ref", vpn.number)
    expect(page).to_have_url(re.compile(r"sort=-title"))


def test_agent_assigns_tickets_to_themselves_from_unassigned(
    page: Page, alice, bob, make_ticket
) -> None:
    printer, vpn, _ = _tickets(make_ticket, alice, bob)
    sign_in(page, alice.email)
    unassigned = page.get_by_test_id("view-unassigned")
    expect(unassigned).to_contain_text("3")
    unassigned.click()
    page.get_by_label(f"Select {printer.number}").check()
    page.get_by_label(f"Select {vpn.number}").check()
    expect(page.get_by_text("2 selected")).to_be_visible()
    page.get_by_test_id("bulk-assign-me").click()
    expect(page.get_by_test_id("queue-message")).to_have_text("Assigned 2 tickets to you.")
    expect(page.get_by_test_id(f"ticket-row-{printer.number}")).to_have_count(0)
    expect(page.get_by_test_id("view-unassigned")).to_contain_text("1")
    expect(page.get_by_test_id("view-mine")).to_contain_text("2")
    assert Ticket.objects.filter(assignee=alice).count() == 2


def test_a_refused_bulk_action_names_the_ticket_and_keeps_the_selection(
    page: Page, alice, bob, make_ticket
) -> None:
    printer, vpn, _ = _tickets(make_ticket, alice, bob)
    Ticket.objects.filter(pk=vpn.pk).update(status="closed")
    sign_in(page, alice.email)
    page.goto("/tickets/?view=all")
    page.get_by_label(f"Select {printer.number}").check()
    page.get_by_label(f"Select {vpn.number}").check()
    page.get_by_text("Status…").click()
    page.get_by_label("New status").select_option("pending_customer")
    page.get_by_role("button", name="Set status").click()
    expect(page.get_by_role("alert")).to_contain_text(vpn.number)
    expect(page.get_by_label(f"Select {printer.number}")).to_be_checked()
    screenshot(page, "queue-bulk-refused")
    assert not Ticket.objects.filter(status="pending_customer").exists()


def test_keyboard_moves_selects_and_opens(page: Page, alice, bob, make_ticket) -> None:
    made = _tickets(make_ticket, alice, bob)
    sign_in(page, alice.email)
    page.goto("/tickets/?view=all")
    expected = [t.number for t in reversed(made)]  # newest first
    stored = page.evaluate("sessionStorage.getItem('sustain.queue')")
    assert json.loads(stored) == expected

    page.keyboard.press("j")
    page.keyboard.press("j")
    second = page.locator(f"tr[data-ref='{expected[1]}']")
    expect(second).to_have_class(re.compile("is-current"))
    page.keyboard.press("x")
    expect(page.get_by_label(f"Select {expected[1]}")).to_be_checked()
    page.keyboard.press("k")
    expect(page.locator(f"tr[data-ref='{expected[0]}']")).to_have_class(re.compile("is-current"))

    page.keyboard.press("?")
    expect(page.get_by_role("dialog", name="Keyboard shortcuts")).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.get_by_role("dialog", name="Keyboard shortcuts")).to_be_hidden()

    page.keyboard.press("j")
    page.keyboard.press("o")
    expect(page).to_have_url(re.compile(rf"/tickets/{expected[1]}$"))


def test_pages_forward_and_back_by_keyboard_to_the_first_page_exactly(
    new_page, alice, bob, make_ticket, monkeypatch
) -> None:
    monkeypatch.setattr(queue_view, "PAGE_SIZE", 4)  # the live server runs in this process
    for n in range(10):
        make_ticket(alice, requester=bob, title=f"Backup job {n} failed overnight")
    page: Page = new_page(viewport={"width": 1280, "height": 800})
    sign_in(page, alice.email)
    page.goto("/tickets/?view=all")
    rows = page.locator("[data-queue-table] tbody tr")
    expect(rows).to_have_count(4)
    first = rows.evaluate_all("rows => rows.map(row => row.dataset.ref)")
    expect(page.get_by_test_id("queue-prev")).to_have_count(0)

    page.keyboard.press("n")  # the next page, in place
    expect(page).to_have_url(re.compile(r"cursor="))
    expect(rows.first).not_to_have_attribute("data-ref", first[0])
    htmx_idle(page)
    second = rows.evaluate_all("rows => rows.map(row => row.dataset.ref)")
    assert not set(second) & set(first)
    # The keyboard stays on the link it used, and a screen reader hears which page came.
    expect(page.get_by_test_id("queue-next")).to_be_focused()
    expect(page.get_by_role("status").filter(has_text="tickets")).to_have_text(
        f"4 tickets, {second[0]} to {second[-1]}"
    )
    check_accessibility(page, "queue, second page")
    screenshot(page, "queue-second-page")

    previous = page.get_by_role("link", name="Previous page")
    previous.focus()
    page.keyboard.press("Enter")
    expect(rows.first).to_have_attribute("data-ref", first[0])
    htmx_idle(page)
    assert rows.evaluate_all("rows => rows.map(row => row.dataset.ref)") == first
    expect(page.get_by_test_id("queue-prev")).to_have_count(0)
    # No previous page here: the keyboard goes to the first ticket of the page.
    expect(page.get_by_role("link", name=first[0], exact=True)).to_be_focused()

    page.keyboard.press("n")
    expect(rows.first).to_have_attribute("data-ref", second[0])
    htmx_idle(page)
    page.keyboard.press("n")
    expect(rows).to_have_count(2)  # the third and last page
    expect(page.get_by_test_id("queue-next")).to_have_count(0)
    htmx_idle(page)
    page.keyboard.press("p")
    expect(rows.first).to_have_attribute("data-ref", second[0])


def test_saved_view_shared_with_a_team(new_page, alice, bob, make_ticket, support) -> None:
    _, vpn, _ = _tickets(make_ticket, alice, bob)
    page: Page = new_page()
    sign_in(page, alice.email)
    page.goto("/tickets/?view=all&q=vpn")
    page.get_by_text("Save as view", exact=True).click()
    page.get_by_label("Name").fill("VPN trouble")
    page.get_by_label("Share with").select_option(label="Support")
    page.get_by_role("button", name="Save view").click()
    expect(page.get_by_role("heading", name="VPN trouble")).to_be_visible()
    views = page.get_by_role("navigation", name="Ticket views")
    link = views.get_by_role("link", name=re.compile("VPN trouble"))
    expect(link).to_have_attribute("aria-current", "page")
    expect(link).to_contain_text("1")
    expect(page.get_by_test_id(f"ticket-row-{vpn.number}")).to_be_visible()


def test_queue_on_a_phone(new_page, alice, bob, make_ticket) -> None:
    _tickets(make_ticket, alice, bob)
    page: Page = new_page(viewport={"width": 390, "height": 844})
    sign_in(page, alice.email)
    page.get_by_test_id("view-all").click()
    expect(page.locator("tbody tr")).to_have_count(3)
    check_accessibility(page, "queue (phone)")
    screenshot(page, "queue-phone")
