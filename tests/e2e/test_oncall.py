"""On call in a real browser at 1280×800: a lead builds a rotation in the editor, the team's
page shows the schedule, and the on-call page names who is on call now."""

from __future__ import annotations

from django.utils import timezone
from playwright.sync_api import Page, expect

from sustain.accounts.choices import Role
from sustain.accounts.models import Team, User
from sustain.factories import make_user
from sustain.oncall.selectors import on_call
from tests.e2e.conftest import check_accessibility, screenshot, sign_in

SIZE = {"width": 1280, "height": 800}


def no_horizontal_scroll(page: Page) -> None:
    overflow = page.evaluate(
        "() => document.scrollingElement.scrollWidth - document.scrollingElement.clientWidth"
    )
    assert overflow <= 0, f"the page scrolls sideways by {overflow}px"


def test_a_lead_builds_a_rotation_and_sees_who_is_on_call(
    page: Page, lead: User, alice: User, support: Team
):
    erik = make_user("erik@sustain.test", role=Role.AGENT, full_name="Erik Berg")
    support.members.add(erik)
    page.set_viewport_size(SIZE)
    sign_in(page, lead.email)

    page.goto(f"/oncall/teams/{support.pk}/rotations/new")
    page.get_by_label("Name").fill("Primary")
    page.get_by_label("Time zone").select_option("Europe/Berlin")
    page.get_by_label("Hand over", exact=True).select_option("daily")
    page.get_by_label("Handover time").fill("09:00")
    page.get_by_label("First shift starts on").fill("2026-01-01")
    page.get_by_label("Erik Berg").fill("1")
    page.get_by_label("Alice").fill("2")
    check_accessibility(page, "the rotation editor")
    no_horizontal_scroll(page)
    page.get_by_role("button", name="Create the rotation").click()

    expect(page.get_by_role("heading", name="Support")).to_be_visible()
    expect(page.get_by_text("Erik Berg → Alice")).to_be_visible()
    schedule = page.get_by_role("region", name="Schedule")
    expect(schedule.get_by_role("row")).not_to_have_count(1)
    check_accessibility(page, "a team's on-call page")
    no_horizontal_scroll(page)

    page.goto("/oncall/")
    card = page.get_by_role("region", name="Support")
    now = on_call(support, timezone.now())
    assert now is not None
    expect(card.locator(".who")).to_have_text(now.display_name)
    check_accessibility(page, "on call now")
    no_horizontal_scroll(page)
    screenshot(page, "oncall-now")
