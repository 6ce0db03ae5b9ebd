"""The deployments matrix: organisations × versions of one product in one environment.

Built for 10,000 organisations and 50 versions (bench/deployments_matrix.py): a page of
organisations is one keyset query over the product's deployments in the environment (index
``deployment_product_env_idx``, then the organisations' names), and the count of
organisations per version one grouped query over the same rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Count, Exists, OuterRef

from sustain.accounts.models import Organisation, User
from sustain.catalog.models import Product, Version
from sustain.core.pagination import Page, paginate
from sustain.releases.deployments.models import Deployment
from sustain.releases.deployments.selectors import (
    PHASES,
    check_environment,
    ordered_versions,
    visible_deployments,
)
from sustain.releases.lifecycle import site_today

PAGE_SIZE = 50


@dataclass(frozen=True)
class MatrixRow:
    organisation: Organisation
    deployment: Deployment
    # One cell per column: True where the organisation runs that version.
    cells: list[bool]


@dataclass(frozen=True)
class Matrix:
    product: Product
    environment: str
    phase: str
    versions: list[Version]
    counts: list[int]  # organisations per column
    rows: list[MatrixRow]
    page: Page[Organisation]
    total: int


def build_matrix(
    viewer: User,
    *,
    product: Product,
    environment: str | None,
    phase: str = "",
    version: Version | None = None,
    cursor: str | None = None,
    today: date | None = None,
) -> Matrix:
    """One page of the matrix. ``phase`` (a registered support phase) narrows the columns and
    the organisations to the versions in it; ``version`` the organisations to those on it."""
    environment = check_environment(environment)
    versions = ordered_versions(product)
    if phase in PHASES:
        versions = list(PHASES[phase].versions(versions, today or site_today()))
    else:
        phase = ""
    rows = visible_deployments(viewer).filter(product=product, environment=environment)
    if phase:
        rows = rows.filter(version__in=[v.pk for v in versions])
    per_version = dict(rows.values_list("version_id").annotate(n=Count("id")).order_by())
    if version is not None:
        rows = rows.filter(version=version)
    # A page of the organisations that have a row, by name (the unique index on the name,
    # each probed in the unique index of deployments), then their rows.
    organisations = Organisation.objects.filter(Exists(rows.filter(organisation=OuterRef("pk"))))
    page = paginate(organisations, order="name", cursor=cursor, limit=PAGE_SIZE)
    by_org = {d.organisation_id: d for d in rows.filter(organisation__in=page.items)}
    column = {v.pk: index for index, v in enumerate(versions)}
    matrix_rows = []
    for organisation in page.items:
        deployment = by_org.get(organisation.pk)
        if deployment is None:  # removed between the two queries
            continue
        cells = [False] * len(versions)
        if deployment.version_id in column:
            cells[column[deployment.version_id]] = True
        matrix_rows.append(MatrixRow(organisation, deployment, cells))
    total = per_version.get(version.pk, 0) if version is not None else sum(per_version.values())
    return Matrix(
        product=product,
        environment=environment,
        phase=phase,
        versions=versions,
        counts=[per_version.get(v.pk, 0) for v in versions],
        rows=matrix_rows,
        page=page,
        total=total,
    )
