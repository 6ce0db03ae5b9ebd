"""OAuth2 mailboxes through every interface: the API (secrets write-only), the pages (the
authorization-code flow with PKCE against the test provider, the refused state), the command
line (a pasted refresh token), and the audit log of credential changes."""

from __future__ import annotations

import io
import json
from urllib.parse import parse_qs, urlsplit

import httpx2
import pytest
from django.core.management import CommandError, call_command

from sustain.accounts.models import AuditEntry
from sustain.core.testing import assert_problem, send
from sustain.mail import oauth
from sustain.mail.models import Mailbox
from sustain.mail.secrets import unseal
from sustain.mail.tests.token_server import CLIENT_ID, CLIENT_SECRET, TokenServer

pytestmark = pytest.mark.django_db
USER = "support@sustain.test"
PAGE_ONLY = {"folder": "INBOX", "after_fetch": "flag"}  # the API has defaults for these


def oauth_settings(provider: TokenServer, **changes: object) -> dict[str, object]:
    return {
        "name": "support",
        "host": "127.0.0.1",
        "port": 9,
        "security": "none",
        "auth": "xoauth2",
        "username": USER,
        "oauth_token_url": provider.token_url,
        "oauth_authorize_url": provider.authorize_url,
        "oauth_client_id": CLIENT_ID,
        "oauth_client_secret": CLIENT_SECRET,
        "oauth_scope": "mail offline_access",
    } | changes


# --- API ------------------------------------------------------------------------------------


def test_the_api_takes_oauth2_secrets_and_never_gives_them_back(api_client, admin, provider):
    client = api_client(admin)
    refresh = provider.issue_grant(USER).refresh_token
    created = send(
        client, "POST", "/mail/mailboxes", oauth_settings(provider, oauth_refresh_token=refresh)
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["oauth_state"] == "connected"
    assert body["has_oauth_client_secret"] is True
    assert "oauth_client_secret" not in body
    assert "oauth_refresh_token" not in body
    listed = send(client, "GET", "/mail/mailboxes")
    for answer in (created, listed):
        assert CLIENT_SECRET not in answer.content.decode()
        assert refresh not in answer.content.decode()
    stored = Mailbox.objects.get()
    assert unseal(stored.oauth_client_secret) == CLIENT_SECRET
    assert unseal(stored.oauth_refresh_token) == refresh
    for column in (stored.oauth_client_secret, stored.oauth_refresh_token):
        assert CLIENT_SECRET not in column
        assert refresh not in column
    [entry] = AuditEntry.objects.filter(action="mailbox.created")
    assert entry.target_type == "mailbox"
    assert entry.changes["oauth_client_secret"] == "changed"
    assert entry.changes["oauth_refresh_token"] == "changed"
    assert entry.changes["oauth_client_id"] == [None, CLIENT_ID]
    assert CLIENT_SECRET not in json.dumps(entry.changes)
    assert refresh not in json.dumps(entry.changes)


def test_a_changed_secret_is_audited_without_its_value(api_client, admin, provider):
    client = api_client(admin)
    mailbox_id = send(client, "POST", "/mail/mailboxes", oauth_settings(provider)).json()["id"]
    patched = send(
        client, "PATCH", f"/mail/mailboxes/{mailbox_id}", {"oauth_client_secret": "new secret"}
    )
    assert patched.status_code == 200, patched.content
    [entry] = AuditEntry.objects.filter(action="mailbox.updated")
    assert entry.changes == {"oauth_client_secret": "changed"}
    assert entry.actor == admin
    audit_log = send(client, "GET", "/audit-log?target_type=mailbox").json()
    assert {item["action"] for item in audit_log["items"]} == {
        "mailbox.created",
        "mailbox.updated",
    }


def test_the_audit_log_page_lists_a_mailboxs_history(client, admin, provider):
    client.force_login(admin)
    client.post("/mail/mailboxes/new", oauth_settings(provider) | PAGE_ONLY)
    mailbox = Mailbox.objects.get()
    page = client.get("/settings/audit/", {"target_type": "mailbox", "target_id": mailbox.pk})
    html = page.content.decode()
    assert "Mailbox added" in html
    assert "support (support@sustain.test@127.0.0.1)" in html
    assert CLIENT_SECRET not in html


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"oauth_token_url": ""}, "oauth_token_url"),
        ({"oauth_client_id": ""}, "oauth_client_id"),
        ({"oauth_token_url": "http://login.example.com/token"}, "oauth_token_url"),
        ({"oauth_token_url": "https://login example.com/token"}, "oauth_token_url"),
        ({"oauth_authorize_url": "ftp://example.com/authorize"}, "oauth_authorize_url"),
        ({"auth": "password"}, "secret"),
    ],
)
def test_incomplete_oauth2_settings_are_refused_by_field(
    api_client, admin, provider, change, field
):
    problem = assert_problem(
        send(api_client(admin), "POST", "/mail/mailboxes", oauth_settings(provider, **change)),
        422,
    )
    assert field in problem["errors"]
    assert not Mailbox.objects.exists()


def test_a_refused_grant_shows_in_the_api_and_a_new_refresh_token_clears_it(
    api_client, admin, provider
):
    client = api_client(admin)
    refresh = provider.issue_grant(USER).refresh_token
    settings = oauth_settings(provider, oauth_refresh_token=refresh)
    mailbox_id = send(client, "POST", "/mail/mailboxes", settings).json()["id"]
    provider.revoke_grants()
    problem = assert_problem(send(client, "POST", f"/mail/mailboxes/{mailbox_id}/poll"), 502)
    assert "invalid_grant" in problem["detail"]
    [box] = send(client, "GET", "/mail/mailboxes").json()
    assert box["oauth_state"] == "refused"
    assert "connect the mailbox again" in box["oauth_error"]
    assert box["oauth_error_at"] is not None
    fresh = provider.issue_grant(USER).refresh_token
    patched = send(
        client, "PATCH", f"/mail/mailboxes/{mailbox_id}", {"oauth_refresh_token": fresh}
    ).json()
    assert patched["oauth_state"] == "connected"
    assert patched["oauth_error"] == ""
    assert oauth.access_token(Mailbox.objects.get())


# --- pages: the authorization-code flow -------------------------------------------------------


def connect(client, provider: TokenServer, mailbox: Mailbox) -> str:
    """Click "Connect", consent at the provider (real HTTP), and return the callback URL."""
    started = client.get(f"/mail/mailboxes/{mailbox.pk}/connect")
    assert started.status_code == 302
    assert started["Location"].startswith(provider.authorize_url + "?")
    consent = httpx2.get(started["Location"], follow_redirects=False, timeout=10)
    assert consent.status_code == 302, consent.text
    return str(consent.headers["Location"])


def local(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


def test_an_admin_connects_a_mailbox_with_the_authorization_code_flow(client, admin, provider):
    client.force_login(admin)
    created = client.post("/mail/mailboxes/new", oauth_settings(provider) | PAGE_ONLY)
    assert created.status_code == 302, created.content.decode()
    mailbox = Mailbox.objects.get()
    assert Mailbox.objects.get().oauth_state == "not_connected"

    started = client.get(f"/mail/mailboxes/{mailbox.pk}/connect")
    query = parse_qs(urlsplit(started["Location"]).query)
    assert query["code_challenge_method"] == ["S256"]
    assert len(query["code_challenge"][0]) == 43
    assert query["redirect_uri"] == ["http://127.0.0.1:8000/mail/oauth/callback"]
    assert query["scope"] == ["mail offline_access"]
    assert query["access_type"] == ["offline"]
    assert query["login_hint"] == [USER]
    callback = local(httpx2.get(started["Location"], follow_redirects=False).headers["Location"])

    finished = client.get(callback)
    assert finished.status_code == 302
    assert finished["Location"] == f"/mail/mailboxes/{mailbox.pk}"
    mailbox.refresh_from_db()
    assert mailbox.oauth_state == "connected"
    assert unseal(mailbox.oauth_refresh_token) == provider.current_refresh_token(USER)
    assert provider.active(unseal(mailbox.oauth_access_token)) is not None
    [entry] = AuditEntry.objects.filter(action="mailbox.connected")
    assert entry.actor == admin
    page = client.get(f"/mail/mailboxes/{mailbox.pk}").content.decode()
    assert "is connected; its refresh token is stored encrypted" in page
    assert "Access token</dt><dd>expires <time" in page
    assert unseal(mailbox.oauth_refresh_token) not in page

    # The same answer a second time (a replayed URL) is refused: a state is good once.
    again = client.get(callback, follow=True).content.decode()
    assert "was not started here, was used already" in again
    assert AuditEntry.objects.filter(action="mailbox.connected").count() == 1


def test_a_callback_with_a_foreign_state_changes_nothing(client, admin, provider):
    client.force_login(admin)
    client.post("/mail/mailboxes/new", oauth_settings(provider) | PAGE_ONLY)
    mailbox = Mailbox.objects.get()
    callback = connect(client, provider, mailbox)
    forged = callback.replace("state=", "state=forged")
    answer = client.get(local(forged), follow=True).content.decode()
    assert "was not started here" in answer
    mailbox.refresh_from_db()
    assert mailbox.oauth_state == "not_connected"


def test_a_denied_consent_is_shown_on_the_mailbox_page(client, admin, provider):
    client.force_login(admin)
    client.post("/mail/mailboxes/new", oauth_settings(provider) | PAGE_ONLY)
    mailbox = Mailbox.objects.get()
    state = parse_qs(urlsplit(connect(client, provider, mailbox)).query)["state"][0]
    denied = client.get(
        "/mail/oauth/callback",
        {"state": state, "error": "access_denied", "error_description": "The user said no."},
        follow=True,
    )
    assert "The provider did not connect support: The user said no." in denied.content.decode()
    mailbox.refresh_from_db()
    assert mailbox.oauth_state == "not_connected"


def test_only_administrators_connect_mailboxes(client, alice, provider):
    mailbox = Mailbox.objects.create(
        name="support", host="h", username=USER, auth="xoauth2", oauth_authorize_url="https://x/"
    )
    client.force_login(alice)
    assert client.get(f"/mail/mailboxes/{mailbox.pk}/connect").status_code == 403
    assert client.get("/mail/oauth/callback?state=x&code=y").status_code == 403


def test_the_mailbox_pages_show_a_refused_grant(client, admin, provider):
    mailbox = Mailbox.objects.create(
        name="support", host="h", username=USER, auth="xoauth2", oauth_refresh_token="sealed"
    )
    oauth.report_refusal(mailbox, "invalid_grant", "AADSTS700082: The refresh token has expired.")
    client.force_login(admin)
    page = client.get(f"/mail/mailboxes/{mailbox.pk}").content.decode()
    assert "sign-in refused" in page
    assert "AADSTS700082: The refresh token has expired." in page
    assert "Administrators were told by e-mail." in page
    index = client.get("/mail/").content.decode()
    assert "sign-in refused" in index


def test_the_form_keeps_stored_secrets_and_a_changed_client_clears_a_refusal(
    client, admin, provider
):
    client.force_login(admin)
    refresh = provider.issue_grant(USER).refresh_token
    form = oauth_settings(provider, oauth_refresh_token=refresh) | PAGE_ONLY
    client.post("/mail/mailboxes/new", form)
    mailbox = Mailbox.objects.get()
    oauth.report_refusal(mailbox, "invalid_client", "Secret expired.")
    edit = form | {"oauth_client_secret": "", "oauth_refresh_token": "", "oauth_client_id": "v2"}
    assert client.post(f"/mail/mailboxes/{mailbox.pk}", edit).status_code == 302
    mailbox.refresh_from_db()
    assert mailbox.oauth_state == "connected"
    assert unseal(mailbox.oauth_client_secret) == CLIENT_SECRET
    assert unseal(mailbox.oauth_refresh_token) == refresh
    page = client.get(f"/mail/mailboxes/{mailbox.pk}").content.decode()
    assert CLIENT_SECRET not in page
    assert refresh not in page


# --- command line -----------------------------------------------------------------------------


def test_an_operator_pastes_a_refresh_token_on_standard_input(provider, monkeypatch):
    mailbox = Mailbox.objects.create(
        name="support",
        host="h",
        username=USER,
        auth="xoauth2",
        oauth_token_url=provider.token_url,
        oauth_client_id=CLIENT_ID,
    )
    refresh = provider.issue_grant(USER).refresh_token
    monkeypatch.setattr("sys.stdin", io.StringIO(refresh + "\n"))
    out = io.StringIO()
    call_command("mail", "refresh-token", "support", stdout=out)
    assert "refresh token stored (encrypted)" in out.getvalue()
    mailbox.refresh_from_db()
    assert unseal(mailbox.oauth_refresh_token) == refresh
    [entry] = AuditEntry.objects.filter(action="mailbox.updated")
    assert entry.actor is None
    assert entry.changes == {"oauth_refresh_token": "changed"}
    listing = io.StringIO()
    call_command("mail", "mailboxes", stdout=listing)
    assert listing.getvalue().startswith(f"support: {USER}@h:993 connected")


def test_the_command_refuses_an_empty_token_and_a_password_mailbox(monkeypatch):
    Mailbox.objects.create(name="pw", host="h", username=USER, secret="x")
    Mailbox.objects.create(name="oauth", host="h", username=USER, auth="xoauth2")
    monkeypatch.setattr("sys.stdin", io.StringIO("\n"))
    with pytest.raises(CommandError, match="No refresh token"):
        call_command("mail", "refresh-token", "oauth")
    with pytest.raises(CommandError, match="signs in with a password"):
        call_command("mail", "refresh-token", "pw")
