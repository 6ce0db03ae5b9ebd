"""The demo's deployments: each organisation runs its products in production (some behind on
an older version, which the matrix shows), the larger ones also in the second declared
environment (staging) on the newest; set through the deployments service as the support team
would have, so the history has entries."""

from __future__ import annotations

from sustain.accounts.models import Organisation, User
from sustain.catalog.models import Product
from sustain.releases.deployments.choices import DeploymentChannel
from sustain.releases.deployments.selectors import environments, ordered_versions
from sustain.releases.deployments.services import set_deployment


def create_deployments(
    actor: User, organisations: list[tuple[Organisation, str, list[Product]]]
) -> None:
    """``organisations``: each with its tier and the products it runs."""
    for index, (organisation, tier, products) in enumerate(organisations):
        for product in products:
            versions = ordered_versions(product)
            if not versions:
                continue
            # Every other customer is one version behind, the first upgraded from it.
            behind = versions[-2] if len(versions) > 1 else versions[-1]
            current = behind if index % 2 else versions[-1]
            if current == versions[-1] and len(versions) > 1:
                set_deployment(
                    actor=actor,
                    organisation=organisation,
                    version=behind,
                    channel=DeploymentChannel.STAFF,
                    note="Go-live",
                )
            set_deployment(
                actor=actor,
                organisation=organisation,
                version=current,
                channel=DeploymentChannel.STAFF,
            )
            if tier == "enterprise" and len(environments()) > 1:
                set_deployment(
                    actor=actor,
                    organisation=organisation,
                    version=versions[-1],
                    environment=environments()[1],
                    channel=DeploymentChannel.STAFF,
                    note="Acceptance testing",
                )
