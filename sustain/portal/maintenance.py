"""Upcoming maintenance in the portal: the windows affecting the customer's organisation
(named, or on a product it deploys), the next 60 days, running ones first."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from sustain.accounts.access import customer_required, signed_in_user
from sustain.core.errors import ServiceError
from sustain.maintenance.ical import create_feed_key
from sustain.maintenance.models import FeedKey
from sustain.maintenance.selectors import upcoming_for


@customer_required
def upcoming(request: HttpRequest) -> HttpResponse:
    return _page(request)


def _page(request: HttpRequest, *, new_url: str = "", error: str = "") -> HttpResponse:
    user = signed_in_user(request)
    now = timezone.now()
    entries = upcoming_for(user, now, days=60)
    context = {
        "nav": "portal-maintenance",
        "running": [e for e in entries if e.start <= now],
        "coming": [e for e in entries if e.start > now],
        "new_url": new_url,
        "feed_error": error,
        "keys": FeedKey.objects.filter(created_by=user).order_by("-created_at"),
    }
    return render(request, "portal/maintenance.html", context, status=422 if error else 200)


@customer_required
@require_POST
def subscribe(request: HttpRequest) -> HttpResponse:
    """A calendar address for the organisation's windows, shown once on the page."""
    user = signed_in_user(request)
    if user.organisation is None:
        return _page(request, error="Your account belongs to no organisation.")
    try:
        _, raw = create_feed_key(actor=user, organisation=user.organisation)
    except ServiceError as error:
        return _page(request, error=error.detail)
    url = request.build_absolute_uri(reverse("maintenance:feed", args=[raw]))
    return _page(request, new_url=url)
