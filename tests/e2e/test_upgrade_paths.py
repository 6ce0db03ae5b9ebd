"""Upgrade paths in a real browser at 1280×800: a customer admin opens "My deployments" and
reads that the line their production runs reaches its end of life in 30 days, and the path of
supported upgrades to the latest supported version, with its steps and breaking changes."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from playwright.sync_api import Page, expect

from sustain.accounts.models import Organisation, User
from sustain.catalog.models import Version
from sustain.factories import make_product, make_user
from sustain.releases import line_services
from sustain.releases.deployments.choices import DeploymentChannel
from sustain.releases.deployments.services import set_deployment
from sustain.releases.lifecycle import site_today
from sustain.releases.line_services import LineData
from sustain.releases.upgrades.services import create_edge
from tests.e2e.conftest import check_accessibility, screenshot, sign_in

SIZE = {"width": 1280, "height": 800}


def test_customer_admin_reads_end_of_life_and_the_upgrade_path(
    new_page: Any, acme_admin: User, alice: User, acme: Organisation
) -> None:
    engineer = make_user("erik@sustain.test", role="engineer")
    product = make_product("Gizmo", versions=["1.9.0", "1.10.0", "2.0.0", "2.1.0"], scheme="semver")
    today = site_today()
    for data in (
        LineData(name="1.x", release_date=today - timedelta(700), eol=today + timedelta(30)),
        LineData(name="2.x", release_date=today - timedelta(90), eol=False),
    ):
        line_services.create_line(actor=engineer, product=product, data=data)
    v = {version.name: version for version in Version.objects.filter(product=product)}
    for source, target, steps, breaking in (
        ("1.10.0", "2.0.0", ["Back up the database", "Run `gizmo migrate`"], "`--legacy` is gone."),
        ("2.0.0", "2.1.0", ["Restart the service"], ""),
        ("1.10.0", "2.1.0", ["Untested jump"], ""),
    ):
        create_edge(
            actor=engineer,
            product=product,
            from_version=v[source],
            to_version=v[target],
            steps=steps,
            breaking_changes=breaking,
            supported=source != "1.10.0" or target != "2.1.0",
        )
    set_deployment(
        actor=alice, organisation=acme, version=v["1.10.0"], channel=DeploymentChannel.STAFF
    )

    page: Page = new_page(viewport=SIZE)
    sign_in(page, acme_admin.email)
    page.get_by_role("link", name="My deployments").click()

    panel = page.get_by_role("region", name="Support and upgrades")
    expect(panel).to_contain_text("End of life in 30 days")
    expect(panel).to_contain_text("Upgrade to 2.1.0 in 2 steps.")
    path = panel.get_by_role("list", name="Upgrade path of Gizmo production")
    expect(path.locator(":scope > li")).to_have_count(2)
    expect(path).to_contain_text("1.10.0 → 2.0.0")
    expect(path).to_contain_text("2.0.0 → 2.1.0")
    expect(path).to_contain_text("Breaking changes")
    expect(path).not_to_contain_text("Untested jump")  # an unsupported upgrade is never taken
    overflow = page.evaluate(
        "() => document.scrollingElement.scrollWidth - document.scrollingElement.clientWidth"
    )
    assert overflow <= 0, f"the page scrolls sideways by {overflow}px"
    check_accessibility(page, "portal deployments with upgrade paths")
    screenshot(page, "upgrades-portal-deployments")
