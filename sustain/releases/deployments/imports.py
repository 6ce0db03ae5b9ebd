"""Deployments from a CSV file (``sustain deployments import FILE``): one row per organisation,
product and environment — ``organisation,product,version,environment,note`` (the last two may
be left empty). Every row is checked before any is written; a bad file is refused with the line
and column at fault, and nothing is half-written."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from django.db import transaction

from sustain.accounts.models import Organisation
from sustain.catalog.models import Product, Version
from sustain.core.errors import ValidationFailed
from sustain.releases.deployments import services
from sustain.releases.deployments.choices import DeploymentChannel
from sustain.releases.deployments.models import NOTE_MAX_LENGTH
from sustain.releases.deployments.selectors import environments

COLUMNS = ("organisation", "product", "version", "environment", "note")
REQUIRED = ("organisation", "product", "version")


@dataclass(frozen=True)
class ImportResult:
    rows: int
    changed: int


@dataclass(frozen=True)
class _Row:
    organisation: Organisation
    version: Version
    environment: str
    note: str


def import_csv(text: str) -> ImportResult:
    """Set the deployments a CSV file lists, as the operator (channel "cli")."""
    reader = csv.DictReader(io.StringIO(text))
    header = [name.strip() for name in reader.fieldnames or []]
    missing = [name for name in REQUIRED if name not in header]
    unknown = [name for name in header if name not in COLUMNS]
    if missing or unknown:
        raise ValidationFailed(
            f"Line 1: the header needs {', '.join(REQUIRED)} (and may have environment, note)"
            + (f"; missing {', '.join(missing)}" if missing else "")
            + (f"; unknown {', '.join(unknown)}" if unknown else "")
            + "."
        )
    organisations = {o.name: o for o in Organisation.objects.all()}
    products = {p.name: p for p in Product.objects.all()}
    versions = {(v.product_id, v.name): v for v in Version.objects.all()}
    known_environments = environments()
    rows: list[_Row] = []
    errors: dict[str, list[str]] = {}
    seen: dict[tuple[int, int, str], int] = {}
    for number, raw in enumerate(reader, start=2):
        values = {key.strip(): (value or "").strip() for key, value in raw.items() if key}

        def fail(column: str, message: str, line: int = number) -> None:
            errors.setdefault(f"line {line}", []).append(f"{column}: {message}")

        organisation = organisations.get(values.get("organisation", ""))
        product = products.get(values.get("product", ""))
        if organisation is None:
            fail("organisation", f"no organisation named '{values.get('organisation', '')}'")
        if product is None:
            fail("product", f"no product named '{values.get('product', '')}'")
        version = versions.get((product.pk, values.get("version", ""))) if product else None
        if product is not None and version is None:
            fail("version", f"{product.name} has no version '{values.get('version', '')}'")
        environment = values.get("environment") or known_environments[0]
        if environment not in known_environments:
            fail("environment", f"'{environment}' is not one of {', '.join(known_environments)}")
        note = values.get("note", "")
        if len(note) > NOTE_MAX_LENGTH:
            fail("note", f"at most {NOTE_MAX_LENGTH} characters")
        if organisation is None or version is None:
            continue
        key = (organisation.pk, version.product_id, environment)
        if key in seen:
            fail("organisation", f"the same deployment as line {seen[key]}")
        seen[key] = number
        rows.append(_Row(organisation, version, environment, note))
    if errors:
        first = next(iter(errors.items()))
        raise ValidationFailed(
            f"{len(errors)} line(s) refused, nothing imported; {first[0]}: {first[1][0]}.",
            errors=errors,
        )
    changed = 0
    with transaction.atomic():
        for row in rows:
            outcome = services.set_deployment(
                actor=None,
                organisation=row.organisation,
                version=row.version,
                environment=row.environment,
                note=row.note,
                channel=DeploymentChannel.CLI,
            )
            changed += outcome.changed
    return ImportResult(rows=len(rows), changed=changed)
