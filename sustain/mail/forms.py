from __future__ import annotations

from typing import Any

from django import forms

from sustain.mail.mailboxes import SECRETS
from sustain.mail.models import Mailbox

KEEP = "Stored encrypted, never shown. Leave empty to keep the current one."


def _secret(label: str, help_text: str = KEEP) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=False,
        strip=True,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text=help_text,
    )


class MailboxForm(forms.Form):
    name = forms.CharField(max_length=100)
    host = forms.CharField(max_length=255, help_text="e.g. imap.example.com")
    port = forms.IntegerField(min_value=1, max_value=65535, initial=993)
    security = forms.ChoiceField(choices=Mailbox.Security.choices)
    auth = forms.ChoiceField(choices=Mailbox.Auth.choices, label="Sign-in")
    username = forms.CharField(max_length=255)
    secret = _secret("Password", KEEP + " Not used with OAuth2.")
    folder = forms.CharField(max_length=255, initial="INBOX")
    after_fetch = forms.ChoiceField(choices=Mailbox.AfterFetch.choices, label="After fetching")
    processed_folder = forms.CharField(max_length=255, initial="Processed", required=False)
    is_active = forms.BooleanField(required=False, initial=True, label="Poll this mailbox")
    oauth_token_url = forms.URLField(
        label="Token URL",
        max_length=500,
        required=False,
        assume_scheme="https",
        help_text="e.g. https://login.microsoftonline.com/TENANT/oauth2/v2.0/token",
    )
    oauth_authorize_url = forms.URLField(
        label="Authorization URL",
        max_length=500,
        required=False,
        assume_scheme="https",
        help_text="To connect from this page; not needed when you paste a refresh token.",
    )
    oauth_client_id = forms.CharField(label="Client id", max_length=255, required=False)
    oauth_client_secret = _secret("Client secret", KEEP + " Empty for a public client.")
    oauth_scope = forms.CharField(
        label="Scope",
        max_length=500,
        required=False,
        help_text="Space-separated; see docs/email.md for Microsoft 365 and Google.",
    )
    oauth_refresh_token = _secret(
        "Refresh token",
        "Paste one obtained elsewhere (a device-code flow), or connect from this page. " + KEEP,
    )

    SERVER = ("name", "host", "port", "security", "folder", "after_fetch", "processed_folder")
    SIGN_IN = ("auth", "username", "secret")
    OAUTH = (
        "oauth_token_url",
        "oauth_authorize_url",
        "oauth_client_id",
        "oauth_client_secret",
        "oauth_scope",
        "oauth_refresh_token",
    )

    def group(self, names: tuple[str, ...]) -> list[forms.BoundField]:
        return [self[name] for name in names]

    def server_fields(self) -> list[forms.BoundField]:
        return self.group(self.SERVER)

    def sign_in_fields(self) -> list[forms.BoundField]:
        return self.group(self.SIGN_IN)

    def oauth_fields(self) -> list[forms.BoundField]:
        return self.group(self.OAUTH)

    def changes(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        for name in SECRETS:
            if not data.get(name):
                data.pop(name, None)
        return data
