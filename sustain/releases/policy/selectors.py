"""Reading update policies and deprecation notices: a product's, and those that concern what
an organisation runs (what its customers see in the portal)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import QuerySet

from sustain.accounts.models import Organisation, User
from sustain.catalog.models import Product
from sustain.core.errors import NotFound
from sustain.releases.deployments.models import Deployment
from sustain.releases.deployments.selectors import visible_deployments
from sustain.releases.lifecycle import deciding_line, milestone
from sustain.releases.line_models import ReleaseLine
from sustain.releases.policy.models import Deprecation, UpdatePolicy


def policy_of(product: Product | int) -> UpdatePolicy | None:
    product_id = product if isinstance(product, int) else product.pk
    return (
        UpdatePolicy.objects.select_related("product", "updated_by").filter(pk=product_id).first()
    )


def deprecations_of(product: Product | int) -> QuerySet[Deprecation]:
    """A product's notices, newest announcement first."""
    product_id = product if isinstance(product, int) else product.pk
    return Deprecation.objects.filter(product_id=product_id).select_related(
        "product", "version", "deprecated_from", "removed_in"
    )


def get_deprecation(notice_id: int) -> Deprecation:
    notice = (
        Deprecation.objects.select_related("product", "version", "deprecated_from", "removed_in")
        .filter(pk=notice_id)
        .first()
    )
    if notice is None:
        raise NotFound(f"No deprecation notice with id {notice_id}.")
    return notice


def concerns(notice: Deprecation, deployment: Deployment) -> bool:
    """Whether ``notice`` concerns what ``deployment`` runs: the deprecated version itself, or
    for a feature, a version of the product before the one that removes it (any version when
    that is not stated) — by the catalogue's order."""
    if notice.product_id != deployment.product_id:
        return False
    if notice.version_id is not None:
        return notice.version_id == deployment.version_id
    if notice.removed_in is None:
        return True
    removed = (notice.removed_in.sort_key, notice.removed_in.pk)
    return (deployment.version.sort_key, deployment.version.pk) < removed


@dataclass(frozen=True)
class Affecting:
    notice: Deprecation
    deployments: list[Deployment]

    @property
    def where(self) -> str:
        return ", ".join(f"{d.version.name} in {d.environment}" for d in self.deployments)


def deprecations_affecting(viewer: User, organisation: Organisation) -> list[Affecting]:
    """The notices that concern what ``organisation`` runs now (as ``viewer`` may see it),
    each with the deployments concerned."""
    deployments = list(
        visible_deployments(viewer).filter(organisation=organisation).select_related("version")
    )
    products = {d.product_id for d in deployments}
    notices = Deprecation.objects.filter(product_id__in=products).select_related(
        "product", "version", "deprecated_from", "removed_in"
    )
    found = []
    for notice in notices:
        concerned = [d for d in deployments if concerns(notice, d)]
        if concerned:
            found.append(Affecting(notice, concerned))
    return found


def governing_line(version_name: str, lines: Iterable[ReleaseLine]) -> ReleaseLine | None:
    """The line whose end of life a version takes: the most specific line holding it that
    states one (a line named as the version, else the longest prefix) — the rule of
    ``line_services.sync_end_of_life``."""
    return deciding_line([ln for ln in lines if milestone(ln, "eol") is not None], version_name)
