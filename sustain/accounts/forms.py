from __future__ import annotations

import secrets
from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.contrib.auth.forms import PasswordResetForm
from django.db import transaction
from django.template import loader

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
