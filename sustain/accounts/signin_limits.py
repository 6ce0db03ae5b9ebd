"""Limits on failed sign-ins: a password cannot be guessed at the speed of a script, and a
guesser cannot lock somebody else out with a handful of wrong passwords.

Failures are kept in the database (``SignInFailure``), so every web process and every
server sees the same count, on SQLite as on PostgreSQL. Within ``SUSTAIN_SIGNIN_WINDOW_MINUTES``
sign-in is refused, until the oldest of the counted failures leaves the window, for

- an account *from one address* after ``SUSTAIN_SIGNIN_MAX_FAILURES`` failures: the guesser
  is stopped, the account's owner elsewhere is not;
- an account from anywhere after ``SUSTAIN_SIGNIN_MAX_FAILURES_PER_ACCOUNT`` failures from all
  addresses together: guessing spread over many addresses is slowed too, at a pace (and a
  number of addresses) that one guesser does not reach by accident;
- an address after ``SUSTAIN_SIGNIN_MAX_FAILURES_PER_ADDRESS`` failures for any accounts (one
  guesser trying many accounts).

An IPv6 client usually holds a whole /64 network, so its address counts as that network.
Unknown e-mail addresses count like known ones, so the answer never tells whether an account
exists. A successful sign-in forgets the failures of that account from that address.
"""

from __future__ import annotations

import ipaddress
import math
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone

from sustain.accounts.models import SignInFailure


def window() -> timedelta:
    return timedelta(minutes=settings.SUSTAIN_SIGNIN_WINDOW_MINUTES)


def client_address(request: HttpRequest | None) -> str | None:
    """The address the request came from, as the limits count it: an IPv4 address, or the
    /64 network of an IPv6 one. Behind the reverse proxy that the deployment declares
    (SUSTAIN_BEHIND_PROXY), that is the last address the proxy added."""
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
        address = ipaddress.ip_address(candidate)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((address, 64), strict=False).network_address)
    return str(address)


def _normalise(email: str) -> str:
    return email.strip().lower()[:254]


def retry_after(email: str, address: str | None, now: datetime | None = None) -> timedelta | None:
    """How long sign-ins for this account from this address are refused, or None."""
    now = now or timezone.now()
    recent = SignInFailure.objects.filter(created_at__gt=now - window())
    account = recent.filter(email=_normalise(email))
    limits: list[tuple[QuerySet[SignInFailure], int]] = [
        (account.filter(address=address), settings.SUSTAIN_SIGNIN_MAX_FAILURES),
        (account, settings.SUSTAIN_SIGNIN_MAX_FAILURES_PER_ACCOUNT),
    ]
    if address is not None:
        limits.append(
            (recent.filter(address=address), settings.SUSTAIN_SIGNIN_MAX_FAILURES_PER_ADDRESS)
        )
    waits: list[timedelta] = []
    for failures, limit in limits:
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


def forget(email: str, address: str | None) -> None:
    """After a successful sign-in: that address's failures for the account. The failures from
    elsewhere stay counted, or the owner signing in would wipe a guesser's slate."""
    SignInFailure.objects.filter(email=_normalise(email), address=address).delete()


def minutes(wait: timedelta) -> int:
    return max(1, math.ceil(wait.total_seconds() / 60))
