"""The catalogue in and out as CSV: products, components, versions and release lines.

One row says one or more things about a product (the header names the columns; any subset of
them, in any order):

``product``              the product's name (required on every row); created if missing
``version_scheme``       semver, pep440, calver or freeform (a new product's, or a change)
``description``          the product's description
``component``            a component, created if missing
``version``              a version, created if missing (read by the product's scheme)
``released_on``          that version's release date
``release_line``         a release line, created or replaced with the lifecycle columns:
``release_date``, ``lts``, ``eoas``, ``eol``, ``eoes``, ``discontinued`` (a date
YYYY-MM-DD, yes/no or true/false, or empty for "not stated"), ``codename``, ``link``

The whole file is one transaction: every problem is reported as ``line N, column: message``
and nothing is written unless there is none.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import transaction

from sustain.catalog import services as catalog
from sustain.catalog.choices import VersionScheme
from sustain.catalog.models import Component, Product, Version
from sustain.catalog.selectors import ordered_versions
from sustain.core.errors import ServiceError
from sustain.core.permissions import Actor
from sustain.releases import line_services
from sustain.releases.lifecycle import Milestone, milestone
from sustain.releases.lifecycle_io import MAX_BYTES, ImportRefused, Problem
from sustain.releases.line_models import ReleaseLine
from sustain.releases.line_services import LineData

MILESTONE_COLUMNS = ("lts", "eoas", "eol", "eoes", "discontinued")
COLUMNS = (
    "product",
    "version_scheme",
    "description",
    "component",
    "version",
    "released_on",
    "release_line",
    "release_date",
    *MILESTONE_COLUMNS,
    "codename",
    "link",
)
_YES = {"yes", "true"}
_NO = {"no", "false"}


@dataclass(frozen=True)
class CsvResult:
    products: int
    components: int
    versions: int
    lines: int

    def summary(self) -> str:
        return (
            f"{self.products} product(s), {self.components} component(s), "
            f"{self.versions} version(s) and {self.lines} release line(s) created or changed."
        )


class _Row:
    def __init__(self, number: int, cells: dict[str, str], problems: list[Problem]) -> None:
        self.number = number
        self.cells = cells
        self.problems = problems

    def get(self, column: str) -> str:
        return (self.cells.get(column) or "").strip()

    def refuse(self, column: str, message: str) -> None:
        self.problems.append(Problem(self.number, column, message))

    def day(self, column: str) -> date | None:
        raw = self.get(column)
        if not raw:
            return None
        try:
            return date.fromisoformat(raw)
        except ValueError:
            self.refuse(column, f"A date (YYYY-MM-DD) is expected, not {raw!r}.")
            return None

    def milestone(self, column: str) -> Milestone:
        raw = self.get(column)
        if raw.lower() in _YES:
            return True
        if raw.lower() in _NO:
            return False
        if not raw:
            return None
        try:
            return date.fromisoformat(raw)
        except ValueError:
            self.refuse(column, f"A date (YYYY-MM-DD), yes or no is expected, not {raw!r}.")
            return None

    def located(self, exc: ServiceError, columns: dict[str, str]) -> None:
        if not exc.errors:
            self.refuse(next(iter(columns.values())), exc.detail)
        for field, messages in exc.errors.items():
            for message in messages:
                self.refuse(columns.get(field, field), message)


@transaction.atomic
def import_catalogue(*, actor: Actor, text: str) -> CsvResult:
    catalog.require_manager(actor)
    if len(text.encode()) > MAX_BYTES * 10:
        raise ImportRefused([Problem(None, "", "The file is larger than 20 MiB.")])
    reader = csv.DictReader(io.StringIO(text))
    header = reader.fieldnames or []
    problems: list[Problem] = []
    unknown = [c for c in header if c not in COLUMNS]
    if unknown or "product" not in header:
        if unknown:
            problems.append(
                Problem(1, unknown[0], f"Unknown column; the columns are {', '.join(COLUMNS)}.")
            )
        if "product" not in header:
            problems.append(Problem(1, "product", "The header needs a `product` column."))
        raise ImportRefused(problems)
    counts: dict[str, set[Any]] = {
        k: set() for k in ("products", "components", "versions", "lines")
    }
    try:
        for number, cells in enumerate(reader, start=2):
            if None in cells:
                problems.append(Problem(number, "", "More cells than the header names."))
                continue
            _import_row(actor, _Row(number, cells, problems), counts)
    except csv.Error as exc:
        problems.append(Problem(reader.line_num, "", f"Not valid CSV: {exc}."))
    if problems:
        transaction.set_rollback(True)
        raise ImportRefused(problems)
    return CsvResult(*(len(v) for v in counts.values()))


def _import_row(actor: Actor, row: _Row, counts: dict[str, set[Any]]) -> None:
    name = row.get("product")
    if not name:
        row.refuse("product", "Every row names its product.")
        return
    product = _product(actor, row, name, counts)
    if product is None:
        return
    component = row.get("component")
    if component and not Component.objects.filter(product=product, name=component).exists():
        try:
            catalog.create_component(actor=actor, product=product, name=component)
            counts["components"].add((product.pk, component))
        except ServiceError as exc:
            row.located(exc, {"name": "component"})
    version = row.get("version")
    released_on = row.day("released_on")
    if version:
        _version(actor, row, product, version, released_on, counts)
    elif row.get("released_on"):
        row.refuse("released_on", "A release date needs its `version`.")
    line = row.get("release_line")
    if line:
        _line(actor, row, product, line, counts)


def _product(actor: Actor, row: _Row, name: str, counts: dict[str, set[Any]]) -> Product | None:
    scheme = row.get("version_scheme")
    if scheme and scheme not in VersionScheme.values:
        row.refuse("version_scheme", f"One of: {', '.join(VersionScheme.values)}.")
        return None
    description = row.get("description") or None
    product = Product.objects.filter(name=name).first()
    columns = {"name": "product", "version_scheme": "version_scheme"}
    try:
        if product is None:
            product = catalog.create_product(
                actor=actor,
                name=name,
                description=description or "",
                version_scheme=scheme or VersionScheme.PEP440,
            )
            counts["products"].add(product.pk)
        elif (scheme and scheme != product.version_scheme) or (
            description is not None and description != product.description
        ):
            product = catalog.update_product(
                actor=actor, product=product, version_scheme=scheme or None, description=description
            )
            counts["products"].add(product.pk)
    except ServiceError as exc:
        row.located(exc, columns)
        return None
    return product


def _version(
    actor: Actor,
    row: _Row,
    product: Product,
    name: str,
    released_on: date | None,
    counts: dict[str, set[Any]],
) -> None:
    existing = Version.objects.filter(product=product, name=name.strip()).first()
    try:
        if existing is None:
            made = catalog.create_version(
                actor=actor, product=product, name=name, released_on=released_on
            )
            counts["versions"].add(made.pk)
        elif released_on and existing.released_on != released_on:
            catalog.update_version(actor=actor, version=existing, released_on=released_on)
            counts["versions"].add(existing.pk)
    except ServiceError as exc:
        row.located(exc, {"name": "version", "released_on": "released_on"})


def _line(
    actor: Actor, row: _Row, product: Product, name: str, counts: dict[str, set[Any]]
) -> None:
    before = len(row.problems)
    values: dict[str, Any] = {m: row.milestone(m) for m in MILESTONE_COLUMNS}
    data = LineData(
        name=name,
        codename=row.get("codename"),
        link=row.get("link"),
        release_date=row.day("release_date"),
        **values,
    )
    if len(row.problems) > before:
        return
    existing = ReleaseLine.objects.filter(product=product, name=name).first()
    columns = {f: f for f in line_services.LINE_FIELDS} | {"name": "release_line"}
    try:
        if existing is None:
            made = line_services.create_line(actor=actor, product=product, data=data)
            counts["lines"].add(made.pk)
        else:
            data = LineData(**{**data.__dict__, "version_prefix": existing.version_prefix})
            line_services.update_line(actor=actor, line=existing, data=data)
            counts["lines"].add(existing.pk)
    except ServiceError as exc:
        row.located(exc, columns)


# --- export --------------------------------------------------------------------------------------
def _cell(value: Milestone) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return value.isoformat()


def export_catalogue() -> str:
    """Every product as rows of the import's format: a product row, its components, its
    versions in order, its release lines."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    for product in Product.objects.order_by("name"):
        base = {"product": product.name}
        writer.writerow(
            base | {"version_scheme": product.version_scheme, "description": product.description}
        )
        for component in product.components.order_by("name").values_list("name", flat=True):
            writer.writerow(base | {"component": component})
        for name, released_on in ordered_versions(product).values_list("name", "released_on"):
            writer.writerow(base | {"version": name, "released_on": _cell(released_on)})
        lines = ReleaseLine.objects.filter(product=product).order_by("sort_key", "id")
        for line in lines:
            writer.writerow(
                base
                | {
                    "release_line": line.name,
                    "release_date": _cell(line.release_date),
                    "codename": line.codename,
                    "link": line.link,
                }
                | {m: _cell(milestone(line, m)) for m in MILESTONE_COLUMNS}
            )
    return out.getvalue()
