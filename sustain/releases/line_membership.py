"""Which versions each release line holds, stored (``LineVersion``) and kept in step.

A line's latest version was found by walking the product's versions from the newest down
until one was held by the line: 5.8 s for 20 lines of a product with 1,000,000 versions
(bench/catalogue_versions.py). With the versions a line holds stored beside their key, it is
the first row of the index (line, sort_key, version): one probe per line, for every scheme —
membership is still decided by the version's name (``lifecycle.holds``), never by its key, so
free-form names and any prefix work as before.

The rows follow every change that moves them, in that change's transaction:

- a line created, renamed or given another prefix: its rows are written again
  (``line_services``); a line deleted takes its rows with it (cascade);
- a version created, renamed or moved: its rows are written again (``catalog.hooks.
  on_versions_changed``); a version deleted takes its rows with it (cascade);
- a product's versions re-keyed (a change of scheme, a renumbering of free-form positions):
  the keys of its rows are copied again (``catalog.hooks.on_versions_rekeyed``).

Line changes lock the product's row first, as the catalogue's version changes do, so a line
and a version changed at the same moment see each other.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable

from django.db.models import OuterRef, Q, Subquery

from sustain.catalog.models import Product, Version
from sustain.releases.lifecycle import holds
from sustain.releases.line_models import LineVersion, ReleaseLine

_BATCH = 2000


def lock_product(product_id: int) -> None:
    """Take the product's row lock (as the catalogue's version changes do)."""
    list(Product.objects.select_for_update().filter(pk=product_id).values_list("pk"))


def _named(lines: Iterable[ReleaseLine]) -> Q:
    # A first narrowing in SQL (SQLite's LIKE ignores case), then ``holds`` decides.
    query = Q(pk__in=[])
    for line in lines:
        query |= Q(name=line.name)
        if line.version_prefix:
            query |= Q(name__startswith=line.version_prefix)
    return query


def refresh_line(line: ReleaseLine) -> None:
    """Write again which versions ``line`` holds (after it was created or its name or prefix
    changed)."""
    LineVersion.objects.filter(line=line).delete()
    candidates = (
        Version.objects.filter(product_id=line.product_id).filter(_named([line])).order_by()
    )
    rows = (
        LineVersion(line=line, version_id=pk, sort_key=key)
        for pk, name, key in candidates.values_list("id", "name", "sort_key").iterator(
            chunk_size=_BATCH
        )
        if holds(line.name, line.version_prefix, name)
    )
    LineVersion.objects.bulk_create(rows, batch_size=_BATCH)


def versions_changed(product_id: int, version_ids: Collection[int]) -> None:
    """Write again which lines hold the versions ``version_ids`` (created, renamed or moved):
    the product's lines are read once."""
    lines = list(
        ReleaseLine.objects.filter(product_id=product_id)
        .order_by()
        .only("id", "name", "version_prefix")
    )
    ids = list(version_ids)
    LineVersion.objects.filter(version_id__in=ids).delete()
    if not lines:
        return
    versions = Version.objects.filter(pk__in=ids).order_by().values_list("id", "name", "sort_key")
    LineVersion.objects.bulk_create(
        (
            LineVersion(line=line, version_id=pk, sort_key=key)
            for pk, name, key in versions
            for line in lines
            if holds(line.name, line.version_prefix, name)
        ),
        batch_size=_BATCH,
    )


def versions_rekeyed(product_id: int, version_ids: Collection[int] | None = None) -> None:
    """Copy the keys of the product's versions (those of ``version_ids``, or all: after a
    change of scheme or a renumbering) into their rows again, in one UPDATE."""
    key = Version.objects.filter(pk=OuterRef("version_id")).values("sort_key")[:1]
    rows = LineVersion.objects.all()
    if version_ids is None:
        rows = rows.filter(
            line_id__in=ReleaseLine.objects.filter(product_id=product_id).values("pk")
        )
    else:
        rows = rows.filter(version_id__in=list(version_ids))
    rows.update(sort_key=Subquery(key))
