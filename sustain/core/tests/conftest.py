from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

import pytest
from django.core.mail import EmailMessage
from django.core.mail.backends.base import BaseEmailBackend
from django.db.models.functions import Now
from django.utils import timezone

from sustain.core.models import OutboxMessage


class FailingEmailBackend(BaseEmailBackend):
    """A mail server that refuses every message, the way an unreachable SMTP relay does."""

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        raise ConnectionRefusedError("SMTP relay refused the connection")


class Clock:
    """Moves ``timezone.now()`` forward, so backoff and leases can expire without sleeping."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self._real_now = timezone.now
        self._offset = timedelta()
        monkeypatch.setattr(timezone, "now", self.now)

    def now(self) -> datetime:
        return self._real_now() + self._offset

    def advance(self, **delta: float) -> None:
        self._offset += timedelta(**delta)


@pytest.fixture
def clock(monkeypatch):
    return Clock(monkeypatch)


LOCMEM_MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}


@pytest.fixture
def failing_mail(settings):
    settings.MAILERS = {"default": {"BACKEND": "sustain.core.tests.conftest.FailingEmailBackend"}}


def expire_lease(message_id: int) -> None:
    """The claim's lease runs out now, on the database's clock, which is the one leases are
    read on: what a worker that died would leave once its lease had passed."""
    OutboxMessage.objects.filter(pk=message_id).update(claimed_until=Now() - timedelta(seconds=1))
