"""Reading upgrade paths: a product's graph, the latest supported version, a version's support
status, the shortest supported path from a deployment, and the fixes a later release ships.

**The target** of a product is the latest supported version: the highest (by the catalogue's
order) of the latest versions of its maintained release lines (``lifecycle.status``:
``is_maintained``), lines not released yet left out. A product without one has no target.

**Bounded reads.** ``upgrades_for(deployments)`` serves a whole list of deployments with a
fixed number of queries, whatever its length: the lines of all their products (with each
line's latest version, one subquery per line row), the supported edges of those products, and
the published fixes of the versions they run.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

from django.db import models
from django.db.models import F, QuerySet, Subquery

from sustain.catalog.models import Product, Version
from sustain.catalog.selectors import version_order
from sustain.core.errors import NotFound
from sustain.releases.deployments.models import Deployment
from sustain.releases.lifecycle import Phase, Status, deciding_line, site_today, status
from sustain.releases.line_models import ReleaseLine
from sustain.releases.line_selectors import latest_held
from sustain.releases.release_models import ReleaseFix, ReleaseStatus
from sustain.releases.upgrades.graph import Arc, Graph
from sustain.releases.upgrades.models import UpgradeEdge

EOL_SOON_DAYS = 90  # as the product page's "end of life in N days"


# --- the graph ---------------------------------------------------------------------------------
def edges_of(product: Product | int) -> QuerySet[UpgradeEdge]:
    """A product's upgrades, by their source version then their target, in version order."""
    product_id = product if isinstance(product, int) else product.pk
    return (
        UpgradeEdge.objects.filter(product_id=product_id)
        .select_related("from_version", "to_version")
        .order_by(*version_order(through="from_version__"), *version_order(through="to_version__"))
    )


def get_edge(edge_id: int) -> UpgradeEdge:
    edge = UpgradeEdge.objects.select_related("product", "from_version", "to_version").filter(
        pk=edge_id
    )
    found = edge.first()
    if found is None:
        raise NotFound(f"No upgrade {edge_id}.")
    return found


def _rank(version: Version) -> tuple[str, int]:
    return (version.sort_key, version.pk)


# --- lifecycle: the target and a version's support -------------------------------------------
@dataclass(frozen=True)
class Target:
    """The latest supported version of a product, and the line it is the latest of."""

    version_id: int
    name: str
    sort_key: str
    line: str


@dataclass(frozen=True)
class Support:
    """A version's support on the site's day, from the most specific line holding it."""

    label: str  # "Supported", "End of life in 30 days", "End of life since 2026-01-31" …
    tone: str  # ok, soon, eol, unknown: the badge's colour
    line: str | None = None
    status: Status | None = None


def _lines(product_ids: Iterable[int]) -> QuerySet[ReleaseLine]:
    latest = latest_held()
    return ReleaseLine.objects.filter(product_id__in=list(product_ids)).annotate(
        latest_version_id=Subquery(latest.values("version_id")[:1]),
        latest_version_name=Subquery(latest.values("version__name")[:1]),
        latest_version_key=Subquery(latest.values("sort_key")[:1]),
    )


def _target(lines: Sequence[ReleaseLine], today: date) -> Target | None:
    best: Target | None = None
    best_rank: tuple[str, int] = ("", 0)
    for line in lines:
        version_id = line.latest_version_id  # type: ignore[attr-defined]
        if version_id is None:
            continue
        got = status(line, today)
        if not got.is_maintained or got.phase == Phase.UPCOMING:
            continue
        rank = (line.latest_version_key, version_id)  # type: ignore[attr-defined]
        if best is None or rank > best_rank:
            best_rank = rank
            best = Target(
                version_id=version_id,
                name=line.latest_version_name,  # type: ignore[attr-defined]
                sort_key=line.latest_version_key,  # type: ignore[attr-defined]
                line=line.name,
            )
    return best


def support_of(version_name: str, lines: Sequence[ReleaseLine], today: date) -> Support:
    """The support of a version named ``version_name`` by the product's ``lines``: the most
    specific line holding it decides (named as the version, else the longest prefix), as it
    decides the version's end of life (``line_services.sync_end_of_life``)."""
    line = deciding_line(lines, version_name)
    if line is None:
        return Support("No lifecycle recorded", "unknown")
    got = status(line, today)
    if got.in_extended_support:
        label = "Extended support only"
        if line.eol_on is not None:
            label += f" (end of life since {line.eol_on:%Y-%m-%d})"
        return Support(label, "soon", line.name, got)
    if got.is_eol:
        label = f"End of life since {line.eol_on:%Y-%m-%d}" if line.eol_on else "End of life"
        return Support(label, "eol", line.name, got)
    days = got.days_to_eol
    if days is not None and 0 < days <= EOL_SOON_DAYS:
        return Support(
            f"End of life in {days} day{'s' if days != 1 else ''}", "soon", line.name, got
        )
    if got.phase == Phase.UPCOMING:
        return Support("Not released yet", "ok", line.name, got)
    return Support("Supported", "ok", line.name, got)


# --- paths -------------------------------------------------------------------------------------
class PlanState(models.TextChoices):
    UP_TO_DATE = "up_to_date", "Up to date"
    UPGRADE = "upgrade", "Upgrade path"
    UNREACHABLE = "unreachable", "No supported upgrade path"
    NO_TARGET = "no_target", "No supported version"


@dataclass(frozen=True)
class Plan:
    """From what runs to the target: the state, and the upgrades to make in order."""

    state: PlanState
    current: Version
    target: Target | None
    hops: list[UpgradeEdge] = field(default_factory=list)

    @property
    def summary(self) -> str:
        target = self.target
        if self.state == PlanState.NO_TARGET or target is None:
            return "No supported version: no release line of the product is maintained."
        if self.state == PlanState.UP_TO_DATE:
            if self.current.pk == target.version_id:
                return f"Up to date: {self.current.name} is the latest supported version."
            return (
                f"Up to date: {self.current.name} is newer than the latest supported version "
                f"({target.name})."
            )
        if self.state == PlanState.UNREACHABLE:
            return (
                f"Unreachable: no path of supported upgrades leads from {self.current.name} "
                f"to {target.name}, the latest supported version."
            )
        count = len(self.hops)
        return f"Upgrade to {target.name} in {count} step{'s' if count != 1 else ''}."


@dataclass
class ProductUpgrades:
    """What the paths of one product read: its lines, target and graph."""

    lines: list[ReleaseLine]
    target: Target | None
    graph: Graph[UpgradeEdge]

    def plan(self, current: Version) -> Plan:
        target = self.target
        if target is None:
            return Plan(PlanState.NO_TARGET, current, None)
        if current.pk == target.version_id or current.sort_key >= target.sort_key:
            return Plan(PlanState.UP_TO_DATE, current, target)
        hops = self.graph.path(current.pk, target.version_id)
        if hops is None:
            return Plan(PlanState.UNREACHABLE, current, target)
        return Plan(PlanState.UPGRADE, current, target, hops)


def product_upgrades(
    product_ids: Iterable[int], today: date | None = None
) -> dict[int, ProductUpgrades]:
    """Lines, target and graph of each product, in two queries for all of them."""
    today = today or site_today()
    ids = sorted(set(product_ids))
    lines: dict[int, list[ReleaseLine]] = defaultdict(list)
    for line in _lines(ids):
        lines[line.product_id].append(line)
    edges: dict[int, list[Arc[UpgradeEdge]]] = defaultdict(list)
    ranks: dict[int, dict[int, tuple[str, int]]] = defaultdict(dict)
    supported = UpgradeEdge.objects.filter(product_id__in=ids, supported=True).select_related(
        "from_version", "to_version"
    )
    for edge in supported:
        edges[edge.product_id].append(Arc(edge.from_version_id, edge.to_version_id, edge))
        for version in (edge.from_version, edge.to_version):
            ranks[edge.product_id][version.pk] = _rank(version)
    return {
        pid: ProductUpgrades(
            lines=lines[pid],
            target=_target(lines[pid], today),
            graph=Graph(edges[pid], ranks[pid]),
        )
        for pid in ids
    }


def plan_for_version(version: Version, today: date | None = None) -> Plan:
    return product_upgrades([version.product_id], today)[version.product_id].plan(version)


# --- fixes available ---------------------------------------------------------------------------
@dataclass(frozen=True)
class FixAvailable:
    """Tickets raised on a deployment's version whose fix shipped in a later published
    release: the first such version, how many tickets, and how many of them the deployment's
    organisation raised."""

    version_name: str
    tickets: int
    own: int


def fixes_for(deployments: Sequence[Deployment]) -> dict[int, FixAvailable]:
    """By deployment id, for those that have one: one query for the whole list. The same
    tickets as ``release_selectors.fixes_available(version, later versions)`` per version."""
    version_ids = {d.version_id for d in deployments}
    if not version_ids:
        return {}
    rows = (
        ReleaseFix.objects.filter(
            release__status=ReleaseStatus.PUBLISHED,
            ticket__version_id__in=version_ids,
            release__version__sort_key__gt=F("ticket__version__sort_key"),
            release__version__product_id=F("ticket__version__product_id"),
        )
        .values_list(
            "ticket_id",
            "ticket__version_id",
            "ticket__organisation_id",
            "release__version__name",
            "release__version__sort_key",
            "release__version_id",
        )
        .order_by()
    )
    by_version: dict[int, list[tuple[int, int | None, str, tuple[str, int]]]] = defaultdict(list)
    for ticket_id, version_id, organisation_id, name, key, release_version_id in rows:
        by_version[version_id].append((ticket_id, organisation_id, name, (key, release_version_id)))
    found: dict[int, FixAvailable] = {}
    for deployment in deployments:
        fixed = by_version.get(deployment.version_id)
        if not fixed:
            continue
        first = min(fixed, key=lambda row: row[3])
        tickets = {row[0] for row in fixed}
        own = {row[0] for row in fixed if row[1] == deployment.organisation_id}
        found[deployment.pk] = FixAvailable(first[2], len(tickets), len(own))
    return found


# --- a list of deployments ---------------------------------------------------------------------
@dataclass(frozen=True)
class DeploymentUpgrade:
    deployment: Deployment
    support: Support
    plan: Plan
    fix: FixAvailable | None


def upgrades_for(
    deployments: Sequence[Deployment], today: date | None = None
) -> list[DeploymentUpgrade]:
    """Support, upgrade path and fixes of each deployment (``deployment.version`` loaded), in
    the list's order, in a fixed number of queries."""
    today = today or site_today()
    products = product_upgrades({d.product_id for d in deployments}, today)
    fixes = fixes_for(deployments)
    return [
        DeploymentUpgrade(
            deployment=d,
            support=support_of(d.version.name, products[d.product_id].lines, today),
            plan=products[d.product_id].plan(d.version),
            fix=fixes.get(d.pk),
        )
        for d in deployments
    ]
