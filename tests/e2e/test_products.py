"""Product pages in a real browser: a lead imports an endoflife.date file (a bad one first),
reads the lifecycle timeline, and adds a release line."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from sustain.accounts.models import User
from sustain.catalog.models import Version
from sustain.factories import make_product
from sustain.releases.line_models import ReleaseLine
from tests.e2e.conftest import check_accessibility, open_from_nav, screenshot, sign_in

GOOD = """\
releases:
-   releaseCycle: "4.2"
    releaseDate: 2025-03-01
    eoas: 2026-03-01
    eol: 2027-03-01
    eoes: 2029-03-01
    latest: "4.2.3"
    lts: true
-   releaseCycle: "4.1"
    releaseDate: 2024-06-01
    eoas: 2025-03-01
    eol: 2026-01-15
    latest: "4.1.9"
-   releaseCycle: "4.0"
    releaseDate: 2023-09-01
    eoas: 2024-06-01
    eol: 2025-06-01
    latest: "4.0.12"
"""


def test_a_lead_imports_a_lifecycle_and_reads_the_timeline(page: Page, lead: User) -> None:
    product = make_product(
        "Fleetwise", components=["Route planner", "Driver app"], versions=["4.0.0"], scheme="semver"
    )
    page.set_viewport_size({"width": 1280, "height": 800})
    sign_in(page, lead.email)
    open_from_nav(page, "Releases", "Products")
    page.get_by_role("link", name="Fleetwise").click()
    page.get_by_role("link", name="Import an endoflife.date file").click()

    page.get_by_label("Or paste it").fill(GOOD.replace("eol: 2026-01-15", "eol: soon"))
    page.get_by_role("button", name="Import").click()
    alert = page.get_by_role("alert").filter(has_text="nothing was imported")
    expect(alert).to_contain_text("line 12")
    expect(alert).to_contain_text("releases[1].eol")
    check_accessibility(page, "refused import")
    screenshot(page, "products-import-refused")
    assert not ReleaseLine.objects.exists()
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280

    page.get_by_label("Or paste it").fill(GOOD)
    page.get_by_role("button", name="Import").click()
    expect(page.get_by_role("status")).to_contain_text("3 release line(s) were created")
    expect(page.get_by_role("img", name="Lifecycle of the release lines")).to_be_visible()
    expect(page.locator("table.lines tbody tr").first).to_contain_text("4.2.3")
    check_accessibility(page, "product page")
    screenshot(page, "products-product-page")
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    assert Version.objects.get(product=product, name="4.1.9").end_of_life is not None

    page.get_by_role("link", name="New release line").click()
    page.get_by_label("Name", exact=True).fill("4.3")
    page.get_by_label("Release date").fill("2026-02-01")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_contain_text("Saved the release line 4.3")
    assert ReleaseLine.objects.filter(name="4.3", version_prefix="4.3.").exists()
