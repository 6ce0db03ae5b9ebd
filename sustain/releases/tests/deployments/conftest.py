"""Fixtures of the deployment tests: the product Gizmo with three released versions and one
not out yet, and a webhook signer."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest

from sustain.catalog.models import Product, Version
from sustain.factories import make_product


@pytest.fixture
def gizmo(db: None) -> Product:
    return make_product("Gizmo")


@pytest.fixture
def versions(gizmo: Product) -> dict[str, Version]:
    """4.1 < 4.2 < 4.10 (by release date, not by string) and 5.0 not released yet."""
    released = {"4.1": date(2025, 1, 10), "4.2": date(2025, 4, 1), "4.10": date(2025, 9, 1)}
    made = {
        name: Version.objects.create(product=gizmo, name=name, released_on=day)
        for name, day in released.items()
    }
    made["5.0"] = Version.objects.create(product=gizmo, name="5.0")
    return made


@pytest.fixture
def other_product(db: None) -> Product:
    return make_product("Widget", versions=["1.0"])


@pytest.fixture
def make_version(gizmo: Product) -> Callable[..., Version]:
    def make(name: str, released_on: date | None = None, product: Product | None = None) -> Version:
        return Version.objects.create(product=product or gizmo, name=name, released_on=released_on)

    return make
