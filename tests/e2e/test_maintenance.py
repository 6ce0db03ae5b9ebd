"""Maintenance windows in a real browser at 1280×800: a lead plans a recurring window on a
component that another window already covers, sees the conflict while planning and after
saving, finds it on the calendar, and a customer of the organisation that deploys the product
sees the coming window in the portal."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from playwright.sync_api import Page, expect

from sustain.accounts.models import Organisation, User
from sustain.factories import make_product
from sustain.maintenance.services import WindowSpec, plan_window
from sustain.releases.deployments.choices import DeploymentChannel
from sustain.releases.deployments.services import set_deployment
from tests.e2e.conftest import check_accessibility, htmx_idle, screenshot, sign_in

SIZE = {"width": 1280, "height": 800}


def no_horizontal_scroll(page: Page) -> None:
    overflow = page.evaluate(
        "() => document.scrollingElement.scrollWidth - document.scrollingElement.clientWidth"
    )
    assert overflow <= 0, f"the page scrolls sideways by {overflow}px"


def test_lead_plans_a_recurring_window_and_the_customer_sees_it(
    new_page, lead: User, bob: User, acme: Organisation
) -> None:
    gizmo = make_product("Gizmo", components=["Sync", "Billing"], versions=["4.2.0"])
    set_deployment(
        actor=lead,
        organisation=acme,
        version=gizmo.versions.get(),
        channel=DeploymentChannel.STAFF,
    )
    today = timezone.localdate()
    sunday = today + timedelta(days=6 - today.weekday() + 7)
    plan_window(
        actor=lead,
        spec=WindowSpec(
            title="Gizmo database upgrade",
            start=timezone.datetime.combine(sunday, timezone.datetime.min.time()).replace(hour=1),
            time_zone="UTC",
            duration="PT4H",
            product_ids=[gizmo.pk],
        ),
    )

    page = new_page(viewport=SIZE)
    sign_in(page, lead.email)
    page.goto("/maintenance/windows/new")
    page.get_by_label("Title").fill("Sync weekly patching")
    page.get_by_label("First start").fill(f"{sunday.isoformat()}T02:00")
    page.get_by_label("Time zone").fill("UTC")
    page.get_by_label("Duration").fill("PT2H")
    page.get_by_label("Repeats (RRULE)").fill("FREQ=WEEKLY;BYDAY=SU;COUNT=8")
    page.get_by_label("Planned activities").fill("Apply OS patches\nRestart the sync workers")
    page.get_by_label("Components").select_option(label="Gizmo / Sync")
    htmx_idle(page)
    conflicts = page.locator("#conflicts")
    expect(conflicts).to_contain_text("Overlaps “Gizmo database upgrade”")
    no_horizontal_scroll(page)
    check_accessibility(page, "the window editor")
    screenshot(page, "maintenance-editor-conflict")

    page.get_by_role("button", name="Plan the window").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Sync weekly patching")
    expect(page.locator("body")).to_contain_text("Overlaps “Gizmo database upgrade”")

    page.goto(f"/maintenance/?view=month&date={sunday.isoformat()}")
    expect(page.locator(".mcal-month")).to_contain_text("Sync weekly patching")
    no_horizontal_scroll(page)
    check_accessibility(page, "the maintenance calendar")
    screenshot(page, "maintenance-calendar-month")

    customer = new_page(viewport=SIZE)
    sign_in(customer, bob.email)
    customer.get_by_role("link", name="Maintenance").click()
    listed = customer.get_by_role("list", name="Planned maintenance")
    expect(listed).to_contain_text("Sync weekly patching")
    expect(listed).to_contain_text("Gizmo database upgrade")
    expect(customer.locator("body")).not_to_contain_text("Restart the sync workers")
    no_horizontal_scroll(customer)
    check_accessibility(customer, "the portal's upcoming maintenance")
    screenshot(customer, "maintenance-portal")
