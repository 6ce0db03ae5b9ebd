from __future__ import annotations

from typing import Any

from django import forms

from sustain.mail.models import Mailbox


class MailboxForm(forms.Form):
    name = forms.CharField(max_length=100)
    host = forms.CharField(max_length=255, help_text="e.g. imap.example.com")
    port = forms.IntegerField(min_value=1, max_value=65535, initial=993)
    security = forms.ChoiceField(choices=Mailbox.Security.choices)
    auth = forms.ChoiceField(choices=Mailbox.Auth.choices, label="Sign-in")
    username = forms.CharField(max_length=255)
    secret = forms.CharField(
        label="Password or access token",
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text="Stored encrypted. Leave empty to keep the current one.",
    )
    folder = forms.CharField(max_length=255, initial="INBOX")
    after_fetch = forms.ChoiceField(choices=Mailbox.AfterFetch.choices, label="After fetching")
    processed_folder = forms.CharField(max_length=255, initial="Processed", required=False)
    is_active = forms.BooleanField(required=False, initial=True, label="Poll this mailbox")

    def changes(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        if not data.get("secret"):
            data.pop("secret", None)
        return data
