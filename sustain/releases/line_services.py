"""Changing release lines and their lifecycle; keeping versions' end of life in step.

``catalog.Version.end_of_life`` is what the knowledge base's review reads (articles about a
version past its end of life go to review). A version held by release lines takes it from the
most specific line that states an end of life (a line named as the version, else the longest
prefix): the line's date; the site's day of the change when the line says "yes" without a date
(unless the version already had an earlier day); none when the line says "no". A version that
no line holds keeps the day set by hand. The sync runs in the transaction of every change of
a line, and of every version created or renamed (through ``catalog.hooks``).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, fields
from datetime import date

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from sustain.catalog.models import Product, Version
from sustain.catalog.services import require_manager
from sustain.core.errors import Conflict, ValidationFailed
from sustain.core.permissions import Actor
from sustain.releases.lifecycle import (
    Milestone,
    default_prefix,
    holds,
    line_key,
    milestone,
    site_today,
)
from sustain.releases.line_membership import lock_product, refresh_line
from sustain.releases.line_models import MILESTONES, ReleaseLine

_BATCH = 2000


@dataclass(frozen=True)
class LineData:
    """A release line as a client states it. ``version_prefix`` None takes the default for
    the name ("4.2" → "4.2.")."""

    name: str
    codename: str = ""
    version_prefix: str | None = None
    link: str = ""
    release_date: date | None = None
    lts: Milestone = None
    eoas: Milestone = None
    eol: Milestone = None
    eoes: Milestone = None
    discontinued: Milestone = None


def line_data(line: ReleaseLine) -> LineData:
    return LineData(
        name=line.name,
        codename=line.codename,
        version_prefix=line.version_prefix,
        link=line.link,
        release_date=line.release_date,
        lts=milestone(line, "lts"),
        **{m: milestone(line, m) for m in MILESTONES},
    )


# The order a lifecycle's dates must keep, each pair (earlier, later) by field name.
_ORDER = [
    ("release_date", "eoas"),
    ("release_date", "eol"),
    ("eoas", "eol"),
    ("eol", "eoes"),
]


def check_line(data: LineData) -> dict[str, list[str]]:
    """Per-field messages for what is wrong with ``data`` (empty when it is right)."""
    errors: dict[str, list[str]] = {}

    def add(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    name = data.name.strip()
    if not name:
        add("name", "A release line needs a name (its release cycle, such as 4.2).")
    for field, limit in (("name", 100), ("codename", 100), ("version_prefix", 100)):
        value = getattr(data, field) or ""
        if len(value) > limit:
            add(field, f"At most {limit} characters.")
    if data.link:
        try:
            URLValidator(schemes=["http", "https"])(data.link)
        except ValidationError:
            add("link", "An http(s) address.")
    for earlier, later in _ORDER:
        a, b = getattr(data, earlier), getattr(data, later)
        if isinstance(a, date) and isinstance(b, date) and b < a:
            add(later, f"{later} ({b.isoformat()}) comes before {earlier} ({a.isoformat()}).")
    return errors


def _apply(line: ReleaseLine, data: LineData) -> None:
    line.name = data.name.strip()
    line.codename = data.codename.strip()
    prefix = data.version_prefix
    line.version_prefix = default_prefix(line.name) if prefix is None else prefix.strip()
    line.link = data.link.strip()
    line.sort_key = line_key(line.name)
    line.release_date = data.release_date
    for name in ("lts", *MILESTONES):
        value = getattr(data, name)
        setattr(line, f"{name}_on", value if isinstance(value, date) else None)
        setattr(line, name, value if isinstance(value, bool) else None)
    line.updated_at = timezone.now()


def _refuse_bad(data: LineData) -> None:
    errors = check_line(data)
    if errors:
        first = next(iter(errors.values()))[0]
        raise ValidationFailed(first, errors=errors)


@transaction.atomic
def create_line(*, actor: Actor, product: Product, data: LineData) -> ReleaseLine:
    require_manager(actor)
    _refuse_bad(data)
    lock_product(product.pk)
    if ReleaseLine.objects.filter(product=product, name=data.name.strip()).exists():
        raise Conflict(
            f"{product.name} has a release line '{data.name.strip()}'.",
            errors={"name": ["already taken"]},
        )
    line = ReleaseLine(product=product)
    _apply(line, data)
    line.save()
    refresh_line(line)
    sync_end_of_life(product.pk, lines=[line])
    return line


@transaction.atomic
def update_line(*, actor: Actor, line: ReleaseLine, data: LineData) -> ReleaseLine:
    """Replace the line's fields with ``data`` (a change of some fields passes the rest as
    they were: ``dataclasses.replace(line_data(line), …)``)."""
    require_manager(actor)
    _refuse_bad(data)
    lock_product(line.product_id)
    line = ReleaseLine.objects.select_for_update().get(pk=line.pk)
    taken = ReleaseLine.objects.filter(product_id=line.product_id, name=data.name.strip())
    if taken.exclude(pk=line.pk).exists():
        raise Conflict(
            f"The product has a release line '{data.name.strip()}'.",
            errors={"name": ["already taken"]},
        )
    before = _former(line)
    _apply(line, data)
    line.save()
    if (line.name, line.version_prefix) != (before.name, before.version_prefix):
        refresh_line(line)
    sync_end_of_life(line.product_id, lines=[line], released=[before])
    return line


@transaction.atomic
def delete_line(*, actor: Actor, line: ReleaseLine) -> None:
    require_manager(actor)
    gone = _former(line)
    product_id = line.product_id
    line.delete()
    sync_end_of_life(product_id, lines=[], released=[gone])


LINE_FIELDS = [f.name for f in fields(LineData)]


def _former(line: ReleaseLine) -> ReleaseLine:
    """What the line held and said of end of life before a change."""
    return ReleaseLine(
        name=line.name, version_prefix=line.version_prefix, eol_on=line.eol_on, eol=line.eol
    )


# --- a version's end of life from its lines ------------------------------------------------------
def _held_by(lines: Iterable[ReleaseLine]) -> Q:
    query = Q(pk__in=[])
    for line in lines:
        query |= Q(name=line.name)
        if line.version_prefix:
            query |= Q(name__startswith=line.version_prefix)
    return query


def sync_end_of_life(
    product_id: int,
    version_ids: Collection[int] | None = None,
    *,
    lines: Iterable[ReleaseLine] | None = None,
    released: Iterable[ReleaseLine] = (),
) -> int:
    """Write the end of life of the product's versions (those of ``version_ids``, or those
    ``lines`` or ``released`` hold, or all) from the lines that hold them; returns how many
    changed. ``released`` are the former states of changed or deleted lines: a version whose
    day came from one of them, and that no line now states a day for, loses it."""
    released = [ln for ln in released if milestone(ln, "eol") is not None]
    all_lines = list(
        ReleaseLine.objects.filter(product_id=product_id).only(
            "name", "version_prefix", "eol_on", "eol"
        )
    )
    stating = [line for line in all_lines if milestone(line, "eol") is not None]
    versions = Version.objects.filter(product_id=product_id)
    if version_ids is not None:
        versions = versions.filter(pk__in=list(version_ids))
    if lines is not None:
        versions = versions.filter(_held_by([*lines, *released]))
    today = site_today()
    changed: list[Version] = []
    for version in versions.only("id", "name", "end_of_life").iterator(chunk_size=_BATCH):
        holding = [ln for ln in stating if holds(ln.name, ln.version_prefix, version.name)]
        if not holding:
            if version.end_of_life is not None and any(
                holds(ln.name, ln.version_prefix, version.name) for ln in released
            ):
                version.end_of_life = None
                changed.append(version)
            continue
        best = max(holding, key=lambda ln: (ln.name == version.name, len(ln.version_prefix or "")))
        eol = milestone(best, "eol")
        if isinstance(eol, date):
            wanted: date | None = eol
        elif eol:
            wanted = version.end_of_life if version.end_of_life is not None else today
        else:
            wanted = None
        if wanted != version.end_of_life:
            version.end_of_life = wanted
            changed.append(version)
    Version.objects.bulk_update(changed, ["end_of_life"], batch_size=_BATCH)
    return len(changed)
