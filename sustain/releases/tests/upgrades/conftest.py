"""Fixtures of the upgrade-path tests: Gizmo (semantic versions, so 1.10.0 comes after 1.9.0
although it sorts before it as a string) with three release lines — 1.x at its end of life in
30 days, 2.x maintained, 3.x not released yet — and a helper that adds upgrades."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest

from sustain.accounts.models import User
from sustain.catalog.models import Product, Version
from sustain.factories import make_product, make_user
from sustain.releases import line_services
from sustain.releases.lifecycle import site_today
from sustain.releases.line_services import LineData
from sustain.releases.upgrades.models import UpgradeEdge
from sustain.releases.upgrades.services import create_edge

NAMES = ["1.9.0", "1.10.0", "2.0.0", "2.1.0", "3.0.0"]


@pytest.fixture
def engineer(db: None) -> User:
    return make_user("erik@sustain.test", role="engineer")


@pytest.fixture
def gizmo(engineer: User) -> Product:
    product = make_product("Gizmo", versions=NAMES, scheme="semver")
    today = site_today()
    for data in (
        LineData(name="1.x", release_date=today - timedelta(900), eol=today + timedelta(30)),
        LineData(name="2.x", release_date=today - timedelta(100), eol=False),
        LineData(name="3.x", release_date=today + timedelta(60), eol=False),
    ):
        line_services.create_line(actor=engineer, product=product, data=data)
    return product


@pytest.fixture
def v(gizmo: Product) -> dict[str, Version]:
    return {version.name: version for version in Version.objects.filter(product=gizmo)}


@pytest.fixture
def upgrade(engineer: User, gizmo: Product, v: dict[str, Version]) -> Callable[..., UpgradeEdge]:
    def make(source: str, target: str, **fields: Any) -> UpgradeEdge:
        return create_edge(
            actor=engineer, product=gizmo, from_version=v[source], to_version=v[target], **fields
        )

    return make
