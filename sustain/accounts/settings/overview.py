"""Settings: the overview and the read-only explanation of roles."""

from __future__ import annotations

from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse

from sustain.accounts.access import capability_required
from sustain.accounts.choices import CUSTOMER_ROLES, STAFF_ROLES
from sustain.accounts.models import Organisation, Team, User
from sustain.core.htmx import render_page
from sustain.core.permissions import Capability


@capability_required(Capability.SETTINGS_READ)
def index(request: HttpRequest) -> HttpResponse:
    active = Q(is_active=True)
    people = User.objects.aggregate(
        staff=Count("pk", filter=active & Q(role__in=list(STAFF_ROLES))),
        contacts=Count("pk", filter=active & Q(role__in=list(CUSTOMER_ROLES))),
        inactive=Count("pk", filter=Q(is_active=False)),
    )
    context = {
        "nav": "settings",
        "section": "index",
        "people": people,
        "team_count": Team.objects.count(),
        "organisation_count": Organisation.objects.count(),
    }
    return render_page(request, "accounts/settings/index.html", context)


@capability_required(Capability.SETTINGS_READ)
def roles(request: HttpRequest) -> HttpResponse:
    return render_page(
        request, "accounts/settings/roles.html", {"nav": "settings", "section": "roles"}
    )
