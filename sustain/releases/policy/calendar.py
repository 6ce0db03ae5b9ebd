"""A customer's lifecycle calendar: the dates of the release lines of the versions an
organisation runs, as an iCalendar feed (built by ``ical.lifecycle_calendar``, as the
product feed is).

Calendar apps cannot sign in, so the feed's address carries a key — like the product feed's,
an HMAC of the site's ``SECRET_KEY`` (``django.core.signing``), nothing stored — but made per
person and organisation: ``<user id>-<signature of "organisation.user">``. A key opens the feed
only while its person is active and may still see the organisation (a customer of it, or
staff): a customer who leaves the organisation, or is deactivated, stops the feed of their key.
Changing ``SECRET_KEY`` changes every key.
"""

from __future__ import annotations

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils.crypto import constant_time_compare

from sustain.accounts.models import Organisation, User
from sustain.accounts.services import visible_organisations
from sustain.releases.deployments.models import Deployment
from sustain.releases.ical import lifecycle_calendar
from sustain.releases.lifecycle import holds
from sustain.releases.line_models import ReleaseLine

_SALT = "sustain.releases.organisation-lifecycle-ics"


def _signature(organisation_id: int, user_id: int) -> str:
    signed = signing.Signer(salt=_SALT).sign(f"{organisation_id}.{user_id}")
    return signed.rsplit(":", 1)[1]


def feed_key(user: User, organisation_id: int) -> str:
    """The key ``user`` subscribes to ``organisation_id``'s feed with."""
    return f"{user.pk}-{_signature(organisation_id, user.pk)}"


def feed_url(user: User, organisation: Organisation) -> str:
    """The address ``user`` subscribes to ``organisation``'s feed at (with their key)."""
    path = reverse("policy:organisation_feed", args=[organisation.pk])
    return f"{settings.SUSTAIN_BASE_URL.rstrip('/')}{path}?key={feed_key(user, organisation.pk)}"


def key_holder(organisation_id: int, key: str) -> User | None:
    """The person whose key ``key`` is, if it opens the organisation's feed now."""
    user_part, _, signature = key.partition("-")
    if not user_part.isdigit() or len(user_part) > 18 or not signature:
        return None
    expected = _signature(organisation_id, int(user_part))
    if not constant_time_compare(signature, expected):
        return None
    user = User.objects.filter(pk=int(user_part), is_active=True).first()
    if user is None or not may_read(user, organisation_id):
        return None
    return user


def may_read(user: User, organisation_id: int) -> bool:
    return visible_organisations(user).filter(pk=organisation_id).exists()


def lines_run_by(organisation: Organisation) -> list[ReleaseLine]:
    """The release lines that hold a version the organisation runs (in any environment)."""
    deployed = list(
        Deployment.objects.filter(organisation=organisation).values_list(
            "product_id", "version__name"
        )
    )
    products = {product for product, _ in deployed}
    lines = ReleaseLine.objects.filter(product_id__in=products).select_related("product")
    return [
        line
        for line in lines.order_by("product__name", "sort_key", "id")
        if any(
            product == line.product_id and holds(line.name, line.version_prefix, name)
            for product, name in deployed
        )
    ]


def organisation_calendar(organisation: Organisation, *, domain: str) -> bytes:
    return lifecycle_calendar(
        lines_run_by(organisation), name=f"{organisation.name}: lifecycle", domain=domain
    )
