"""Rollouts in a real browser at 1280×800: a lead approves a planned rollout's change on its
page, an engineer starts and finishes it, and the list shows the change failure rate."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from sustain.accounts.choices import Role
from sustain.accounts.models import Organisation, User
from sustain.factories import make_organisation, make_product, make_user
from sustain.releases.deployments.choices import DeploymentChannel
from sustain.releases.deployments.models import Deployment
from sustain.releases.deployments.services import set_deployment
from sustain.releases.rollouts.choices import RolloutChannel
from sustain.releases.rollouts.choices import RolloutStatus as S
from sustain.releases.rollouts.models import Rollout
from sustain.releases.rollouts.services import RolloutPlan, plan_rollout, transition_rollout
from sustain.tickets.approvals import decide_change
from tests.e2e.conftest import check_accessibility, open_from_nav, screenshot, sign_in

SIZE = {"width": 1280, "height": 800}


def no_horizontal_scroll(page: Page) -> None:
    overflow = page.evaluate(
        "() => document.scrollingElement.scrollWidth - document.scrollingElement.clientWidth"
    )
    assert overflow <= 0, f"the page scrolls sideways by {overflow}px"


@pytest.fixture
def engineer(db: None) -> User:
    return make_user("erik@sustain.test", role=Role.ENGINEER, full_name="Erik Engström")


@pytest.fixture
def fleet(engineer: User, lead: User, acme: Organisation) -> Rollout:
    """Gizmo and Widget at a few customers; finished rollouts (one rolled back) and Acme's
    production rollout of Gizmo 4.3.0 planned, its change awaiting approval."""
    gizmo = make_product("Gizmo", versions=["4.1.0", "4.2.0", "4.3.0"])
    widget = make_product("Widget", versions=["1.8", "2.0"])
    start = datetime.now(UTC) + timedelta(days=3)
    finished = []
    for i, name in enumerate(["Initech", "Globex", "Umbrella", "Hooli"]):
        organisation = make_organisation(name)
        old = gizmo.versions.get(name="4.2.0") if i % 2 else widget.versions.get(name="1.8")
        set_deployment(
            actor=engineer, organisation=organisation, version=old, channel=DeploymentChannel.STAFF
        )
        new = gizmo.versions.get(name="4.3.0") if i % 2 else widget.versions.get(name="2.0")
        rollout = plan_rollout(
            actor=engineer,
            plan=RolloutPlan(organisation, new, start - timedelta(days=10 + i)),
            channel=RolloutChannel.STAFF,
        )
        decide_change(actor=lead, ref=rollout.change_ticket_id, decision="approved")
        transition_rollout(
            actor=engineer,
            rollout_id=rollout.pk,
            status=S.IN_PROGRESS,
            channel=RolloutChannel.STAFF,
        )
        last = S.ROLLED_BACK if i == 1 else S.DONE
        transition_rollout(
            actor=engineer,
            rollout_id=rollout.pk,
            status=last,
            note="Sync failed for SSO users." if last == S.ROLLED_BACK else "",
            channel=RolloutChannel.STAFF,
        )
        finished.append(rollout)
    set_deployment(
        actor=engineer,
        organisation=acme,
        version=gizmo.versions.get(name="4.2.0"),
        channel=DeploymentChannel.STAFF,
    )
    return plan_rollout(
        actor=engineer,
        plan=RolloutPlan(
            acme,
            gizmo.versions.get(name="4.3.0"),
            start,
            note="Maintenance window Thursday night; customer informed.",
        ),
        channel=RolloutChannel.STAFF,
    )


def test_lead_approves_and_engineer_rolls_out(
    new_page: Any, lead: User, engineer: User, acme: Organisation, fleet: Rollout
) -> None:
    page: Page = new_page(viewport=SIZE)
    sign_in(page, lead.email)
    open_from_nav(page, "Releases", "Rollouts")
    expect(page.get_by_role("heading", level=1)).to_have_text("Rollouts")
    expect(page.locator(".cfr-figure")).to_have_text("25 %")
    no_horizontal_scroll(page)
    check_accessibility(page, "rollouts list")
    screenshot(page, "rollouts-list")

    page.goto(f"/tickets/{fleet.change_ticket.number}")
    expect(page.locator("#change-approval")).to_contain_text("Awaiting approval")
    no_horizontal_scroll(page)
    screenshot(page, "change-ticket-approval-panel")
    page.goto("/rollouts/")
    page.get_by_role("row", name="Acme").get_by_role("link").first.click()
    page.get_by_label("Comment").fill("Window agreed with Acme.")
    page.get_by_role("button", name="Approve").click()
    expect(page.locator(".decisions")).to_contain_text("Window agreed with Acme.")
    page.reload()
    no_horizontal_scroll(page)
    check_accessibility(page, "rollout detail")
    screenshot(page, "rollout-detail-approved")

    other: Page = new_page(viewport=SIZE)
    sign_in(other, engineer.email)
    other.goto(f"/rollouts/{fleet.pk}/")
    other.get_by_role("button", name="Start the rollout").click()
    other.get_by_role("button", name="Mark done").click()
    expect(other.get_by_role("heading", level=1)).to_contain_text("Done")
    screenshot(other, "rollout-detail-done")
    assert Deployment.objects.get(organisation=acme).version.name == "4.3.0"
