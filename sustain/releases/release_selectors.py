"""Who reads which release, the tickets a release fixes, and where a fix has shipped.

Staff read every release, drafts included. Customers and the public read published releases
only: their notes are written for them. Which tickets a release fixes is shown to each reader
through ``visible_tickets``, so a customer sees only the fixed tickets of their own (or their
organisation's, for a customer admin) and never an internal ticket.

For "fix available" on deployments: :func:`fixed_tickets_released_for` gives the tickets a
version's published release fixes, and :func:`fixes_available` the tickets raised on one version
whose fix shipped in a published release of one of the given later versions (which versions
are later is the catalogue's ordering, not this module's).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth.models import AnonymousUser
from django.db.models import QuerySet

from sustain.accounts.models import User
from sustain.catalog.models import Product, Version
from sustain.core.errors import NotFound
from sustain.releases.release_models import Release, ReleaseFix, ReleaseStatus
from sustain.tickets.models import Ticket
from sustain.tickets.selectors import visible_tickets

Reader = User | AnonymousUser | None


def _is_staff(reader: Reader) -> bool:
    return isinstance(reader, User) and reader.is_staff_member


def visible_releases(reader: Reader) -> QuerySet[Release]:
    releases = Release.objects.select_related("version__product")
    if _is_staff(reader):
        return releases
    return releases.filter(status=ReleaseStatus.PUBLISHED)


def get_release_for(reader: Reader, release_id: int, *, for_update: bool = False) -> Release:
    releases = visible_releases(reader)
    if for_update:
        releases = releases.select_for_update(of=("self",))
    release = releases.filter(pk=release_id).first()
    if release is None:
        raise NotFound(f"No release {release_id}.")
    return release


def fixed_tickets(viewer: User, release: Release) -> QuerySet[Ticket]:
    """The tickets ``release`` fixes that ``viewer`` may read: as frozen when it was published,
    or, for a draft, those whose fixed-in version is its version now."""
    tickets = visible_tickets(viewer)
    if release.is_published:
        fixed = ReleaseFix.objects.filter(release=release).values("ticket_id")
        return tickets.filter(pk__in=fixed)
    return tickets.filter(fixed_in_version_id=release.version_id)


def products_of(viewer: User) -> QuerySet[Product]:
    """The products a customer's organisation relates to: those of the tickets they may read.
    (Deployments, when they exist, add the products their organisation runs.)"""
    ids = visible_tickets(viewer).exclude(product=None).values("product_id").distinct()
    return Product.objects.filter(pk__in=ids)


# --- where a fix has shipped ------------------------------------------------------------------
def fixed_tickets_released_for(version: Version | int) -> QuerySet[Ticket]:
    """The tickets that the published release of ``version`` fixes (none while it is a draft)."""
    version_id = version if isinstance(version, int) else version.pk
    fixes = ReleaseFix.objects.filter(
        release__version_id=version_id, release__status=ReleaseStatus.PUBLISHED
    ).values("ticket_id")
    return Ticket.objects.filter(pk__in=fixes)


def fixes_available(affected: Version | int, later: Iterable[Version | int]) -> QuerySet[Ticket]:
    """The tickets raised on ``affected`` whose fix shipped in a published release of one of
    the ``later`` versions: what an organisation running ``affected`` gains by upgrading."""
    affected_id = affected if isinstance(affected, int) else affected.pk
    later_ids = [v if isinstance(v, int) else v.pk for v in later]
    fixes = ReleaseFix.objects.filter(
        release__version_id__in=later_ids, release__status=ReleaseStatus.PUBLISHED
    ).values("ticket_id")
    return Ticket.objects.filter(version_id=affected_id, pk__in=fixes)


def fix_release_of(ticket: Ticket | int) -> Release | None:
    """The first published release that fixes ``ticket``, if any."""
    ticket_id = ticket if isinstance(ticket, int) else ticket.pk
    return (
        Release.objects.filter(fixes__ticket_id=ticket_id, status=ReleaseStatus.PUBLISHED)
        .select_related("version__product")
        .order_by("published_at", "pk")
        .first()
    )
