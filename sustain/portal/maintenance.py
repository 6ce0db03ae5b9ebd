"""Upcoming maintenance in the portal: the windows affecting the customer's organisation
(named, or on a product it deploys), the next 60 days, running ones first."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from sustain.accounts.access import customer_required, signed_in_user
from sustain.maintenance.selectors import upcoming_for


@customer_required
def upcoming(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    now = timezone.now()
    entries = upcoming_for(user, now, days=60)
    context = {
        "nav": "portal-maintenance",
        "running": [e for e in entries if e.start <= now],
        "coming": [e for e in entries if e.start > now],
    }
    return render(request, "portal/maintenance.html", context)
