"""Fixtures of the rollout tests: Gizmo 4.2 running at Acme in production, 4.3 to roll out,
and helpers that plan a rollout and approve its change."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from sustain.accounts.models import Organisation, User
from sustain.catalog.models import Product, Version
from sustain.factories import make_product
from sustain.releases.deployments.choices import DeploymentChannel
from sustain.releases.deployments.services import set_deployment
from sustain.releases.rollouts.choices import RolloutChannel
from sustain.releases.rollouts.models import Rollout
from sustain.releases.rollouts.services import RolloutPlan, plan_rollout, transition_rollout
from sustain.tickets.approvals import decide_change
from sustain.tickets.choices import ApprovalDecision

PLANNED_START = datetime(2026, 12, 10, 20, 0, tzinfo=UTC)


@pytest.fixture
def gizmo(db: None) -> Product:
    return make_product("Gizmo", versions=["4.2.0", "4.3.0"])


@pytest.fixture
def v42(gizmo: Product) -> Version:
    return gizmo.versions.get(name="4.2.0")


@pytest.fixture
def v43(gizmo: Product) -> Version:
    return gizmo.versions.get(name="4.3.0")


@pytest.fixture
def running(admin: User, acme: Organisation, v42: Version) -> None:
    set_deployment(actor=admin, organisation=acme, version=v42, channel=DeploymentChannel.STAFF)


@pytest.fixture
def make_rollout(engineer: User, acme: Organisation, v43: Version) -> Callable[..., Rollout]:
    def make(actor: User | None = None, **fields: Any) -> Rollout:
        fields.setdefault("organisation", acme)
        fields.setdefault("version", v43)
        fields.setdefault("planned_start", PLANNED_START)
        return plan_rollout(
            actor=actor or engineer, plan=RolloutPlan(**fields), channel=RolloutChannel.STAFF
        )

    return make


@pytest.fixture
def approve(lead: User) -> Callable[[Rollout], None]:
    def run(rollout: Rollout, decision: str = ApprovalDecision.APPROVED, comment: str = "") -> None:
        decide_change(
            actor=lead, ref=rollout.change_ticket_id, decision=decision, comment=comment or "ok"
        )

    return run


@pytest.fixture
def move(engineer: User) -> Callable[..., Rollout]:
    def run(rollout: Rollout, status: str, note: str = "", actor: User | None = None) -> Rollout:
        return transition_rollout(
            actor=actor or engineer,
            rollout_id=rollout.pk,
            status=status,
            note=note,
            channel=RolloutChannel.STAFF,
        )

    return run
