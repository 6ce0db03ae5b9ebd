"""Release notes in the portal: the published notes of the products a customer's organisation
relates to (those of the tickets they may read), and on each release the customer's own tickets
that it fixes. Drafts are never shown; another organisation's tickets never either."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from sustain.accounts.access import customer_required, signed_in_user
from sustain.core.errors import NotFound
from sustain.releases.release_models import ReleaseStatus
from sustain.releases.release_selectors import (
    fixed_tickets,
    get_release_for,
    products_of,
    visible_releases,
)

PAGE_SIZE = 50


@customer_required
def release_list(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    products = list(products_of(user).order_by("name"))
    releases = (
        visible_releases(user)
        .filter(status=ReleaseStatus.PUBLISHED, version__product__in=products)
        .order_by("-published_at", "-id")[:PAGE_SIZE]
    )
    context = {"nav": "portal-releases", "releases": releases, "products": products}
    return render(request, "portal/releases.html", context)


@customer_required
def release_detail(request: HttpRequest, release_id: int) -> HttpResponse:
    user = signed_in_user(request)
    try:
        release = get_release_for(user, release_id)
    except NotFound:
        raise Http404("No such release.") from None
    mine = fixed_tickets(user, release).order_by("pk")
    context = {"nav": "portal-releases", "release": release, "tickets": mine}
    return render(request, "portal/release.html", context)
