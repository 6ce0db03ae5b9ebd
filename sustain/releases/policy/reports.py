"""Reports for the support team: deployments behind their product's update policy, and
deployments on versions whose release line reaches its end of life soon.

Both start from the deployments the viewer may see (``deployments.selectors``) and read each
product's versions and lines once; versions are compared in the catalogue's order.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import QuerySet

from sustain.accounts.models import User
from sustain.core.errors import ValidationFailed
from sustain.releases.deployments.models import Deployment
from sustain.releases.deployments.selectors import check_environment, visible_deployments
from sustain.releases.lifecycle import site_today
from sustain.releases.line_models import ReleaseLine
from sustain.releases.policy.evaluation import ProductFacts, Standing
from sustain.releases.policy.models import UpdatePolicy
from sustain.releases.policy.selectors import governing_line

DEFAULT_EOL_DAYS = 90
MAX_EOL_DAYS = 3650


@dataclass(frozen=True)
class BehindRow:
    deployment: Deployment
    standing: Standing


def _deployments(
    viewer: User, *, product_id: int | None, environment: str | None, organisation_id: int | None
) -> QuerySet[Deployment]:
    rows = visible_deployments(viewer).select_related("organisation", "product", "version")
    if product_id is not None:
        rows = rows.filter(product_id=product_id)
    if environment:
        rows = rows.filter(environment=check_environment(environment))
    if organisation_id is not None:
        rows = rows.filter(organisation_id=organisation_id)
    return rows


def behind_policy(
    viewer: User,
    *,
    product_id: int | None = None,
    environment: str | None = None,
    organisation_id: int | None = None,
    today: date | None = None,
) -> list[BehindRow]:
    """The deployments that exceed their product's policy, furthest behind first."""
    today = today or site_today()
    policies = UpdatePolicy.objects.select_related("product")
    if product_id is not None:
        policies = policies.filter(product_id=product_id)
    found: list[BehindRow] = []
    for policy in policies:
        if policy.max_minor_behind is None and policy.max_days_behind is None:
            continue
        facts = ProductFacts.load(policy, today)
        rows = _deployments(
            viewer,
            product_id=policy.product_id,
            environment=environment,
            organisation_id=organisation_id,
        )
        for deployment in rows:
            standing = facts.standing(deployment.version_id)
            if standing is not None and standing.behind_policy:
                found.append(BehindRow(deployment, standing))
    found.sort(
        key=lambda r: (
            r.deployment.product.name,
            -r.standing.minors_behind,
            -r.standing.days_behind,
            r.deployment.organisation.name,
            r.deployment.environment,
        )
    )
    return found


@dataclass(frozen=True)
class EolRow:
    deployment: Deployment
    line: ReleaseLine | None  # None: an end of life set on the version by hand
    eol_on: date
    days_left: int


def check_days(days: int | None) -> int:
    if days is None:
        return DEFAULT_EOL_DAYS
    if not 0 <= days <= MAX_EOL_DAYS:
        raise ValidationFailed.field("days", f"A whole number from 0 to {MAX_EOL_DAYS}.")
    return days


def nearing_eol(
    viewer: User,
    *,
    days: int | None = None,
    product_id: int | None = None,
    environment: str | None = None,
    organisation_id: int | None = None,
    today: date | None = None,
) -> list[EolRow]:
    """The deployments whose version reaches its end of life from today to ``days`` ahead,
    soonest first. A version's end of life is its release line's (the most specific line
    stating one; ``catalog.Version.end_of_life`` holds it, indexed by the sync)."""
    today = today or site_today()
    horizon = today + timedelta(days=check_days(days))
    rows = _deployments(
        viewer, product_id=product_id, environment=environment, organisation_id=organisation_id
    )
    candidates = list(rows.filter(version__end_of_life__range=(today, horizon)))
    lines: dict[int, list[ReleaseLine]] = {}
    for product in {d.product_id for d in candidates}:
        lines[product] = list(
            ReleaseLine.objects.filter(product_id=product).select_related("product")
        )
    found = []
    for deployment in candidates:
        line = governing_line(deployment.version.name, lines[deployment.product_id])
        eol = line.eol_on if line is not None and line.eol_on else deployment.version.end_of_life
        assert eol is not None
        found.append(EolRow(deployment, line, eol, (eol - today).days))
    found.sort(key=lambda r: (r.eol_on, r.deployment.organisation.name, r.deployment.product.name))
    return found


# --- CSV -------------------------------------------------------------------------------------
_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: object) -> object:
    # A name typed by a customer ("=HYPERLINK(…)") must not run as a spreadsheet formula.
    if isinstance(value, str) and value.startswith(_FORMULA):
        return "'" + value
    return value


def _csv(header: list[str], rows: Iterable[list[object]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows([_cell(v) for v in row] for row in rows)
    return out.getvalue()


def behind_csv(rows: list[BehindRow]) -> str:
    return _csv(
        [
            "organisation",
            "product",
            "environment",
            "version",
            "target",
            "minor_versions_behind",
            "superseded_on",
            "days_behind",
            "max_minor_behind",
            "max_days_behind",
        ],
        (
            [
                r.deployment.organisation.name,
                r.deployment.product.name,
                r.deployment.environment,
                r.standing.version,
                r.standing.target or "",
                r.standing.minors_behind,
                r.standing.superseded_on.isoformat() if r.standing.superseded_on else "",
                r.standing.days_behind,
                "" if r.standing.max_minor_behind is None else r.standing.max_minor_behind,
                "" if r.standing.max_days_behind is None else r.standing.max_days_behind,
            ]
            for r in rows
        ),
    )


def eol_csv(rows: list[EolRow]) -> str:
    return _csv(
        ["organisation", "product", "environment", "version", "release_line", "eol", "days_left"],
        (
            [
                r.deployment.organisation.name,
                r.deployment.product.name,
                r.deployment.environment,
                r.deployment.version.name,
                r.line.name if r.line else "",
                r.eol_on.isoformat(),
                r.days_left,
            ]
            for r in rows
        ),
    )


# --- one organisation --------------------------------------------------------------------------
@dataclass(frozen=True)
class DeploymentStanding:
    """A deployment as the organisation pages show it: against its product's policy (None
    without one) and its line's end of life."""

    deployment: Deployment
    standing: Standing | None
    line: ReleaseLine | None
    eol_on: date | None
    days_to_eol: int | None


def standings_of(
    viewer: User, organisation_id: int, today: date | None = None
) -> list[DeploymentStanding]:
    today = today or site_today()
    rows = list(
        _deployments(viewer, product_id=None, environment=None, organisation_id=organisation_id)
    )
    facts: dict[int, ProductFacts | None] = {}
    lines: dict[int, list[ReleaseLine]] = {}
    policies = {
        p.product_id: p
        for p in UpdatePolicy.objects.filter(
            product_id__in={d.product_id for d in rows}
        ).select_related("product")
    }
    found = []
    for deployment in sorted(rows, key=lambda d: (d.product.name, d.environment)):
        product = deployment.product_id
        if product not in facts:
            policy = policies.get(product)
            facts[product] = ProductFacts.load(policy, today) if policy else None
            lines[product] = list(
                ReleaseLine.objects.filter(product_id=product).select_related("product")
            )
        product_facts = facts[product]
        line = governing_line(deployment.version.name, lines[product])
        eol = line.eol_on if line is not None else deployment.version.end_of_life
        found.append(
            DeploymentStanding(
                deployment=deployment,
                standing=product_facts.standing(deployment.version_id) if product_facts else None,
                line=line,
                eol_on=eol,
                days_to_eol=(eol - today).days if eol else None,
            )
        )
    return found
