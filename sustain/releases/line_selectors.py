"""Reading release lines: a product's lines in order, each with its latest version and status.

The latest version of every line comes from one query (a subquery per line row, which walks
the product's versions down the (product, sort_key, id) index until one is held by the line),
so a product page costs the same whether the product has ten versions or a million.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import F, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Length
from django.db.models.lookups import GreaterThan

from sustain.catalog.models import Product, Version
from sustain.catalog.selectors import version_order
from sustain.core.errors import NotFound
from sustain.releases.lifecycle import Status, site_today, status
from sustain.releases.line_models import ReleaseLine


def held_versions(line_ref: str = "") -> QuerySet[Version]:
    """The versions held by the line that ``OuterRef`` reaches (``line_ref`` is the path from
    the outer query to the line, empty when the outer query is of lines)."""
    ref = f"{line_ref}__" if line_ref else ""
    prefix = OuterRef(f"{ref}version_prefix")
    return Version.objects.filter(product_id=OuterRef(f"{ref}product_id")).filter(
        Q(name=OuterRef(f"{ref}name"))
        | (Q(name__startswith=prefix) & Q(GreaterThan(Length(prefix), 0)))
    )


def lines_of(product: Product | int) -> QuerySet[ReleaseLine]:
    """The product's lines, newest first (natural order of their names), each annotated with
    ``latest_version_id`` and ``latest_version_name``."""
    product_id = product if isinstance(product, int) else product.pk
    latest = held_versions().order_by(*version_order(newest_first=True))
    return (
        ReleaseLine.objects.filter(product_id=product_id)
        .annotate(
            latest_version_id=Subquery(latest.values("id")[:1]),
            latest_version_name=Subquery(latest.values("name")[:1]),
            latest_released_on=Subquery(latest.values("released_on")[:1]),
        )
        .order_by(F("sort_key").desc(), F("id").desc())
    )


@dataclass(frozen=True)
class LineView:
    line: ReleaseLine
    status: Status
    latest: str | None
    latest_released_on: date | None


def line_views(product: Product | int, today: date | None = None) -> list[LineView]:
    today = today or site_today()
    return [
        LineView(
            line=line,
            status=status(line, today),
            latest=line.latest_version_name,  # type: ignore[attr-defined]
            latest_released_on=line.latest_released_on,  # type: ignore[attr-defined]
        )
        for line in lines_of(product)
    ]


def get_line(product: Product, line_id: int) -> ReleaseLine:
    line = lines_of(product).filter(pk=line_id).first()
    if line is None:
        raise NotFound(f"{product.name} has no release line {line_id}.")
    return line
