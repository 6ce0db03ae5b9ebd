"""Mailboxes in a real browser: connecting one with OAuth2 (the provider is the tests' own
token server) and what the page shows when the provider refuses the grant."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from sustain.accounts.models import User
from sustain.mail import oauth
from sustain.mail.models import Mailbox
from sustain.mail.secrets import seal, unseal
from sustain.mail.tests.token_server import CLIENT_ID, CLIENT_SECRET, TokenServer, token_server
from tests.e2e.conftest import check_accessibility, screenshot, sign_in


@pytest.fixture
def provider() -> Iterator[TokenServer]:
    with token_server() as server:
        yield server


def test_an_admin_connects_a_mailbox_at_the_provider_and_back(
    page: Page, admin: User, provider: TokenServer, live_server: Any, settings: Any
) -> None:
    settings.SUSTAIN_BASE_URL = live_server.url  # the redirect URI the provider sends back to
    mailbox = Mailbox.objects.create(
        name="Microsoft 365",
        host="outlook.office365.com",
        username="support@sustain.test",
        auth=Mailbox.Auth.XOAUTH2,
        oauth_token_url=provider.token_url,
        oauth_authorize_url=provider.authorize_url,
        oauth_client_id=CLIENT_ID,
        oauth_client_secret=seal(CLIENT_SECRET),
        oauth_scope="https://outlook.office.com/IMAP.AccessAsUser.All offline_access",
    )
    page.set_viewport_size({"width": 1280, "height": 800})
    sign_in(page, admin.email)
    page.goto(f"/mail/mailboxes/{mailbox.pk}")
    expect(page.get_by_text("not connected")).to_be_visible()
    expect(page.get_by_text(f"{live_server.url}/mail/oauth/callback")).to_be_visible()
    check_accessibility(page, "mailbox, not connected")
    screenshot(page, "mail-mailbox-not-connected")

    page.get_by_role("link", name="Connect with the provider").click()
    expect(page.get_by_role("status")).to_contain_text("Microsoft 365 is connected")
    expect(page.get_by_text("expires in")).to_be_visible()
    screenshot(page, "mail-mailbox-connected")
    mailbox.refresh_from_db()
    assert unseal(mailbox.oauth_refresh_token) == provider.current_refresh_token(
        "support@sustain.test"
    )


def test_a_refused_grant_is_plain_on_the_mailbox_page_and_the_list(page: Page, admin: User) -> None:
    mailbox = Mailbox.objects.create(
        name="Google Workspace",
        host="imap.gmail.com",
        username="support@sustain.test",
        auth=Mailbox.Auth.XOAUTH2,
        oauth_token_url="https://oauth2.googleapis.com/token",
        oauth_client_id="1234.apps.googleusercontent.com",
        oauth_refresh_token=seal("revoked"),
    )
    oauth.report_refusal(mailbox, "invalid_grant", "Token has been expired or revoked.")
    page.set_viewport_size({"width": 1280, "height": 800})
    sign_in(page, admin.email)
    page.goto(f"/mail/mailboxes/{mailbox.pk}")
    alert = page.get_by_role("alert").filter(has_text="sign-in refused")
    expect(alert).to_contain_text("Token has been expired or revoked.")
    check_accessibility(page, "mailbox, sign-in refused")
    screenshot(page, "mail-mailbox-refused")
    page.goto("/mail/")
    expect(page.get_by_role("row", name="Google Workspace")).to_contain_text("sign-in refused")
    check_accessibility(page, "mail index")
    screenshot(page, "mail-index")
