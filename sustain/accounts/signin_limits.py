"""Limits on failed sign-ins: a password cannot be guessed at the speed of a script.

Failures are kept in the database (``SignInFailure``), so every web process and every
server sees the same count, on SQLite as on PostgreSQL. An account is refused for a while
after ``SUSTAIN_SIGNIN_MAX_FAILURES`` failures within ``SUSTAIN_SIGNIN_WINDOW_MINUTES``;
an address after ``SUSTAIN_SIGNIN_MAX_FAILURES_PER_ADDRESS`` (one guesser trying many
accounts). Unknown e-mail addresses count like known ones, so the answer never tells whether
an account exists. A successful sign-in forgets the account's failures.
"""

from __future__ import annotations

import ipaddress
import math
from datetime import datetime, timedelta

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone

from sustain.accounts.models import SignInFailure


def window() -> timedelta:
    return timedelta(minutes=settings.SUSTAIN_SIGNIN_WINDOW_MINUTES)


def client_address(request: HttpRequest | None) -> str | None:
    """The address the request came from. Behind the reverse proxy that the deployment
    declares (SUSTAIN_BEHIND_PROXY), that is the last address the proxy added."""
    if request is None:
        return None
    candidate = str(request.META.get("REMOTE_ADDR") or "")
    if settings.SUSTAIN_BEHIND_PROXY:
        forwarded = str(request.META.get("HTTP_X_FORWARDED_FOR") or "")
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if hops:
            candidate = hops[-1]
    try:
        # Whatever a header says, only a real address is stored (PostgreSQL's inet refuses
        # anything else); a request without one is limited by its account alone.
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return None


def _normalise(email: str) -> str:
    return email.strip().lower()[:254]


def retry_after(email: str, address: str | None, now: datetime | None = None) -> timedelta | None:
    """How long sign-ins for this account (or from this address) are refused, or None."""
    now = now or timezone.now()
    since = now - window()
    recent = SignInFailure.objects.filter(created_at__gt=since)
    waits: list[timedelta] = []
    for failures, limit in (
        (recent.filter(email=_normalise(email)), settings.SUSTAIN_SIGNIN_MAX_FAILURES),
        (
            recent.filter(address=address) if address else None,
            settings.SUSTAIN_SIGNIN_MAX_FAILURES_PER_ADDRESS,
        ),
    ):
        if failures is None:
            continue
        # Only the newest ``limit`` failures matter: the block ends when the oldest of them
        # leaves the window.
        newest = failures.order_by("-created_at").values_list("created_at", flat=True)[:limit]
        times = list(newest)
        if len(times) >= limit:
            waits.append(times[-1] + window() - now)
    return max(waits) if waits else None


def record_failure(email: str, address: str | None) -> None:
    now = timezone.now()
    SignInFailure.objects.create(email=_normalise(email), address=address, created_at=now)
    # Old rows are useless: each failure clears what has left the window, so the table stays
    # as small as the last quarter of an hour's failures.
    SignInFailure.objects.filter(created_at__lte=now - window()).delete()


def forget(email: str) -> None:
    SignInFailure.objects.filter(email=_normalise(email)).delete()


def minutes(wait: timedelta) -> int:
    return max(1, math.ceil(wait.total_seconds() / 60))
