"""The page shell every screen shares: sign-in, navigation by role, the global search."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.e2e.conftest import check_accessibility, screenshot, sign_in


def test_sign_in_page_is_accessible_in_light_and_dark(new_page, live_server) -> None:
    for scheme in ("light", "dark"):
        page: Page = new_page(color_scheme=scheme)
        page.goto("/accounts/login/")
        expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
        check_accessibility(page, f"sign-in ({scheme})")
        screenshot(page, f"sign-in-{scheme}")


def test_wrong_password_says_so(page: Page, alice) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("E-mail").fill(alice.email)
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_be_visible()


def test_staff_land_in_the_workspace_and_customers_in_the_portal(new_page, alice, bob) -> None:
    agent: Page = new_page()
    sign_in(agent, alice.email)
    expect(agent).to_have_url(re.compile(r"/tickets/$"))
    expect(agent.get_by_role("link", name="Tickets")).to_be_visible()

    customer: Page = new_page()
    sign_in(customer, bob.email)
    assert customer.url.endswith("/portal/")
    expect(customer.get_by_role("link", name="Tickets")).to_have_count(0)


def test_the_navigations_groups_open_one_at_a_time_and_close_on_escape_or_elsewhere(
    page: Page, alice
) -> None:
    sign_in(page, alice.email)
    nav = page.get_by_role("navigation", name="Main")
    releases, knowledge = (
        nav.locator("summary", has_text="Releases"),
        nav.locator("summary", has_text="Knowledge base"),
    )
    expect(nav.get_by_role("link", name="Deployments")).to_be_hidden()

    releases.click()
    expect(nav.get_by_role("link", name="Deployments")).to_be_visible()
    check_accessibility(page, "navigation group open")
    screenshot(page, "navigation-group-open")
    knowledge.click()  # one open at a time
    expect(nav.get_by_role("link", name="Deployments")).to_be_hidden()
    expect(nav.get_by_role("link", name="Articles", exact=True)).to_be_visible()
    page.keyboard.press("Escape")
    expect(nav.get_by_role("link", name="Articles", exact=True)).to_be_hidden()
    expect(knowledge).to_be_focused()

    releases.click()
    page.locator("main").click(position={"x": 5, "y": 5})  # a click elsewhere
    expect(nav.get_by_role("link", name="Deployments")).to_be_hidden()

    releases.click()
    nav.get_by_role("link", name="Deployments").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Deployments")
    # The group of the page shown is marked, its page too once the menu is open.
    expect(releases).to_have_class(re.compile(r"\bcurrent\b"))
    page.set_viewport_size({"width": 1280, "height": 800})
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 1280
