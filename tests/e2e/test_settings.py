"""Settings in a real browser: teams, one-time tokens, accessibility of every page."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from sustain.accounts.models import Organisation, Team, User
from sustain.accounts.tokens import create_token
from tests.e2e.conftest import check_accessibility, screenshot, sign_in


def test_admin_creates_a_team_and_adds_a_member(page: Page, admin: User, alice: User) -> None:
    sign_in(page, admin.email)
    page.goto("/settings/")
    page.get_by_role("navigation", name="Settings").get_by_role("link", name="Teams").click()
    page.get_by_role("link", name="New team").click()
    page.get_by_label("Name", exact=True).fill("Night shift")
    page.get_by_label("Assignment").select_option(label="Round-robin")
    page.get_by_role("button", name="Create the team").click()
    expect(page.get_by_role("status")).to_contain_text("Created the team Night shift")
    expect(page.get_by_role("heading", level=1)).to_have_text("Night shift")

    page.get_by_role("group", name="Members").get_by_label(re.compile("alice@sustain.test")).check()
    page.get_by_role("button", name="Save the team").click()
    expect(page.get_by_role("status")).to_contain_text("Saved the team")
    expect(page.locator("dl.summary")).to_contain_text("Alice")
    team = Team.objects.get(name="Night shift")
    assert list(team.members.all()) == [alice]


def test_a_token_is_shown_once_then_only_its_prefix(page: Page, bob: User) -> None:
    sign_in(page, bob.email)
    page.get_by_role("link", name=bob.display_name).click()
    expect(page.get_by_role("heading", name="Your profile and API tokens")).to_be_visible()
    page.get_by_label("Name", exact=True).fill("Home automation")
    page.get_by_role("button", name="Create token").click()

    raw = page.get_by_label("New API token").input_value()
    assert raw.startswith("sus_")
    expect(page.get_by_text("this is the only time Sustain shows it")).to_be_visible()
    page.get_by_role("button", name="Copy").click()
    expect(page.locator("#copy-result")).not_to_be_empty()
    check_accessibility(page, "new token")

    page.goto("/settings/tokens/")
    row = page.get_by_role("row", name=re.compile("Home automation"))
    expect(row).to_contain_text(raw[:10] + "…")
    expect(page.get_by_label("New API token")).to_have_count(0)
    assert raw not in page.content()


def test_revoking_a_token_asks_first(page: Page, bob: User) -> None:
    _token, _ = create_token(actor=bob, user=bob, name="Old script")
    sign_in(page, bob.email)
    page.goto("/settings/tokens/")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Revoke Old script").click()
    expect(page.get_by_role("status")).to_contain_text("Revoked the token")
    expect(page.get_by_role("row", name=re.compile("Old script"))).to_contain_text("Revoked")


def test_every_settings_page_is_accessible_light_and_dark(
    new_page, admin: User, alice: User, support: Team, acme: Organisation, bob: User
) -> None:
    create_token(actor=alice, user=alice, name="CI pipeline")
    paths = [
        "/settings/",
        "/settings/users/",
        "/settings/users/new/",
        f"/settings/users/{alice.pk}/",
        "/settings/teams/",
        "/settings/teams/new/",
        f"/settings/teams/{support.pk}/",
        "/settings/organisations/",
        "/settings/organisations/new/",
        f"/settings/organisations/{acme.pk}/",
        f"/settings/organisations/{acme.pk}/contacts/new/",
        f"/settings/organisations/{acme.pk}/contacts/{bob.pk}/",
        "/settings/roles/",
        "/settings/tokens/",
        "/settings/audit/",
    ]
    for scheme in ("light", "dark"):
        page: Page = new_page(color_scheme=scheme)
        sign_in(page, admin.email)
        for path in paths:
            page.goto(path)
            expect(page.get_by_role("heading", level=1)).to_be_visible()
            check_accessibility(page, f"{path} ({scheme})")
            if scheme == "light":
                name = re.sub(r"\W+", "-", path.removeprefix("/settings/")).strip("-")
                screenshot(page, f"settings-{name or 'index'}")
        screenshot(page, f"settings-tokens-{scheme}")


def test_form_errors_are_announced_and_accessible(page: Page, admin: User, alice: User) -> None:
    sign_in(page, admin.email)
    page.goto("/settings/users/new/")
    page.get_by_label("E-mail", exact=True).fill(alice.email)
    page.get_by_role("button", name="Send the invitation").click()
    expect(page.get_by_role("alert")).to_be_visible()
    expect(page.get_by_label("E-mail", exact=True)).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#id_email_error")).to_contain_text("exists")
    check_accessibility(page, "invite with errors")


def test_customer_profile_on_a_phone(new_page, bob: User) -> None:
    for scheme in ("light", "dark"):
        page: Page = new_page(viewport={"width": 390, "height": 844}, color_scheme=scheme)
        sign_in(page, bob.email)
        page.goto("/settings/tokens/")
        expect(page.get_by_role("navigation", name="Settings")).to_have_count(0)
        check_accessibility(page, f"customer tokens on a phone ({scheme})")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"the page scrolls sideways ({width}px)"
        screenshot(page, f"settings-tokens-phone-{scheme}")


def test_settings_users_on_a_phone(new_page, admin: User, alice: User, support: Team) -> None:
    page: Page = new_page(viewport={"width": 390, "height": 844})
    sign_in(page, admin.email)
    page.goto("/settings/users/")
    expect(page.get_by_role("link", name="Alice")).to_be_visible()
    screenshot(page, "settings-users-phone")


def test_user_list_filters_as_you_type(page: Page, admin: User, alice: User, dave: User) -> None:
    sign_in(page, admin.email)
    page.goto("/settings/users/")
    expect(page.get_by_role("link", name="Dave")).to_be_visible()
    page.get_by_label("Name or e-mail").fill("ali")
    expect(page.get_by_role("link", name="Dave")).to_have_count(0)
    expect(page.get_by_role("link", name="Alice")).to_be_visible()
    expect(page).to_have_url(re.compile(r"q=ali"))
    page.get_by_label("Role").select_option(label="Administrator")
    expect(page.get_by_text("No staff match this filter.")).to_be_visible()


def test_customer_admin_adds_a_contact(new_page, acme_admin: User, bob: User) -> None:
    for scheme in ("light", "dark"):
        page: Page = new_page(color_scheme=scheme)
        sign_in(page, acme_admin.email)
        page.goto("/settings/tokens/")
        page.get_by_role("link", name="Manage the contacts of Acme").click()
        expect(page.get_by_role("cell", name=re.compile("bob@acme.test"))).to_be_visible()
        check_accessibility(page, f"customer admin contacts ({scheme})")
    page.get_by_label("E-mail", exact=True).fill(f"new-{scheme}@acme.test")
    page.get_by_role("button", name="Add the contact").click()
    expect(page.get_by_role("status")).to_contain_text("Added new-dark@acme.test to Acme")
    assert User.objects.filter(
        email="new-dark@acme.test", organisation=acme_admin.organisation
    ).exists()
