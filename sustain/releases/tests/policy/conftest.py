"""Fixtures of the policy tests: the product Fleet (PEP 440) with releases over two years, its
release lines (4.1 at its end of life on the tests' day, 4.2 LTS, 4.10, 5.0), and a helper
that deploys a version for an organisation through the service."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest

from sustain.accounts.models import Organisation, User
from sustain.catalog import services as catalog
from sustain.catalog.models import Product, Version
from sustain.core.permissions import OPERATOR
from sustain.releases.deployments.choices import DeploymentChannel
from sustain.releases.deployments.models import Deployment
from sustain.releases.deployments.services import set_deployment
from sustain.releases.line_models import ReleaseLine
from sustain.releases.line_services import LineData, create_line

TODAY = date(2026, 6, 1)

RELEASES = {
    "4.0.0": date(2025, 1, 1),
    "4.1.0": date(2025, 3, 1),
    "4.1.1": date(2025, 4, 1),
    "4.2.0": date(2025, 6, 1),
    "4.10.0": date(2025, 9, 1),
    "5.0.0": date(2025, 12, 1),
    "5.1.0rc1": date(2026, 1, 10),
}


@pytest.fixture
def fleet(db: None) -> Product:
    return catalog.create_product(actor=OPERATOR, name="Fleet")


@pytest.fixture
def fv(fleet: Product) -> dict[str, Version]:
    """Fleet's versions by name, created (and keyed) through the catalogue's service."""
    return {
        name: catalog.create_version(actor=OPERATOR, product=fleet, name=name, released_on=day)
        for name, day in RELEASES.items()
    }


@pytest.fixture
def lines(fleet: Product, fv: dict[str, Version]) -> dict[str, ReleaseLine]:
    def line(name: str, **data: object) -> ReleaseLine:
        return create_line(actor=OPERATOR, product=fleet, data=LineData(name=name, **data))  # type: ignore[arg-type]

    return {
        "4.0": line("4.0", eol=date(2025, 6, 1)),
        "4.1": line("4.1", eol=date(2026, 1, 1)),
        "4.2": line("4.2", lts=True, eol=date(2027, 6, 1)),
        "4.10": line("4.10", eol=date(2026, 9, 1)),
        "5.0": line("5.0", eol=date(2027, 12, 1)),
    }


@pytest.fixture
def deploy(alice: User) -> Callable[..., Deployment]:
    def make(
        organisation: Organisation, version: Version, environment: str = "production"
    ) -> Deployment:
        outcome = set_deployment(
            actor=alice,
            organisation=organisation,
            version=version,
            environment=environment,
            channel=DeploymentChannel.STAFF,
        )
        assert outcome.deployment is not None
        return outcome.deployment

    return make
