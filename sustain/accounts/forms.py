from __future__ import annotations

import secrets
from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.core.exceptions import ValidationError
from django.db import transaction
from django.template import loader

from sustain.accounts import signin_limits
from sustain.accounts.models import User
from sustain.core import outbox


class OutboxPasswordResetForm(PasswordResetForm):
    """Password reset whose e-mail goes through the outbox (retried, never lost).

    Contacts created from e-mail have no password yet; the reset is how they choose one, so
    users without a usable password are included.
    """

    def get_users(self, email: str) -> Iterator[User]:
        yield from User.objects.filter(email__iexact=email.strip(), is_active=True)

    def send_mail(
        self,
        subject_template_name: str,
        email_template_name: str,
        context: dict[str, Any],
        from_email: str | None,
        to_email: str,
        html_email_template_name: str | None = None,
    ) -> None:
        context = {**context, "base_url": settings.SUSTAIN_BASE_URL}
        subject = "".join(loader.render_to_string(subject_template_name, context).splitlines())
        body = loader.render_to_string(email_template_name, context)
        with transaction.atomic():
            outbox.record_email(
                # Each request is its own e-mail; the key only has to be unique.
                key=f"password-reset:{context['user'].pk}:{secrets.token_hex(8)}",
                to=[to_email],
                subject=subject,
                body=body,
            )


class LimitedAuthenticationForm(AuthenticationForm):
    """Django's sign-in form, refusing an account from an address, an account from anywhere or
    an address that failed too often lately (sustain.accounts.signin_limits). A refused
    attempt is not checked at all, so even the right password waits out the block; the
    message is the same whether the account exists."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "throttled": (
            "Too many failed sign-ins for this account or from this network. Try again in "
            "%(minutes)s minutes, or reset your password."
        ),
    }

    def clean(self) -> dict[str, Any]:
        email = str(self.cleaned_data.get("username") or "")
        address = signin_limits.client_address(self.request)
        wait = signin_limits.retry_after(email, address)
        if wait is not None:
            raise ValidationError(
                self.error_messages["throttled"],
                code="throttled",
                params={"minutes": signin_limits.minutes(wait)},
            )
        try:
            cleaned = super().clean()
        except ValidationError as error:
            if error.code == "invalid_login":
                signin_limits.record_failure(email, address)
            raise
        signin_limits.forget(email, address)
        return cleaned
