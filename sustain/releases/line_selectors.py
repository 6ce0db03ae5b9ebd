"""Reading release lines: a product's lines in order, each with its latest version and status.

The latest version of every line comes from one query: a subquery per line row reads the first
of the versions the line holds, newest first, from the stored membership (``LineVersion``,
index (line, sort_key, version)) — one index probe per line, whether the product has ten
versions or a million.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import F, OuterRef, QuerySet, Subquery

from sustain.catalog.models import Product
from sustain.core.errors import NotFound
from sustain.releases.lifecycle import Status, site_today, status
from sustain.releases.line_models import LineVersion, ReleaseLine


def latest_held() -> QuerySet[LineVersion]:
    """The versions held by the line that ``OuterRef("pk")`` names, newest first (take
    ``values("version_id")[:1]``, ``"version__name"``, ``"sort_key"`` …)."""
    return LineVersion.objects.filter(line_id=OuterRef("pk")).order_by(
        F("sort_key").desc(), F("version_id").desc()
    )


def lines_of(product: Product | int) -> QuerySet[ReleaseLine]:
    """The product's lines, newest first (natural order of their names), each annotated with
    ``latest_version_id``, ``latest_version_name`` and ``latest_released_on``."""
    product_id = product if isinstance(product, int) else product.pk
    latest = latest_held()
    return (
        ReleaseLine.objects.filter(product_id=product_id)
        .annotate(
            latest_version_id=Subquery(latest.values("version_id")[:1]),
            latest_version_name=Subquery(latest.values("version__name")[:1]),
            latest_released_on=Subquery(latest.values("version__released_on")[:1]),
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
