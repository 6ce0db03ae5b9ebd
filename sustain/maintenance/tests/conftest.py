"""Fixtures of the maintenance tests: Gizmo with two components, deployed at Acme; an
engineer who plans; helpers that plan a window a few days from now."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from typing import Any

import pytest
from django.utils import timezone

from sustain.accounts.choices import Role
from sustain.accounts.models import Organisation, User
from sustain.catalog.models import Component, Product
from sustain.factories import make_product, make_user
from sustain.maintenance.models import MaintenanceWindow
from sustain.maintenance.services import WindowSpec, plan_window
from sustain.releases.deployments.choices import DeploymentChannel
from sustain.releases.deployments.services import set_deployment


def next_monday() -> date:
    today = timezone.now().date()
    return today + timedelta(days=7 - today.weekday())


def local(day: date, hour: int = 2, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute))


@pytest.fixture
def engineer(db: None) -> User:
    return make_user("eng@sustain.test", role=Role.ENGINEER, full_name="Edith Engineer")


@pytest.fixture
def gizmo(db: None) -> Product:
    return make_product("Gizmo", components=["Sync", "Billing"], versions=["4.2.0", "4.3.0"])


@pytest.fixture
def sync(gizmo: Product) -> Component:
    return gizmo.components.get(name="Sync")


@pytest.fixture
def billing(gizmo: Product) -> Component:
    return gizmo.components.get(name="Billing")


@pytest.fixture
def deployed(admin: User, acme: Organisation, gizmo: Product) -> None:
    set_deployment(
        actor=admin,
        organisation=acme,
        version=gizmo.versions.get(name="4.2.0"),
        channel=DeploymentChannel.STAFF,
    )


@pytest.fixture
def spec() -> Callable[..., WindowSpec]:
    def make(**fields: Any) -> WindowSpec:
        fields.setdefault("title", "Sunday patching")
        fields.setdefault("start", local(next_monday() + timedelta(days=6)))
        fields.setdefault("time_zone", "Europe/Berlin")
        fields.setdefault("duration", "PT2H")
        return WindowSpec(**fields)

    return make


@pytest.fixture
def plan(engineer: User, spec: Callable[..., WindowSpec]) -> Callable[..., MaintenanceWindow]:
    def make(**fields: Any) -> MaintenanceWindow:
        return plan_window(actor=engineer, spec=spec(**fields), creator=engineer).window

    return make
