"""Update policy in a real browser: an engineer sets a product's policy (a bad limit first)
and announces a deprecation; the behind-policy report lists a customer; the customer admin
reads the notice and the calendar address in the portal. Pages pass axe-core."""

from __future__ import annotations

import re
from datetime import date

from playwright.sync_api import Page, expect

from sustain.accounts.models import Organisation, User
from sustain.catalog import services as catalog
from sustain.core.permissions import OPERATOR
from sustain.releases.deployments.choices import DeploymentChannel
from sustain.releases.deployments.services import set_deployment
from sustain.releases.policy.models import UpdatePolicy
from tests.e2e.conftest import check_accessibility, screenshot, sign_in


def test_an_engineer_sets_a_policy_and_the_customer_sees_the_notice(
    new_page, acme: Organisation, acme_admin: User
) -> None:
    from sustain.factories import make_user

    engineer = make_user("erik@sustain.test", role="engineer")
    product = catalog.create_product(actor=OPERATOR, name="Fleetwise")
    old, _, _ = (
        catalog.create_version(actor=OPERATOR, product=product, name=n, released_on=d)
        for n, d in (
            ("4.1", date(2025, 1, 1)),
            ("4.2", date(2025, 4, 1)),
            ("5.0", date(2025, 9, 1)),
        )
    )
    set_deployment(actor=None, organisation=acme, version=old, channel=DeploymentChannel.CLI)

    page: Page = new_page(viewport={"width": 1280, "height": 800})
    sign_in(page, engineer.email)
    page.goto(f"/products/{product.pk}/")
    page.get_by_role("link", name="Set an update policy").click()
    page.get_by_label("At most this many minor versions behind").fill("-1")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("alert").first).to_be_visible()
    check_accessibility(page, "policy form with an error")
    page.get_by_label("At most this many minor versions behind").fill("1")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("at most 1 minor version")).to_be_visible()
    assert UpdatePolicy.objects.get().max_minor_behind == 1

    page.get_by_role("link", name="New deprecation notice").click()
    page.get_by_label("Or a feature").fill("SOAP tracking API")
    page.get_by_label("What customers should know").fill("Use the REST API.")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("SOAP tracking API")).to_be_visible()
    check_accessibility(page, "product page with its policy")

    page.get_by_role("link", name="Customers behind the policy").click()
    expect(page.get_by_role("row").filter(has_text="Acme")).to_contain_text("5.0")
    check_accessibility(page, "behind-policy report")
    screenshot(page, "update-policy-behind")
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280

    portal: Page = new_page(viewport={"width": 1280, "height": 800})
    sign_in(portal, acme_admin.email)
    portal.goto("/portal/deployments/")
    expect(portal.get_by_text("you run 4.1 in production")).to_be_visible()
    feed = rf"/update-policy/organisations/{acme.pk}/lifecycle\.ics\?key={acme_admin.pk}-\S+$"
    expect(portal.get_by_role("textbox", name="Lifecycle calendar")).to_have_value(re.compile(feed))
    check_accessibility(portal, "portal deployments with the policy panel")
    screenshot(portal, "update-policy-portal")
